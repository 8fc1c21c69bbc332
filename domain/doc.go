// Package domain is the heart of morlite: MOR's users, devices, DIDs, dial
// plans and providers, the rules that govern them, MOR's API hash and the
// error type whose messages are the wire contract.
//
// It imports the standard library only. The store loads rows and calls the
// rules here inside one write transaction; the server turns the errors into
// MOR's XML envelopes.
package domain
