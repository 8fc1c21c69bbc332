// Package server assembles morlite's HTTP server: the echo setup, the
// middleware every answer passes (secure headers, the Host check, panic
// recovery), MOR's API (package api), the operator's pages (package web),
// the sandbox (journal, reset, faults, snapshots, and the gate that makes a
// reset atomic) and the operator's endpoints (package ops), with the
// observers that watch the API. The sandbox still lives here.
package server

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"morlite/api"
	"morlite/ops"
	"morlite/store"
	"morlite/web"
)

// Server answers MOR's API over a store.
type Server struct {
	store *store.Store
	log   *slog.Logger
	echo  *echo.Echo
	// api is MOR's API; the pages and the sandbox use its rules.
	api *api.API
	// observers see every answered API request; routes hands them to api.
	observers []api.Observer
	// pages are the operator's pages; the sandbox's pages render through them.
	pages *web.Pages
	// sandbox, when set, is sandbox mode: the journal and the reset.
	sandbox     *sandbox
	journalSize int
	journal     *journal
	// faults are the sandbox's injected fault rules (nil outside it).
	faults *faults
	// gate is held shared by every request in sandbox mode and exclusively
	// by a reset, so that no request sees half a reset.
	gate sync.RWMutex
	// hosts, when set, is the Host names the server answers to (hosts.go).
	hosts *HostPolicy
}

// Option configures a Server.
type Option func(*Server)

// WithObserver adds fn to the observers of every answered API request.
func WithObserver(fn api.Observer) Option {
	return func(s *Server) { s.observers = append(s.observers, fn) }
}

// New builds the server's router over st, logging to log.
func New(st *store.Store, log *slog.Logger, opts ...Option) *Server {
	s := &Server{store: st, log: log, echo: echo.New(), journalSize: DefaultJournalSize, api: api.New(st, log)}
	for _, o := range opts {
		o(s)
	}
	s.routes()
	return s
}

// NewBaseline builds the same server stack (router, middleware, headers,
// http.Server settings) answering every API call with the constant success
// envelope without touching a database: the bench command's yardstick.
func NewBaseline(log *slog.Logger) *Server {
	s := &Server{log: log, echo: echo.New(), api: api.NewBaseline(log)}
	s.routes()
	return s
}

// routes is every route and API method, top to bottom.
func (s *Server) routes() {
	e := s.echo
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleHTTPError
	e.Use(secureHeaders, s.recoverPanics)

	s.api.Routes(e)
	s.pages = web.New(s.store, s.log, s.api, s.sandbox != nil)
	s.pages.Routes(e)
	s.sandboxRoutes()
	s.opsRoutes()
	for _, fn := range s.observers {
		s.api.Observe(fn)
	}
}

// opsRoutes adds /healthz and /metrics, and feeds the request metrics from
// an observer. A NewBaseline server has no database and gets neither.
func (s *Server) opsRoutes() {
	if s.store == nil {
		return
	}
	s.observers = append(s.observers, ops.Routes(s.echo, s.store, s.log, s.api.Methods()))
}

// ServeHTTP lets the server be used as an http.Handler.
// A Host the server does not answer to is refused before any routing.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.refuseHost(w, r) {
		return
	}
	s.echo.ServeHTTP(w, r)
}

// HTTPServer wraps the handler in an http.Server with timeouts, so that a
// slow or stalled client cannot hold a connection forever.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      s.writeTimeout(),
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// writeTimeout is 30 s, plus the longest fault delay in sandbox mode.
func (s *Server) writeTimeout() time.Duration {
	if s.sandbox != nil {
		return 30*time.Second + faultDelayMax*time.Millisecond
	}
	return 30 * time.Second
}

// handleHTTPError answers what no route took: a plain 404 outside the API.
func (s *Server) handleHTTPError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code := http.StatusInternalServerError
	if he, ok := err.(*echo.HTTPError); ok {
		code = he.Code
	}
	if code == http.StatusInternalServerError {
		s.log.Error("unhandled error", "path", c.Request().URL.Path, "err", err)
	}
	_ = c.String(code, http.StatusText(code)+"\n")
}

// SecureHeaders are set on every answer: nothing may sniff, frame, cache or
// run an answer, nor learn where its reader came from.
var SecureHeaders = map[string]string{
	"X-Content-Type-Options":  "nosniff",
	"X-Frame-Options":         "DENY",
	"Referrer-Policy":         "no-referrer",
	"Cache-Control":           "no-store",
	"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}

// secureHeaders sets SecureHeaders before anything answers.
func secureHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		for name, value := range SecureHeaders {
			h.Set(name, value)
		}
		return next(c)
	}
}

// gateRequests holds the gate shared while a request runs (sandbox mode
// only): a reset waits for the requests in flight, and requests that come
// during a reset wait for its end. The body is read before (see
// readAhead). The ungated paths pass.
func (s *Server) gateRequests(next echo.HandlerFunc) echo.HandlerFunc {
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

// recoverPanics turns a panic in a handler into MOR's 500 envelope; the
// detail goes to the log only.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "path", c.Request().URL.Path, "panic", v)
				err = s.api.RespondInternal(c)
			}
		}()
		return next(c)
	}
}
