// Package sandbox is morlite's sandbox mode: the request journal (every
// answered API request, secrets masked), the world reset, injected faults
// that take an API request over (package api's Interceptor), and named
// snapshots of the world, as JSON endpoints under /sandbox/ for the admin's
// API secret or page session, and the Requests page under /billing/sandbox/.
// A gate makes a reset or a restore atomic: every other request holds it
// shared. The sandbox uses MOR's API (package api) and renders its page
// through the pages' layout, sessions and CSRF (package web); neither knows
// of it.
package sandbox

import (
	"log/slog"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"morlite/api"
	"morlite/domain"
	"morlite/store"
	"morlite/web"
)

// Sandbox is sandbox mode over a store.
type Sandbox struct {
	store *store.Store
	log   *slog.Logger
	echo  *echo.Echo
	api   *api.API
	// pages render the Requests page and hold the admin's session.
	pages *web.Pages
	// describe says what a reset reloads, for the page; reload returns it.
	describe string
	reload   func() (*domain.World, error)
	// journalSize is how many requests the journal keeps (0: none).
	journalSize int
	journal     *journal
	// faults are the injected fault rules.
	faults *faults
	// gate is held shared by every request and exclusively by a reset, so
	// that no request sees half a reset.
	gate sync.RWMutex
}

// Config is what sandbox mode is told: what a reset reloads, and how many
// requests the journal keeps.
type Config struct {
	// Describe says what Reload returns, for the page and the log.
	Describe string
	// Reload returns the world a reset loads.
	Reload func() (*domain.World, error)
	// JournalSize is how many API requests the journal keeps; 0 keeps none.
	JournalSize int
}

// New builds sandbox mode over st, MOR's API a and the pages, logging to
// log.
func New(st *store.Store, log *slog.Logger, a *api.API, pages *web.Pages, cfg Config) *Sandbox {
	return &Sandbox{store: st, log: log, api: a, pages: pages,
		describe: cfg.Describe, reload: cfg.Reload, journalSize: max(cfg.JournalSize, 0)}
}

// WriteTimeout is the write timeout a server in sandbox mode needs: base,
// plus the longest delay a fault may inject.
func WriteTimeout(base time.Duration) time.Duration {
	return base + faultDelayMax*time.Millisecond
}
