package ops

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"morlite/api"
	"morlite/store"
)

// Routes adds /healthz and /metrics to e, over st, and returns the
// observer that feeds the request metrics; methods are the API's method
// names, each a label of its own.
func Routes(e *echo.Echo, st *store.Store, log *slog.Logger, methods []string) api.Observer {
	m := newMetrics(st, log, methods)
	h := &healthCheck{store: st, log: log}
	e.GET(HealthPath, h.handle)
	e.GET(MetricsPath, echo.WrapHandler(m.handler(log)))
	return m.observe
}

// Paths of the operator's endpoints.
const (
	HealthPath  = "/healthz"
	MetricsPath = "/metrics"
)

// healthCheck answers /healthz over a store.
type healthCheck struct {
	store *store.Store
	log   *slog.Logger
}

// HealthTimeout bounds a health check: a database that cannot answer a
// trivial read in this time (a writer stuck in a batch) is not healthy.
// Tests shorten it.
var HealthTimeout = 5 * time.Second

// health is /healthz's answer. Version is the schema version applied to the
// database, Latest the highest migration this binary carries; both are
// absent when they could not be read.
type health struct {
	Status   string `json:"status"`   // ok, unavailable
	Database string `json:"database"` // ok, unreachable, corrupt
	// CorruptSince is when a statement first found the file damaged.
	CorruptSince string `json:"corrupt_since,omitempty"`
	Migrations   string `json:"migrations"` // current, behind, ahead, unreadable, unknown
	Version      *int64 `json:"version,omitempty"`
	Latest       *int64 `json:"latest,omitempty"`
}

// handleHealth answers 200 when the database answers a read on both pools
// and its schema is the one this binary migrates to, 503 naming the failing
// part otherwise. The cause goes to the log only.
func (s *healthCheck) handle(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), HealthTimeout)
	defer cancel()
	h := s.check(ctx)
	code := http.StatusOK
	if h.Status != "ok" {
		code = http.StatusServiceUnavailable
	}
	return c.JSON(code, h)
}

// checkHealth runs the checks; it never writes.
func (s *healthCheck) check(ctx context.Context) health {
	h := health{Status: "unavailable", Database: "ok", Migrations: "unknown"}
	err := s.store.Reachable(ctx)
	api.NoteFault(s.store, s.log, err)
	if at, damage := s.store.Corruption(); damage != nil {
		h.Database, h.CorruptSince = "corrupt", at.UTC().Format(time.RFC3339)
		s.log.Error("health: the database file is damaged; stop the server and run morlite check", "since", at, "err", damage)
		return h
	}
	if err != nil {
		s.log.Warn("health: database unreachable", "err", err)
		h.Database = "unreachable"
		return h
	}
	applied, latest, err := s.store.SchemaVersion(ctx)
	if err != nil {
		s.log.Warn("health: schema version unreadable", "err", err)
		h.Migrations = "unreadable"
		return h
	}
	h.Version, h.Latest = &applied, &latest
	switch {
	case applied < latest:
		h.Migrations = "behind"
	case applied > latest:
		h.Migrations = "ahead"
	default:
		h.Status, h.Migrations = "ok", "current"
		return h
	}
	s.log.Warn("health: the database's schema is not this binary's", "applied", applied, "latest", latest)
	return h
}
