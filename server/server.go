// Package server is morlite's wire: MOR's /billing/api routes, the request
// pipeline (API allowed, GET allowed, hash), and MOR's XML envelopes. Every
// domain error becomes an envelope in one place, respond.
package server

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"morlite/api"
	"morlite/domain"
	"morlite/ops"
	"morlite/store"
)

// Server answers MOR's API over a store.
type Server struct {
	store   *store.Store
	log     *slog.Logger
	echo    *echo.Echo
	methods map[string]apiMethod
	// baseline, when set, is the constant answer of a NewBaseline server.
	baseline []byte
	// observers see every answered API request.
	observers []api.Observer
	// sessions are the logged-in browsers of the pages.
	sessions sessions
	// logins throttles failed logins (web_login_guard.go).
	logins loginGuard
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

// apiMethod is one API method: its handler and the envelope its own errors use.
type apiMethod struct {
	handle   func(*request) (*node, error)
	envelope envelope
}

// aliases maps MOR's old method names to the current ones.
var aliases = map[string]string{
	"did_assign_device":   "did_device_assign",
	"did_unassign_device": "did_device_unassign",
	"device_destroy":      "device_delete",
	"device_list":         "devices_get",
	"user_details":        "user_details_get",
}

// New builds the server's router over st, logging to log.
func New(st *store.Store, log *slog.Logger, opts ...Option) *Server {
	s := &Server{store: st, log: log, echo: echo.New(), journalSize: DefaultJournalSize}
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
	s := &Server{log: log, echo: echo.New(), baseline: render(xmlDecl, successPage(textAssigned))}
	s.routes()
	return s
}

// routes is every route and API method, top to bottom.
func (s *Server) routes() {
	e := s.echo
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleHTTPError
	e.Use(secureHeaders, s.recoverPanics)

	e.Any("/billing/api/:method", s.handleAPI)
	e.Any("/billing/api/:method/:id", s.handleAPI)
	s.webRoutes()
	s.sandboxRoutes()

	s.methods = map[string]apiMethod{
		"did_trunk_device_assign": {s.handleDIDTrunkDeviceAssign, envStatus},
		"did_device_assign":       {s.handleDIDDeviceAssign, envStatus},
		"did_device_unassign":     {s.handleDIDDeviceUnassign, envStatus},
		"did_create":              {s.handleDIDCreate, envStatus},
		"did_details_update":      {s.handleDIDDetailsUpdate, envStatus},
		"did_close":               {s.handleDIDClosing, envStatus},
		"did_subscription_stop":   {s.handleDIDClosing, envStatus},
		"did_terminate":           {s.handleDIDClosing, envStatus},
		"did_make_free":           {s.handleDIDClosing, envStatus},
		"did_delete":              {s.handleDIDClosing, envStatus},
		"dids_get":                {s.handleDIDsGet, envStatus},
		"device_create":           {s.handleDeviceCreate, envPage},
		"device_update":           {s.handleDeviceUpdate, envStatus},
		"device_details_get":      {s.handleDeviceDetailsGet, envBare},
		"devices_get":             {s.handleDevicesGet, envPage},
		"device_delete":           {s.handleDeviceDelete, envPage},
		"users_get":               {s.handleUsersGet, envStatus},
		"user_details_get":        {s.handleUserDetailsGet, envBare},
		"user_register":           {s.handleUserRegister, envStatus},
	}
	s.opsRoutes()
}

// opsRoutes adds /healthz and /metrics, and feeds the request metrics from
// an observer. A NewBaseline server has no database and gets neither.
func (s *Server) opsRoutes() {
	if s.store == nil {
		return
	}
	methods := slices.Sorted(maps.Keys(s.methods))
	s.observers = append(s.observers, ops.Routes(s.echo, s.store, s.log, methods))
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
				r := &request{ctx: c.Request().Context()}
				err = s.respondError(c, r, envStatus, domain.ErrInternal)
			}
		}()
		return next(c)
	}
}

// request is one API call as it moves through the pipeline.
type request struct {
	ctx      context.Context
	method   string
	params   domain.Params
	settings domain.Settings
	caller   domain.Caller
	test     bool
	// fault is the id of the fault rule that fired on the request, and
	// dropped says it closed the connection with no answer.
	fault   string
	dropped bool
	// decl is the answer's XML declaration when a method needs another
	// than xmlDecl (user_register's standalone one).
	decl string
	// acceptGzip says the client's Accept-Encoding admits gzip; a method
	// that compresses its answer (devices_get) sets gzip from it.
	acceptGzip bool
	gzip       bool
	// What was answered, for the observers.
	answer string
	status int
	body   []byte
}
