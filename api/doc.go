// Package api is MOR's XML billing API as morlite serves it under
// /billing/api: what an answered request looks like to those who watch the
// API (Observation, Observer), and the one place a store fault is noted.
package api
