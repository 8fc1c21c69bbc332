package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"morlite/api"
	"morlite/fixtures"
	"morlite/store"
)

// The tests here reach into the pages' internals (the login throttle's
// clock and slots, the password comparison); the pages' behaviour through
// the whole server, with its middleware and the API beside them, is tested
// in package server.

// demoYAML is the embedded demo.
var demoYAML = string(fixtures.Demo)

// env is a real SQLite file loaded from a fixture, behind a router that
// serves MOR's API and the pages.
type env struct {
	t       *testing.T
	srv     *Pages
	handler http.Handler
}

func newEnv(t *testing.T, fixture string) *env {
	t.Helper()
	w, err := fixtures.Parse("test.yaml", []byte(prehashed(t, fixture)), time.Now())
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "morlite.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Load(ctx, w, true); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := echo.New()
	a := api.New(st, log)
	a.Routes(e)
	p := New(st, log, a, false)
	p.Routes(e)
	return &env{t: t, srv: p, handler: e}
}

// userPassword finds "username: X, password: P" in a fixture's user rows.
var userPassword = regexp.MustCompile(`(username: ([^,}\s]+), )password: ([^,}\s]+)`)

// prehashed writes each fixture password as a bcrypt hash at the minimum
// cost: checking a password is the same code at any cost, and the
// throttle's tests log in dozens of times (slow at the loader's cost,
// very slow under the race detector).
func prehashed(t *testing.T, fixture string) string {
	return userPassword.ReplaceAllStringFunc(fixture, func(m string) string {
		sub := userPassword.FindStringSubmatch(m)
		h, err := bcrypt.GenerateFromPassword([]byte(sub[3]), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return sub[1] + "password_hash: " + string(h)
	})
}

// webClient is a browser for the pages: a cookie jar, and redirects
// reported rather than followed.
type webClient struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string // the last CSRF token a page carried
}

// browser starts a real listener over the env's router.
func (e *env) browser() *webClient {
	e.t.Helper()
	ts := httptest.NewServer(e.handler)
	e.t.Cleanup(ts.Close)
	jar, _ := cookiejar.New(nil)
	return &webClient{t: e.t, base: ts.URL, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// webAnswer is a page answer: status, Location, body.
type webAnswer struct {
	status   int
	location string
	body     string
	header   http.Header
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (w *webClient) send(req *http.Request) webAnswer {
	w.t.Helper()
	resp, err := w.http.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	if m := csrfInput.FindStringSubmatch(string(b)); m != nil {
		w.csrf = m[1]
	}
	return webAnswer{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(b), header: resp.Header}
}

func (w *webClient) get(path string) webAnswer {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodGet, w.base+path, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	return w.send(req)
}

// post sends a form with the last CSRF token seen.
func (w *webClient) post(path string, form url.Values) webAnswer {
	w.t.Helper()
	form.Set("csrf", w.csrf)
	req, err := http.NewRequest(http.MethodPost, w.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return w.send(req)
}

// login logs in through the login form and fails the test unless it
// succeeds.
func (w *webClient) login(username, password string) {
	w.t.Helper()
	w.get(LoginPath)
	a := w.post(LoginPath, url.Values{"login_username": {username}, "login_psw": {password}})
	if a.status != http.StatusSeeOther || a.location != HomePath {
		w.t.Fatalf("login %s: HTTP %d to %q: %s", username, a.status, a.location, a.body)
	}
}

// wantPage fails unless a is HTTP status and its body holds every text.
func wantPage(t *testing.T, a webAnswer, status int, texts ...string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("HTTP %d, want %d: %s", a.status, status, a.body)
	}
	for _, s := range texts {
		if !strings.Contains(a.body, s) {
			t.Errorf("page lacks %q:\n%s", s, a.body)
		}
	}
}
