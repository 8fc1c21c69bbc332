package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"morlite/api"
	"morlite/domain"
	"morlite/web"
)

// Sandbox mode (server.WithSandbox): the request journal and the world reset, as
// JSON endpoints under /sandbox/ and a page under /billing/sandbox/. Only the
// admin may use them: his page session (with its CSRF token for a change) or
// his API secret as a bearer token. Without sandbox mode none of these
// routes exist.

// Paths of the sandbox endpoints and page.
const (
	RequestsPath     = "/sandbox/requests"
	ResetPath        = "/sandbox/reset"
	JournalPagePath  = "/billing/sandbox/requests"
	JournalClearPath = "/billing/sandbox/requests/clear"
	ResetPagePath    = "/billing/sandbox/reset"
	// journalPageMax is how many entries the page shows, newest first.
	journalPageMax = 200
)

// Routes registers the sandbox endpoints and page on e, and the gate that
// makes a reset atomic for every other request. It returns the journal's
// observer of the API, nil when the journal keeps nothing.
func (s *Sandbox) Routes(e *echo.Echo) api.Observer {
	s.echo = e
	var observe api.Observer
	if s.journalSize > 0 {
		s.journal = newJournal(s.journalSize)
		observe = s.journal.observe
	}
	e.Use(s.gateRequests)
	e.GET(RequestsPath, s.handleJournalJSON, s.requireSandboxAdmin)
	e.DELETE(RequestsPath, s.handleJournalClearJSON, s.requireSandboxAdmin)
	e.POST(ResetPath, s.handleResetJSON, s.requireSandboxAdmin)
	s.faults = &faults{}
	s.api.Intercept(s.interceptFault)
	e.GET(FaultsPath, s.handleFaultList, s.requireSandboxAdmin)
	e.POST(FaultsPath, s.handleFaultAdd, s.requireSandboxAdmin)
	e.DELETE(FaultsPath, s.handleFaultClear, s.requireSandboxAdmin)
	e.DELETE(FaultPath, s.handleFaultDelete, s.requireSandboxAdmin)
	e.GET(SnapshotsPath, s.handleSnapshotList, s.requireSandboxAdmin)
	e.POST(SnapshotsPath, s.handleSnapshotTake, s.requireSandboxAdmin)
	e.POST(RestorePath, s.handleSnapshotRestore, s.requireSandboxAdmin)
	e.DELETE(SnapshotPath, s.handleSnapshotDelete, s.requireSandboxAdmin)
	e.POST(SnapshotPagePath, s.handleSnapshotPage, s.pages.LimitForm(api.MaxBodyBytes, "Request too large"), s.pages.RequireLogin, s.requireAdminPage)
	e.GET(JournalPagePath, s.handleJournalPage, s.pages.RequireLogin, s.requireAdminPage)
	e.POST(JournalClearPath, s.handleJournalClearPage, s.pages.RequireLogin, s.requireAdminPage)
	e.POST(ResetPagePath, s.handleResetPage, s.pages.RequireLogin, s.requireAdminPage)
	return observe
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
func (s *Sandbox) requireSandboxAdmin(next echo.HandlerFunc) echo.HandlerFunc {
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
func (s *Sandbox) sandboxAccess(c echo.Context) (int, string) {
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
func (s *Sandbox) bearerAccess(c echo.Context, header string) (int, string) {
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

// TextAdminOnly is the sandbox page's refusal of anyone but the admin.
const TextAdminOnly = "Only the admin may use the sandbox"

// requireAdminPage follows RequireLogin on the sandbox page: the admin only.
func (s *Sandbox) requireAdminPage(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if web.ViewerOf(c).User().UserType != domain.Admin {
			return s.pages.PageError(c, http.StatusForbidden, TextAdminOnly, nil)
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
func (s *Sandbox) entries(f journalFilter) []JournalEntry {
	if s.journal == nil {
		return []JournalEntry{}
	}
	return s.journal.list(f)
}

// handleJournalJSON is GET /sandbox/requests: the journal, oldest first.
func (s *Sandbox) handleJournalJSON(c echo.Context) error {
	f, bad := parseJournalFilter(c.QueryParam)
	if bad != "" {
		return jsonError(c, http.StatusBadRequest, bad)
	}
	return writeJSON(c, http.StatusOK, s.entries(f))
}

// clearJournal empties the journal, when there is one.
func (s *Sandbox) clearJournal() {
	if s.journal != nil {
		s.journal.empty()
	}
}

// handleJournalClearJSON is DELETE /sandbox/requests.
func (s *Sandbox) handleJournalClearJSON(c echo.Context) error {
	s.clearJournal()
	return c.NoContent(http.StatusNoContent)
}

// resetWorld reloads the sandbox's world and loads it in place of the
// database's contents while no other request runs: the reload (parsing,
// hashing passwords) happens before the gate is taken, and the load runs to
// its end even when the client goes away. It logs the outcome, the cause
// of a failure included.
func (s *Sandbox) resetWorld(ctx context.Context) (*domain.World, error) {
	w, err := s.reload()
	if err == nil {
		err = s.loadAlone(context.WithoutCancel(ctx), w)
	}
	if err != nil {
		s.log.Error("sandbox reset", "err", err)
		return nil, err
	}
	s.log.Info("sandbox reset", "world", s.describe)
	return w, nil
}

// loadAlone loads w in place of the database's contents holding the gate.
func (s *Sandbox) loadAlone(ctx context.Context, w *domain.World) error {
	s.gate.Lock()
	defer s.gate.Unlock()
	return s.store.Load(ctx, w, true)
}

// TextResetFailed is what a failed reset answers; the cause goes to the log.
const TextResetFailed = "Reset failed: the database keeps its contents (see the server log)"

// handleResetJSON is POST /sandbox/reset.
func (s *Sandbox) handleResetJSON(c echo.Context) error {
	w, err := s.resetWorld(c.Request().Context())
	if err != nil {
		return jsonError(c, http.StatusInternalServerError, TextResetFailed)
	}
	return writeJSON(c, http.StatusOK, map[string]any{"status": "reset", "users": len(w.Users), "dids": len(w.DIDs)})
}

// journalPage is the journal page's data.
type journalPage struct {
	Entries []JournalEntry // newest first
	Method  string
	Matched int // entries matching the filter (the page shows at most journalPageMax)
	Held    int
	Size    int
	Reloads string
	// Snapshots are the saved snapshots, newest first, for the panel
	// (none when they cannot be read; the cause is logged).
	Snapshots []SnapshotInfo
}

// handleJournalPage is the journal page: the newest entries first, a method
// filter, and the Clear and Reset forms.
func (s *Sandbox) handleJournalPage(c echo.Context) error {
	all := s.entries(journalFilter{method: api.Canonical(c.QueryParam("method"))})
	shown := make([]JournalEntry, 0, min(len(all), journalPageMax))
	for i := len(all) - 1; i >= 0 && len(shown) < journalPageMax; i-- {
		shown = append(shown, all[i])
	}
	data := journalPage{Entries: shown, Method: c.QueryParam("method"), Matched: len(all),
		Size: s.journalSize, Reloads: s.describe}
	if s.journal != nil {
		data.Held = s.journal.count()
	}
	data.Snapshots = s.snapshotPanel(c.Request().Context())
	return s.pages.Page(c, http.StatusOK, "requests", "Requests", "requests", data)
}

// handleJournalClearPage is the page's Clear form.
func (s *Sandbox) handleJournalClearPage(c echo.Context) error {
	s.clearJournal()
	return s.pages.FlashAndRedirect(c, JournalPagePath, "Request journal cleared", true)
}

// handleResetPage is the page's Reset form.
func (s *Sandbox) handleResetPage(c echo.Context) error {
	w, err := s.resetWorld(c.Request().Context())
	if err != nil {
		return s.pages.FlashAndRedirect(c, JournalPagePath, TextResetFailed, false)
	}
	text := "Database reset to " + s.describe + ": " + strconv.Itoa(len(w.Users)) + " users, " + strconv.Itoa(len(w.DIDs)) + " DIDs"
	return s.pages.FlashAndRedirect(c, JournalPagePath, text, true)
}
