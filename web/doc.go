// Package web is the operator's pages under /billing/: server-rendered
// html/template pages with one small stylesheet and no scripts, in-memory
// sessions with a CSRF token each, the login and its throttle, the rights
// an accountant needs, and the pages themselves (start, DIDs and their
// moves, a device, the users, dial plans, Generate hash). The pages use
// MOR's rules from package api (KeyFor, ParseQuery, its texts) and know
// nothing of the sandbox; the sandbox's own pages render through this
// package's exported helpers (Page, PageError, FlashAndRedirect,
// RequireLogin, LimitForm, SessionUser, ViewerOf, SentCSRF, TokensEqual).
package web

import (
	"log/slog"

	"github.com/labstack/echo/v4"

	"morlite/api"
	"morlite/store"
)

// Pages serves the operator's pages over a store.
type Pages struct {
	store *store.Store
	log   *slog.Logger
	echo  *echo.Echo
	// api is MOR's API, whose rules the pages use.
	api *api.API
	// sessions are the logged-in browsers of the pages.
	sessions sessions
	// logins throttles failed logins (login_guard.go).
	logins loginGuard
	// sandbox says sandbox mode is on: the admin's pages link the Requests page.
	sandbox bool
}

// New builds the pages over st and MOR's API a, logging to log; sandbox
// says sandbox mode is on.
func New(st *store.Store, log *slog.Logger, a *api.API, sandbox bool) *Pages {
	return &Pages{store: st, log: log, api: a, sandbox: sandbox}
}

// Routes registers the pages on e.
func (s *Pages) Routes(e *echo.Echo) {
	s.echo = e
	s.webRoutes()
}
