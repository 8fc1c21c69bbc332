// Package api is MOR's XML billing API as morlite serves it under
// /billing/api/<method>: reading a request's parameters from any transport
// MOR accepts (query, form, multipart, JSON), the pipeline every method
// shares (API allowed, GET allowed, the method known, the caller looked up,
// the hash checked with the key that applies), the methods themselves over
// the store, and MOR's XML envelopes with their headers. Every domain error
// becomes an envelope in one place, respondError. Those who watch the API
// see each answered request as an Observation; an Interceptor may take a
// request over once read (the sandbox's injected faults do). The API knows
// nothing of pages, the sandbox or operations; the pages use its rules
// (KeyFor, ParseQuery, Canonical, its texts). Compressing an answer
// (devices_get, for a client that accepts gzip) lives here rather than with
// the shared middleware: only the API compresses, and only that method.
package api
