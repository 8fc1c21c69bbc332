package server

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"morlite/domain"
	"morlite/fixtures"
	"morlite/sandbox"
	"morlite/web"
)

// sandboxNow is the clock the tests' reloads parse with, so that two resets
// load the same world.
var sandboxNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// newSandboxEnv is newEnv in sandbox mode: a reset reloads fixture.
func newSandboxEnv(t *testing.T, fixture string, opts ...Option) *env {
	t.Helper()
	e := newEnv(t, fixture)
	text := []byte(prehashed(t, fixture))
	reload := func() (*domain.World, error) { return fixtures.Parse("test.yaml", text, sandboxNow) }
	opts = append([]Option{WithSandbox("the test fixture", reload)}, opts...)
	e.srv = New(e.st, slog.New(slog.NewTextHandler(lockedWriter{e}, nil)), opts...)
	return e
}

// sandboxCall sends a sandbox request, with a bearer token unless it is "".
func (e *env) sandboxCall(method, path, bearer string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return e.do(req)
}

// sandboxCall sends a sandbox request with the browser's session cookie
// (the jar keeps it for /billing/ only, as a browser does) and, when asked,
// its CSRF token as X-CSRF-Token.
func (w *webClient) sandboxCall(method, path string, withCSRF bool) webAnswer {
	w.T.Helper()
	req, err := http.NewRequest(method, w.Base+path, nil)
	if err != nil {
		w.T.Fatal(err)
	}
	billing, _ := url.Parse(w.Base + "/billing/")
	for _, ck := range w.HTTP.Jar.Cookies(billing) {
		if ck.Name == web.SessionCookie {
			req.Header.Set("Cookie", ck.Name+"="+ck.Value)
		}
	}
	if withCSRF {
		req.Header.Set("X-CSRF-Token", w.CSRF)
	}
	return w.Send(req)
}

// sandboxOK is each JSON endpoint with the status it answers the admin.
var sandboxOK = []struct {
	method, path string
	status       int
}{
	{http.MethodGet, sandbox.RequestsPath, http.StatusOK},
	{http.MethodDelete, sandbox.RequestsPath, http.StatusNoContent},
	{http.MethodPost, sandbox.ResetPath, http.StatusOK},
}

// checkJSONError fails unless an answer is {"error": "..."} with status.
func checkJSONError(t *testing.T, what string, status, wantStatus int, body string) {
	t.Helper()
	var msg map[string]string
	if status != wantStatus || json.Unmarshal([]byte(body), &msg) != nil || msg["error"] == "" || len(msg) != 1 {
		t.Errorf("%s: HTTP %d %q, want %d and a JSON error", what, status, body, wantStatus)
	}
}

func TestSandboxBearer(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	for _, ep := range sandboxOK {
		for _, auth := range []string{"", "Bearer wrong", "Bearer reseller-secret", "Bearer", "Bearer ", "Basic c2VjcmV0", "secret", "Bearer secretx"} {
			req := httptest.NewRequest(ep.method, ep.path, nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			rec := e.do(req)
			what := fmt.Sprintf("%s %s with %q", ep.method, ep.path, auth)
			checkJSONError(t, what, rec.Code, http.StatusUnauthorized, rec.Body.String())
			if !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: WWW-Authenticate %q", what, rec.Header().Get("WWW-Authenticate"))
			}
		}
		for _, auth := range []string{"Bearer secret", "bearer secret"} {
			req := httptest.NewRequest(ep.method, ep.path, nil)
			req.Header.Set("Authorization", auth)
			if rec := e.do(req); rec.Code != ep.status {
				t.Errorf("%s %s with %q: HTTP %d %s", ep.method, ep.path, auth, rec.Code, rec.Body)
			}
		}
	}
}

// TestSandboxEmptySecretNeverMatches: with no API secret set, no bearer
// token opens the sandbox.
func TestSandboxEmptySecretNeverMatches(t *testing.T) {
	e := newSandboxEnv(t, withSetting(demoYAML, "api_secret_key", `""`))
	for _, auth := range []string{"Bearer ", "Bearer", "Bearer  "} {
		req := httptest.NewRequest(http.MethodGet, sandbox.RequestsPath, nil)
		req.Header.Set("Authorization", auth)
		rec := e.do(req)
		checkJSONError(t, auth, rec.Code, http.StatusUnauthorized, rec.Body.String())
	}
}

func TestSandboxSessions(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	admin := e.browser()
	admin.Login("admin", demoLogins["admin"])
	for _, ep := range sandboxOK {
		if a := admin.sandboxCall(ep.method, ep.path, true); a.Status != ep.status {
			t.Errorf("admin session %s %s: HTTP %d %s", ep.method, ep.path, a.Status, a.Body)
		}
		a := admin.sandboxCall(ep.method, ep.path, false)
		if ep.method == http.MethodGet {
			if a.Status != http.StatusOK {
				t.Errorf("admin session GET without CSRF: HTTP %d", a.Status)
			}
			continue
		}
		checkJSONError(t, "admin session without CSRF: "+ep.method+" "+ep.path, a.Status, http.StatusForbidden, a.Body)
		token := admin.CSRF
		admin.CSRF = "forged"
		a = admin.sandboxCall(ep.method, ep.path, true)
		admin.CSRF = token
		checkJSONError(t, "admin session with a forged CSRF token: "+ep.method+" "+ep.path, a.Status, http.StatusForbidden, a.Body)
	}
	for _, u := range []string{"reseller", "accountant"} {
		w := e.browser()
		w.Login(u, demoLogins[u])
		for _, ep := range sandboxOK {
			a := w.sandboxCall(ep.method, ep.path, true)
			checkJSONError(t, u+" session "+ep.method+" "+ep.path, a.Status, http.StatusForbidden, a.Body)
		}
		for _, a := range []webAnswer{w.Get(sandbox.JournalPagePath), w.Post(sandbox.JournalClearPath, nil), w.Post(sandbox.ResetPagePath, nil)} {
			if a.Status != http.StatusForbidden || !strings.Contains(a.Body, sandbox.TextAdminOnly) {
				t.Errorf("%s on the sandbox page: HTTP %d: %s", u, a.Status, a.Body)
			}
		}
		if home := w.Get(web.HomePath); strings.Contains(navOf(home.Body), sandbox.JournalPagePath) {
			t.Errorf("%s sees the Requests link", u)
		}
	}
	if home := admin.Get(web.HomePath); !strings.Contains(navOf(home.Body), sandbox.JournalPagePath) {
		t.Errorf("the admin does not see the Requests link:\n%s", home.Body)
	}
	out := e.browser()
	if a := out.Get(sandbox.JournalPagePath); a.Status != http.StatusSeeOther || !strings.HasPrefix(a.Location, web.LoginPath) {
		t.Errorf("logged out journal page: HTTP %d to %q", a.Status, a.Location)
	}
	if a := out.Post(sandbox.ResetPagePath, url.Values{"csrf": {"x"}}); a.Status != http.StatusForbidden {
		t.Errorf("logged out reset form: HTTP %d", a.Status)
	}
}

// navOf is a page's navigation bar.
func navOf(body string) string {
	start, end := strings.Index(body, "<nav>"), strings.Index(body, "</nav>")
	if start < 0 || end < start {
		return ""
	}
	return body[start:end]
}

// TestSandboxOff: without sandbox mode every sandbox path is a plain 404,
// whoever asks, and the admin has no Requests link.
func TestSandboxOff(t *testing.T) {
	e := newEnv(t, demoYAML)
	admin := e.browser()
	admin.Login("admin", demoLogins["admin"])
	paths := []struct{ method, path string }{
		{http.MethodGet, sandbox.RequestsPath}, {http.MethodDelete, sandbox.RequestsPath}, {http.MethodPost, sandbox.ResetPath},
		{http.MethodGet, sandbox.JournalPagePath}, {http.MethodPost, sandbox.JournalClearPath}, {http.MethodPost, sandbox.ResetPagePath},
	}
	for _, p := range paths {
		if rec := e.sandboxCall(p.method, p.path, "secret"); rec.Code != http.StatusNotFound {
			t.Errorf("bearer %s %s: HTTP %d", p.method, p.path, rec.Code)
		}
		if a := admin.sandboxCall(p.method, p.path, true); a.Status != http.StatusNotFound {
			t.Errorf("admin session %s %s: HTTP %d", p.method, p.path, a.Status)
		}
	}
	if a := admin.Get(sandbox.JournalPagePath); a.Status != http.StatusNotFound {
		t.Errorf("journal page: HTTP %d", a.Status)
	}
	if a := admin.Post(sandbox.ResetPagePath, nil); a.Status != http.StatusNotFound {
		t.Errorf("reset form: HTTP %d", a.Status)
	}
	if home := admin.Get(web.HomePath); strings.Contains(navOf(home.Body), sandbox.JournalPagePath) {
		t.Error("the Requests link shows with sandbox mode off")
	}
}

// dump is the whole world as text.
func (e *env) dump() string {
	e.t.Helper()
	w, err := e.st.Export(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return fmt.Sprintf("%+v", *w)
}

// reset calls POST /sandbox/reset with a bearer and checks its answer.
func (e *env) reset(bearer string) {
	e.t.Helper()
	rec := e.sandboxCall(http.MethodPost, sandbox.ResetPath, bearer)
	var got struct {
		Status      string
		Users, DIDs int
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &got) != nil || got.Status != "reset" {
		e.t.Fatalf("reset: HTTP %d %s", rec.Code, rec.Body)
	}
	if got.Users != 14 || got.DIDs != 14 {
		e.t.Fatalf("reset of the demo answered %+v, want 14 users and 14 DIDs", got)
	}
}

// TestResetRestoresFixtures: writes through the API change the dump; a
// reset, by the endpoint or the page, brings back exactly the fixture's.
func TestResetRestoresFixtures(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	e.reset("secret")
	before := e.dump()
	for _, c := range []struct{ method, u, want string }{
		{"did_trunk_device_assign", "admin", "Device assigned to DID"},
		{"did_create", "admin", "DID created"},
		{"did_details_update", "admin", "DID details successfully updated"},
		{"did_device_unassign", "admin", "Device was unassigned from DID"},
	} {
		kv := map[string][]string{
			"did_trunk_device_assign": {"did", "123456789", "device_id", "1"},
			"did_create":              {"did", "37069999999", "provider_id", "1"},
			"did_details_update":      {"did_id", "2", "comment", "changed"},
			"did_device_unassign":     {"did", "37060000006"},
		}[c.method]
		if got := e.call(c.method, c.u, kv...); got != c.want {
			t.Fatalf("%s: %q, want %q", c.method, got, c.want)
		}
	}
	if e.dump() == before {
		t.Fatal("the writes changed nothing")
	}
	e.reset("secret")
	if after := e.dump(); after != before {
		t.Fatalf("after reset:\n%s\nwant\n%s", after, before)
	}

	e.call("did_device_unassign", "admin", "did", "37060000006")
	w := e.browser()
	w.Login("admin", demoLogins["admin"])
	w.Get(sandbox.JournalPagePath)
	if a := w.Post(sandbox.ResetPagePath, nil); a.Status != http.StatusSeeOther || a.Location != sandbox.JournalPagePath {
		t.Fatalf("reset form: HTTP %d to %q", a.Status, a.Location)
	}
	if a := w.Get(sandbox.JournalPagePath); !strings.Contains(a.Body, "Database reset to the test fixture: 14 users, 14 DIDs") {
		t.Fatalf("no flash after the reset form:\n%s", a.Body)
	}
	if after := e.dump(); after != before {
		t.Fatal("the reset form did not restore the fixture")
	}
}

// signWith signs like sign, with the given key.
func signWith(secret, method, u string, kv ...string) url.Values {
	v := sign(method, u, kv...)
	p := domain.Params{}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	_, text := domain.HashInput(method, p, domain.Documented)
	v.Set("hash", domain.Hash(text, secret))
	return v
}

// TestResetForgetsCachedUsersAndSettings changes the admin's and a
// reseller's keys behind the server's back, lets the caches take the new
// ones, resets, and finds the fixture's keys in force again.
func TestResetForgetsCachedUsersAndSettings(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	e.exec(`UPDATE settings SET value = 'changed-key' WHERE name = 'api_secret_key';
		UPDATE users SET api_secret_key = 'rs-changed' WHERE username = 'reseller'`)
	answer := func(secret, u string) string {
		body := e.post("dids_get", signWith(secret, "dids_get", u)).Body.String()
		if strings.Contains(body, "<dids>") {
			return "listed"
		}
		return answerText(t, body)
	}
	check := func(when string, want map[[2]string]string) {
		t.Helper()
		for k, w := range want {
			if got := answer(k[0], k[1]); got != w {
				t.Errorf("%s: dids_get by %s signed with %s: %q, want %q", when, k[1], k[0], got, w)
			}
		}
	}
	check("before reset", map[[2]string]string{
		{"changed-key", "admin"}: "listed", {"secret", "admin"}: "Incorrect hash",
		{"rs-changed", "reseller"}: "listed", {"reseller-secret", "reseller"}: "Incorrect hash",
	})
	if rec := e.sandboxCall(http.MethodGet, sandbox.RequestsPath, "secret"); rec.Code != http.StatusUnauthorized {
		t.Fatalf("the old key opened the sandbox: HTTP %d", rec.Code)
	}
	e.reset("changed-key")
	check("after reset", map[[2]string]string{
		{"changed-key", "admin"}: "Incorrect hash", {"secret", "admin"}: "listed",
		{"rs-changed", "reseller"}: "Incorrect hash", {"reseller-secret", "reseller"}: "listed",
	})
	if rec := e.sandboxCall(http.MethodGet, sandbox.RequestsPath, "changed-key"); rec.Code != http.StatusUnauthorized {
		t.Fatalf("the changed key still opens the sandbox: HTTP %d", rec.Code)
	}
}

// TestResetFailureChangesNothing: a reload that fails answers a JSON 500
// without the cause, logs it, and leaves the database as it was.
func TestResetFailureChangesNothing(t *testing.T) {
	e := newEnv(t, demoYAML)
	e.srv = New(e.st, slog.New(slog.NewTextHandler(lockedWriter{e}, nil)), WithSandbox("nothing", func() (*domain.World, error) {
		return nil, fmt.Errorf("disk on fire")
	}))
	before := e.dump()
	rec := e.sandboxCall(http.MethodPost, sandbox.ResetPath, "secret")
	checkJSONError(t, "failed reset", rec.Code, http.StatusInternalServerError, rec.Body.String())
	if strings.Contains(rec.Body.String(), "fire") || !strings.Contains(e.logText(), "disk on fire") {
		t.Fatalf("answer %s; log %s", rec.Body, e.logText())
	}
	if e.dump() != before {
		t.Fatal("a failed reset changed the database")
	}
}

// TestResetKeepsJournalAndSessions: a reset, by the endpoint or the page,
// keeps the journal's entries (with their ids) and the page sessions.
func TestResetKeepsJournalAndSessions(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	e.call("did_device_unassign", "admin", "did", "37060000006")
	e.post("dids_get", sign("dids_get", "admin"))
	w := e.browser()
	w.Login("admin", demoLogins["admin"])
	ids := func() string {
		var s []string
		for _, en := range e.journalEntries("") {
			s = append(s, strconv.FormatInt(en.ID, 10)+":"+en.Method)
		}
		return strings.Join(s, " ")
	}
	want := "1:did_device_unassign 2:dids_get"
	e.reset("secret")
	if got := ids(); got != want {
		t.Fatalf("journal after POST /sandbox/reset: %q, want %q", got, want)
	}
	if a := w.Post(sandbox.ResetPagePath, nil); a.Status != http.StatusSeeOther || a.Location != sandbox.JournalPagePath {
		t.Fatalf("reset form: HTTP %d to %q", a.Status, a.Location)
	}
	if got := ids(); got != want {
		t.Fatalf("journal after the reset form: %q, want %q", got, want)
	}
	if a := w.Get(sandbox.JournalPagePath); a.Status != http.StatusOK || !strings.Contains(a.Body, ">dids_get</a>") {
		t.Fatalf("the page session or the journal did not survive the reset: HTTP %d to %q", a.Status, a.Location)
	}
}

// TestResetFailedKeepsTheWorld: a reset whose fixture no longer parses
// answers HTTP 500 with its text, by the endpoint and by the page's form,
// and the database keeps every row it had.
func TestResetFailedKeepsTheWorld(t *testing.T) {
	e := newEnv(t, demoYAML)
	broken := func() (*domain.World, error) { return fixtures.Parse("test.yaml", []byte("users: [\n"), sandboxNow) }
	e.srv = New(e.st, slog.New(slog.NewTextHandler(lockedWriter{e}, nil)), WithSandbox("a broken fixture", broken))
	before := e.dump()
	rec := e.sandboxCall(http.MethodPost, sandbox.ResetPath, "secret")
	var got struct{ Error string }
	if rec.Code != http.StatusInternalServerError || json.Unmarshal(rec.Body.Bytes(), &got) != nil || got.Error != sandbox.TextResetFailed {
		t.Errorf("reset with a broken fixture: HTTP %d %s, want 500 and %q", rec.Code, rec.Body, sandbox.TextResetFailed)
	}
	w := e.browser()
	w.Login("admin", demoLogins["admin"])
	w.Get(sandbox.JournalPagePath)
	if a := w.Post(sandbox.ResetPagePath, nil); a.Status != http.StatusSeeOther || a.Location != sandbox.JournalPagePath {
		t.Fatalf("reset form: HTTP %d to %q", a.Status, a.Location)
	}
	if a := w.Get(sandbox.JournalPagePath); !strings.Contains(a.Body, html.EscapeString(sandbox.TextResetFailed)) {
		t.Errorf("no failure flash after the reset form:\n%s", a.Body)
	}
	if e.dump() != before {
		t.Error("a failed reset changed the database")
	}
}
