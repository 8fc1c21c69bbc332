package sandbox

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"morlite/api"
	"morlite/ops"
)

// The gate makes a reset (or a snapshot's restore) atomic for every other
// request: each request holds it shared, a reset exclusively.

// gateRequests holds the gate shared while a request runs (sandbox mode
// only): a reset waits for the requests in flight, and requests that come
// during a reset wait for its end. The body is read before (see
// readAhead). The ungated paths pass.
func (s *Sandbox) gateRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if ungated(c.Path()) {
			return next(c)
		}
		readAhead(c.Request())
		hold := &gateHold{gate: &s.gate}
		hold.take()
		defer hold.release()
		c.Set(gateHoldKey, hold)
		return next(c)
	}
}

// ungated says a route (c.Path(), the pattern that matched) passes the
// gate: the sandbox's own (a reset takes the gate itself; the journal is
// memory), and the operator's /healthz and /metrics, which read no world
// and must answer a probe during a long reset.
func ungated(p string) bool {
	return strings.HasPrefix(p, "/sandbox/") || strings.HasPrefix(p, "/billing/sandbox/") ||
		p == ops.HealthPath || p == ops.MetricsPath
}

// readAhead reads up to api.MaxBodyBytes+1 of r's body into memory, so that a
// client uploading slowly does not hold the gate (and so every request
// behind a waiting reset) while it sends. The handler reads the same bytes,
// then whatever follows, then the same error a read failed with.
func readAhead(r *http.Request) {
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	buf, err := io.ReadAll(io.LimitReader(r.Body, api.MaxBodyBytes+1))
	rest := io.Reader(r.Body)
	if err != nil {
		rest = failedRead{err}
	}
	r.Body = readCloser{io.MultiReader(bytes.NewReader(buf), rest), r.Body}
}

// failedRead answers every read with the error a read ahead met.
type failedRead struct{ err error }

func (f failedRead) Read([]byte) (int, error) { return 0, f.err }

// readCloser is a body read from one reader and closed by another.
type readCloser struct {
	io.Reader
	io.Closer
}

// gateHold is one request's shared hold on the reset gate, which a fault's
// delay lets go of so that a long delay does not hold back a reset (and
// every request behind it).
type gateHold struct {
	gate *sync.RWMutex
	held bool
}

// gateHoldKey is where gateRequests keeps a request's hold.
const gateHoldKey = "morlite.gate"

// gateHoldOf is the request's hold, nil when it passed the gate.
func gateHoldOf(c echo.Context) *gateHold {
	h, _ := c.Get(gateHoldKey).(*gateHold)
	return h
}

// take takes the gate shared, unless held.
func (h *gateHold) take() {
	if h != nil && !h.held {
		h.gate.RLock()
		h.held = true
	}
}

// release lets the gate go, when held.
func (h *gateHold) release() {
	if h != nil && h.held {
		h.gate.RUnlock()
		h.held = false
	}
}

// Gate is the reset gate itself. Whoever holds it exclusively holds every
// gated request back, as a reset does (the tests stand in for a long reset
// with it).
func (s *Sandbox) Gate() *sync.RWMutex { return &s.gate }
