// Package pagetest is the tests' browser for morlite's pages: a real
// listener over a handler, a cookie jar, redirects reported rather than
// followed, and the CSRF token of the last page kept for the next form.
package pagetest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Paths names the login page and the start page a login lands on.
type Paths struct{ Login, Home string }

// Client is one browser.
type Client struct {
	T     *testing.T
	Base  string // the listener's URL
	HTTP  *http.Client
	CSRF  string // the last CSRF token a page carried
	paths Paths
}

// New starts a real listener over h, closed with the test, and a browser
// for it.
func New(t *testing.T, h http.Handler, paths Paths) *Client {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	jar, _ := cookiejar.New(nil)
	return &Client{T: t, Base: ts.URL, paths: paths, HTTP: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Answer is a page answer: status, Location, body, headers.
type Answer struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// Send sends req and keeps the CSRF token its page carries.
func (w *Client) Send(req *http.Request) Answer {
	w.T.Helper()
	resp, err := w.HTTP.Do(req)
	if err != nil {
		w.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		w.T.Fatal(err)
	}
	if m := csrfInput.FindStringSubmatch(string(b)); m != nil {
		w.CSRF = m[1]
	}
	return Answer{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(b), Header: resp.Header}
}

// Get fetches a page.
func (w *Client) Get(path string) Answer {
	w.T.Helper()
	req, err := http.NewRequest(http.MethodGet, w.Base+path, nil)
	if err != nil {
		w.T.Fatal(err)
	}
	return w.Send(req)
}

// Post sends a form with the last CSRF token seen (unless form sets one).
func (w *Client) Post(path string, form url.Values) Answer {
	w.T.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", w.CSRF)
	}
	req, err := http.NewRequest(http.MethodPost, w.Base+path, strings.NewReader(form.Encode()))
	if err != nil {
		w.T.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return w.Send(req)
}

// Login logs in through the login form and fails the test unless it
// lands on the start page, which welcomes the user (and whose logout form
// carries the session's CSRF token).
func (w *Client) Login(username, password string) {
	w.T.Helper()
	w.Get(w.paths.Login)
	a := w.Post(w.paths.Login, url.Values{"login_username": {username}, "login_psw": {password}})
	if a.Status != http.StatusSeeOther || a.Location != w.paths.Home {
		w.T.Fatalf("login %s: HTTP %d to %q: %s", username, a.Status, a.Location, a.Body)
	}
	if a := w.Get(w.paths.Home); a.Status != http.StatusOK || !strings.Contains(a.Body, "Welcome, "+username) {
		w.T.Fatalf("start page after login: HTTP %d: %s", a.Status, a.Body)
	}
}

// WantPage fails unless a is HTTP status and its body holds every text.
func WantPage(t *testing.T, a Answer, status int, texts ...string) {
	t.Helper()
	if a.Status != status {
		t.Fatalf("HTTP %d, want %d: %s", a.Status, status, a.Body)
	}
	for _, s := range texts {
		if !strings.Contains(a.Body, s) {
			t.Errorf("page lacks %q:\n%s", s, a.Body)
		}
	}
}
