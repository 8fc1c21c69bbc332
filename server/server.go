// Package server assembles morlite's HTTP server and holds only what every
// room shares: the echo setup, the middleware every answer passes (secure
// headers, the Host check, panic recovery, the plain 404), the http.Server
// settings, and the wiring of the rooms: MOR's API (package api), the
// operator's pages (package web), sandbox mode (package sandbox, with
// WithSandbox) and the operator's endpoints (package ops), with the
// observers that watch the API.
package server

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"morlite/api"
	"morlite/domain"
	"morlite/ops"
	"morlite/sandbox"
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
	// sandboxConfig, when set, turns sandbox mode on (WithSandbox); sandbox
	// is then the journal, the reset, the faults and the snapshots.
	sandboxConfig *sandbox.Config
	journalSize   int
	sandbox       *sandbox.Sandbox
	// journal is the sandbox journal's observer of the API (nil without).
	journal api.Observer
	// hosts, when set, is the Host names the server answers to (hosts.go).
	hosts *HostPolicy
}

// Option configures a Server.
type Option func(*Server)

// WithSandbox turns sandbox mode on: POST /sandbox/reset replaces the
// database's contents with the world reload returns (describe says what that
// is, for the page), and the request journal is kept (see WithJournal).
func WithSandbox(describe string, reload func() (*domain.World, error)) Option {
	return func(s *Server) { s.sandboxConfig = &sandbox.Config{Describe: describe, Reload: reload} }
}

// WithJournal sets how many API requests the journal keeps in sandbox mode
// (sandbox.DefaultJournalSize without this option); 0 keeps none.
func WithJournal(n int) Option {
	return func(s *Server) { s.journalSize = max(n, 0) }
}

// WithObserver adds fn to the observers of every answered API request.
func WithObserver(fn api.Observer) Option {
	return func(s *Server) { s.observers = append(s.observers, fn) }
}

// New builds the server's router over st, logging to log.
func New(st *store.Store, log *slog.Logger, opts ...Option) *Server {
	s := &Server{store: st, log: log, echo: echo.New(), journalSize: sandbox.DefaultJournalSize, api: api.New(st, log)}
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
	s.pages = web.New(s.store, s.log, s.api, s.sandboxConfig != nil)
	s.pages.Routes(e)
	s.sandboxRoutes()
	s.opsRoutes()
	for _, fn := range s.observers {
		s.api.Observe(fn)
	}
}

// sandboxRoutes adds the sandbox's endpoints, page and gate, in sandbox
// mode only; its journal watches the API.
func (s *Server) sandboxRoutes() {
	if s.sandboxConfig == nil {
		return
	}
	cfg := *s.sandboxConfig
	cfg.JournalSize = s.journalSize
	s.sandbox = sandbox.New(s.store, s.log, s.api, s.pages, cfg)
	if s.journal = s.sandbox.Routes(s.echo); s.journal != nil {
		s.observers = append(s.observers, s.journal)
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
		return sandbox.WriteTimeout(30 * time.Second)
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
