package server

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"
)

// The operator's endpoints: /healthz and /metrics. They sit outside MOR's
// API pipeline and need no login, as most exporters: the server listens on
// loopback unless told otherwise.

// opsRoutes adds /healthz and /metrics, and feeds the request metrics from
// an observer. A NewBaseline server has no database and gets neither.
func (s *Server) opsRoutes() {
	if s.store == nil {
		return
	}
	m := newMetrics(s.store, s.log, slices.Sorted(maps.Keys(s.methods)))
	s.observers = append(s.observers, m.observe)
	s.echo.GET(healthPath, s.handleHealth)
	s.echo.GET(metricsPath, echo.WrapHandler(m.handler(s.log)))
}

// Paths of the operator's endpoints.
const (
	healthPath  = "/healthz"
	metricsPath = "/metrics"
)

// healthTimeout bounds a health check: a database that cannot answer a
// trivial read in this time (a writer stuck in a batch) is not healthy.
// Tests shorten it.
var healthTimeout = 5 * time.Second

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
func (s *Server) handleHealth(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), healthTimeout)
	defer cancel()
	h := s.checkHealth(ctx)
	code := http.StatusOK
	if h.Status != "ok" {
		code = http.StatusServiceUnavailable
	}
	return c.JSON(code, h)
}

// checkHealth runs the checks; it never writes.
func (s *Server) checkHealth(ctx context.Context) health {
	h := health{Status: "unavailable", Database: "ok", Migrations: "unknown"}
	err := s.store.Reachable(ctx)
	s.noteFault(err)
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

// noteFault hands a fault to the store, which remembers one that found the
// database file damaged: /healthz reports it from then on. It is logged
// once, loudly.
func (s *Server) noteFault(err error) {
	if s.store == nil || err == nil {
		return
	}
	if at, _ := s.store.Corruption(); at.IsZero() && s.store.NoteError(err) {
		s.log.Error("the database file is damaged: /healthz now reports it; stop the server and run morlite check", "err", err)
	}
}
