package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"morlite/api"
	"morlite/domain"
	"morlite/ops"
	"morlite/web"
)

// Sandbox mode (WithSandbox): the request journal and the world reset, as
// JSON endpoints under /sandbox/ and a page under /billing/sandbox/. Only the
// admin may use them: his page session (with its CSRF token for a change) or
// his API secret as a bearer token. Without sandbox mode none of these
// routes exist.

// Paths of the sandbox endpoints and page.
const (
	sandboxRequestsPath = "/sandbox/requests"
	sandboxResetPath    = "/sandbox/reset"
	journalPagePath     = "/billing/sandbox/requests"
	journalClearPath    = "/billing/sandbox/requests/clear"
	resetPagePath       = "/billing/sandbox/reset"
	// journalPageMax is how many entries the page shows, newest first.
	journalPageMax = 200
)

// sandbox is what sandbox mode needs: how to reload the world and what that
// world is, for the page.
type sandbox struct {
	describe string
	reload   func() (*domain.World, error)
}

// WithSandbox turns sandbox mode on: POST /sandbox/reset replaces the
// database's contents with the world reload returns (describe says what that
// is, for the page), and the request journal is kept (see WithJournal).
func WithSandbox(describe string, reload func() (*domain.World, error)) Option {
	return func(s *Server) { s.sandbox = &sandbox{describe: describe, reload: reload} }
}

// WithJournal sets how many API requests the journal keeps in sandbox mode
// (DefaultJournalSize without this option); 0 keeps none.
func WithJournal(n int) Option {
	return func(s *Server) { s.journalSize = max(n, 0) }
}

// sandboxRoutes registers the sandbox endpoints and page, and the gate that
// makes a reset atomic for every other request, in sandbox mode only.
func (s *Server) sandboxRoutes() {
	if s.sandbox == nil {
		return
	}
	if s.journalSize > 0 {
		s.journal = newJournal(s.journalSize)
		s.observers = append(s.observers, s.journal.observe)
	}
	e := s.echo
	e.Use(s.gateRequests)
	e.GET(sandboxRequestsPath, s.handleJournalJSON, s.requireSandboxAdmin)
	e.DELETE(sandboxRequestsPath, s.handleJournalClearJSON, s.requireSandboxAdmin)
	e.POST(sandboxResetPath, s.handleResetJSON, s.requireSandboxAdmin)
	s.faults = &faults{}
	s.api.Intercept(s.interceptFault)
	e.GET(sandboxFaultsPath, s.handleFaultList, s.requireSandboxAdmin)
	e.POST(sandboxFaultsPath, s.handleFaultAdd, s.requireSandboxAdmin)
	e.DELETE(sandboxFaultsPath, s.handleFaultClear, s.requireSandboxAdmin)
	e.DELETE(sandboxFaultPath, s.handleFaultDelete, s.requireSandboxAdmin)
	e.GET(sandboxSnapshotsPath, s.handleSnapshotList, s.requireSandboxAdmin)
	e.POST(sandboxSnapshotsPath, s.handleSnapshotTake, s.requireSandboxAdmin)
	e.POST(sandboxRestorePath, s.handleSnapshotRestore, s.requireSandboxAdmin)
	e.DELETE(sandboxSnapshotPath, s.handleSnapshotDelete, s.requireSandboxAdmin)
	e.POST(snapshotPagePath, s.handleSnapshotPage, s.pages.LimitForm(api.MaxBodyBytes, "Request too large"), s.pages.RequireLogin, s.requireAdminPage)
	e.GET(journalPagePath, s.handleJournalPage, s.pages.RequireLogin, s.requireAdminPage)
	e.POST(journalClearPath, s.handleJournalClearPage, s.pages.RequireLogin, s.requireAdminPage)
	e.POST(resetPagePath, s.handleResetPage, s.pages.RequireLogin, s.requireAdminPage)
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

// writeJSON answers v as JSON, without HTML escaping (the XML answers in
// the journal stay readable; the content type and nosniff keep it data).
func writeJSON(c echo.Context, status int, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return c.Blob(status, "application/json; charset=utf-8", b.Bytes())
}

// jsonError answers {"error": text}.
func jsonError(c echo.Context, status int, text string) error {
	return writeJSON(c, status, map[string]string{"error": text})
}

// requireSandboxAdmin lets the admin through: an Authorization: Bearer
// header with the admin's API secret, or else the admin's page session
// (which must send its CSRF token with a DELETE or POST).
func (s *Server) requireSandboxAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		status, text := s.sandboxAccess(c)
		if status == http.StatusUnauthorized {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="morlite sandbox"`)
		}
		if status != 0 {
			return jsonError(c, status, text)
		}
		return next(c)
	}
}

// sandboxAccess is 0 for the admin, else the status and text to refuse with.
func (s *Server) sandboxAccess(c echo.Context) (int, string) {
	if h := c.Request().Header.Get("Authorization"); h != "" {
		return s.bearerAccess(c, h)
	}
	wu, err := s.pages.SessionUser(c)
	if err != nil {
		s.log.Error("sandbox session", "err", err)
		return http.StatusInternalServerError, "Internal error"
	}
	switch {
	case wu == nil:
		return http.StatusUnauthorized, "send the admin's API secret as Authorization: Bearer <secret>, or the admin's session cookie"
	case wu.User().UserType != domain.Admin:
		return http.StatusForbidden, "only the admin may use the sandbox endpoints"
	case c.Request().Method != http.MethodGet && !web.TokensEqual(web.SentCSRF(c), wu.CSRF()):
		return http.StatusForbidden, "invalid or missing CSRF token: send the session's token as X-CSRF-Token"
	}
	return 0, ""
}

// bearerAccess checks an Authorization header against the admin's API
// secret (the api_secret_key setting), in constant time; an empty secret
// never matches.
func (s *Server) bearerAccess(c echo.Context, header string) (int, string) {
	scheme, token, _ := strings.Cut(header, " ")
	settings, err := s.store.Settings(c.Request().Context())
	if err != nil {
		s.log.Error("sandbox settings", "err", err)
		return http.StatusInternalServerError, "Internal error"
	}
	if !strings.EqualFold(scheme, "Bearer") || !web.TokensEqual(strings.TrimSpace(token), settings.APISecretKey) {
		return http.StatusUnauthorized, "wrong bearer token: send the admin's API secret as Authorization: Bearer <secret>"
	}
	return 0, ""
}

// requireAdminPage follows RequireLogin on the sandbox page: the admin only.
func (s *Server) requireAdminPage(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if web.ViewerOf(c).User().UserType != domain.Admin {
			return s.pages.PageError(c, http.StatusForbidden, "Only the admin may use the sandbox", nil)
		}
		return next(c)
	}
}

// parseJournalFilter reads method, since (RFC 3339) and since_id; a bad
// value is an error text for a 400.
func parseJournalFilter(q func(string) string) (journalFilter, string) {
	f := journalFilter{method: api.Canonical(q("method"))}
	if v := q("since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return f, "since must be an RFC 3339 time, such as 2026-01-02T15:04:05Z or 2026-01-02T15:04:05.123+02:00"
		}
		f.since = t
	}
	if v := q("since_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 0 {
			return f, "since_id must be a request id (a whole number, 0 or more)"
		}
		f.sinceID = id
	}
	return f, ""
}

// entries lists the journal (none when it is off).
func (s *Server) entries(f journalFilter) []journalEntry {
	if s.journal == nil {
		return []journalEntry{}
	}
	return s.journal.list(f)
}

// handleJournalJSON is GET /sandbox/requests: the journal, oldest first.
func (s *Server) handleJournalJSON(c echo.Context) error {
	f, bad := parseJournalFilter(c.QueryParam)
	if bad != "" {
		return jsonError(c, http.StatusBadRequest, bad)
	}
	return writeJSON(c, http.StatusOK, s.entries(f))
}

// clearJournal empties the journal, when there is one.
func (s *Server) clearJournal() {
	if s.journal != nil {
		s.journal.empty()
	}
}

// handleJournalClearJSON is DELETE /sandbox/requests.
func (s *Server) handleJournalClearJSON(c echo.Context) error {
	s.clearJournal()
	return c.NoContent(http.StatusNoContent)
}

// resetWorld reloads the sandbox's world and loads it in place of the
// database's contents while no other request runs: the reload (parsing,
// hashing passwords) happens before the gate is taken, and the load runs to
// its end even when the client goes away. It logs the outcome, the cause
// of a failure included.
func (s *Server) resetWorld(ctx context.Context) (*domain.World, error) {
	w, err := s.sandbox.reload()
	if err == nil {
		err = s.loadAlone(context.WithoutCancel(ctx), w)
	}
	if err != nil {
		s.log.Error("sandbox reset", "err", err)
		return nil, err
	}
	s.log.Info("sandbox reset", "world", s.sandbox.describe)
	return w, nil
}

// loadAlone loads w in place of the database's contents holding the gate.
func (s *Server) loadAlone(ctx context.Context, w *domain.World) error {
	s.gate.Lock()
	defer s.gate.Unlock()
	return s.store.Load(ctx, w, true)
}

// textResetFailed is what a failed reset answers; the cause goes to the log.
const textResetFailed = "Reset failed: the database keeps its contents (see the server log)"

// handleResetJSON is POST /sandbox/reset.
func (s *Server) handleResetJSON(c echo.Context) error {
	w, err := s.resetWorld(c.Request().Context())
	if err != nil {
		return jsonError(c, http.StatusInternalServerError, textResetFailed)
	}
	return writeJSON(c, http.StatusOK, map[string]any{"status": "reset", "users": len(w.Users), "dids": len(w.DIDs)})
}

// journalPage is the journal page's data.
type journalPage struct {
	Entries []journalEntry // newest first
	Method  string
	Matched int // entries matching the filter (the page shows at most journalPageMax)
	Held    int
	Size    int
	Reloads string
	// Snapshots are the saved snapshots, newest first, for the panel
	// (none when they cannot be read; the cause is logged).
	Snapshots []snapshotInfo
}

// handleJournalPage is the journal page: the newest entries first, a method
// filter, and the Clear and Reset forms.
func (s *Server) handleJournalPage(c echo.Context) error {
	all := s.entries(journalFilter{method: api.Canonical(c.QueryParam("method"))})
	shown := make([]journalEntry, 0, min(len(all), journalPageMax))
	for i := len(all) - 1; i >= 0 && len(shown) < journalPageMax; i-- {
		shown = append(shown, all[i])
	}
	data := journalPage{Entries: shown, Method: c.QueryParam("method"), Matched: len(all),
		Size: s.journalSize, Reloads: s.sandbox.describe}
	if s.journal != nil {
		data.Held = s.journal.count()
	}
	data.Snapshots = s.snapshotPanel(c.Request().Context())
	return s.pages.Page(c, http.StatusOK, "requests", "Requests", "requests", data)
}

// handleJournalClearPage is the page's Clear form.
func (s *Server) handleJournalClearPage(c echo.Context) error {
	s.clearJournal()
	return s.pages.FlashAndRedirect(c, journalPagePath, "Request journal cleared", true)
}

// handleResetPage is the page's Reset form.
func (s *Server) handleResetPage(c echo.Context) error {
	w, err := s.resetWorld(c.Request().Context())
	if err != nil {
		return s.pages.FlashAndRedirect(c, journalPagePath, textResetFailed, false)
	}
	text := "Database reset to " + s.sandbox.describe + ": " + strconv.Itoa(len(w.Users)) + " users, " + strconv.Itoa(len(w.DIDs)) + " DIDs"
	return s.pages.FlashAndRedirect(c, journalPagePath, text, true)
}
