package server

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"morlite/api"
	"morlite/web"
)

// webClient is a browser for the pages: a real listener, a cookie jar, and
// redirects reported rather than followed.
type webClient struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string // the last CSRF token a page carried
}

// browser starts a real listener over the env's router.
func (e *env) browser() *webClient {
	e.t.Helper()
	ts := httptest.NewServer(e.srv)
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

// get fetches a page.
func (w *webClient) get(path string) webAnswer {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodGet, w.base+path, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	return w.send(req)
}

// post sends a form with the last CSRF token seen (unless form sets one).
func (w *webClient) post(path string, form url.Values) webAnswer {
	w.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", w.csrf)
	}
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
	w.get(web.LoginPath)
	a := w.post(web.LoginPath, url.Values{"login_username": {username}, "login_psw": {password}})
	if a.status != http.StatusSeeOther || a.location != web.HomePath {
		w.t.Fatalf("login %s: HTTP %d to %q: %s", username, a.status, a.location, a.body)
	}
	// The start page's logout form carries the session's CSRF token.
	if a := w.get(web.HomePath); a.status != http.StatusOK || !strings.Contains(a.body, "Welcome, "+username) {
		w.t.Fatalf("start page after login: HTTP %d: %s", a.status, a.body)
	}
}

// demoLogins are the demo's users who may and may not log in.
var demoLogins = map[string]string{"admin": "admin1", "accountant": "acc12345", "reseller": "res12345", "bob": "bob12345"}

func TestLogin(t *testing.T) {
	e := newEnv(t, demoYAML)
	for _, u := range []string{"admin", "accountant", "reseller"} {
		t.Run(u, func(t *testing.T) {
			w := e.browser()
			w.login(u, demoLogins[u])
		})
	}
	cases := []struct {
		name, user, password string
		status               int
		text                 string
	}{
		{"BadPassword", "admin", "wrong", http.StatusUnauthorized, web.TextBadLogin},
		{"EmptyPassword", "admin", "", http.StatusUnauthorized, web.TextBadLogin},
		{"UnknownUser", "nobody", "admin1", http.StatusUnauthorized, web.TextBadLogin},
		{"PlainUserRefused", "bob", demoLogins["bob"], http.StatusForbidden, web.TextNotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := e.browser()
			w.get(web.LoginPath)
			a := w.post(web.LoginPath, url.Values{"login_username": {tc.user}, "login_psw": {tc.password}})
			if a.status != tc.status || !strings.Contains(a.body, tc.text) {
				t.Fatalf("HTTP %d, want %d with %q: %s", a.status, tc.status, tc.text, a.body)
			}
			if got := w.get(web.HomePath); got.status != http.StatusSeeOther || !strings.HasPrefix(got.location, web.LoginPath+"?") {
				t.Fatalf("a refused login opened a session: HTTP %d to %q", got.status, got.location)
			}
		})
	}
}

func TestBlockedUserRefused(t *testing.T) {
	// The login reads users through the store's cache, which a change made
	// outside the server (e.exec) does not reach: start from a fixture.
	blocked := strings.Replace(demoYAML, "usertype: reseller, owner_id: 0,", "usertype: reseller, owner_id: 0, blocked: 1,", 1)
	if blocked == demoYAML {
		t.Fatal("the demo's reseller row changed: fix this test")
	}
	w := newEnv(t, blocked).browser()
	w.get(web.LoginPath)
	a := w.post(web.LoginPath, url.Values{"login_username": {"reseller"}, "login_psw": {"res12345"}})
	if a.status != http.StatusForbidden || !strings.Contains(a.body, web.TextBlocked) {
		t.Fatalf("HTTP %d, want 403 with %q: %s", a.status, web.TextBlocked, a.body)
	}
	if a := w.get(web.HomePath); a.status != http.StatusSeeOther {
		t.Fatalf("a blocked user's login opened a session: HTTP %d", a.status)
	}
}

func TestLoginNeedsCSRF(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.browser()
	w.get(web.LoginPath)
	a := w.post(web.LoginPath, url.Values{"login_username": {"admin"}, "login_psw": {"admin1"}, "csrf": {"forged"}})
	if a.status != http.StatusForbidden || !strings.Contains(a.body, "CSRF") {
		t.Fatalf("HTTP %d: %s", a.status, a.body)
	}
	if a := w.get(web.LoginPath); a.status != http.StatusOK {
		t.Fatalf("a forged login opened a session: HTTP %d", a.status)
	}
}

// wantPageCSP is the pages' policy written out, not read from pageCSP: no
// script may run, and nothing but the pages' own stylesheet and images may
// load.
const wantPageCSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func TestLoginCookiesAndHeaders(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.browser()
	a := w.get(web.LoginPath)
	if got := a.header.Get("Content-Security-Policy"); got != wantPageCSP {
		t.Errorf("CSP %q, want %q", got, wantPageCSP)
	}
	if !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") {
		t.Errorf("Content-Type %q", a.header.Get("Content-Type"))
	}
	w.get(web.LoginPath)
	req, _ := http.NewRequest(http.MethodPost, w.base+web.LoginPath, strings.NewReader(url.Values{
		"login_username": {"admin"}, "login_psw": {"admin1"}, "csrf": {w.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := w.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var found bool
	for _, ck := range resp.Cookies() {
		if ck.Name == web.SessionCookie && ck.Value != "" {
			found = true
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
				t.Errorf("session cookie %+v: want HttpOnly and SameSite=Strict", ck)
			}
		}
	}
	if !found {
		t.Fatal("no session cookie")
	}
}

func TestLoggedOutRedirect(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.browser()
	a := w.get(web.HomePath + "?x=1")
	want := web.LoginPath + "?return_to=" + url.QueryEscape(web.HomePath+"?x=1")
	if a.status != http.StatusSeeOther || a.location != want {
		t.Fatalf("HTTP %d to %q, want 303 to %q", a.status, a.location, want)
	}
	w.get(a.location)
	a = w.post(web.LoginPath, url.Values{"login_username": {"admin"}, "login_psw": {"admin1"}, "return_to": {web.HomePath + "?x=1"}})
	if a.status != http.StatusSeeOther || a.location != web.HomePath+"?x=1" {
		t.Fatalf("after login: HTTP %d to %q", a.status, a.location)
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.browser()
	w.login("admin", "admin1")
	if a := w.post(web.LogoutPath, url.Values{"csrf": {"forged"}}); a.status != http.StatusForbidden {
		t.Fatalf("logout with a forged token: HTTP %d", a.status)
	}
	if a := w.post(web.LogoutPath, nil); a.status != http.StatusSeeOther || a.location != web.LoginPath {
		t.Fatalf("logout: HTTP %d to %q", a.status, a.location)
	}
	if a := w.get(web.LoginPath); a.status != http.StatusOK {
		t.Fatalf("still logged in after logout: HTTP %d", a.status)
	}
	if a := w.post(web.LogoutPath, nil); a.status != http.StatusForbidden {
		t.Fatalf("logout when logged out: HTTP %d", a.status)
	}
}

func TestSessionEndsWhenUserGoes(t *testing.T) {
	// The deleted user is an accountant with no DIDs or devices, whom both
	// engines let go without breaking a foreign key.
	for name, tc := range map[string]struct{ user, password, change string }{
		"Demoted": {"reseller", "res12345", "UPDATE users SET usertype = 'user' WHERE username = 'reseller'"},
		"Blocked": {"reseller", "res12345", "UPDATE users SET blocked = 1 WHERE username = 'reseller'"},
		"Deleted": {"readonly", "read1234", "DELETE FROM users WHERE username = 'readonly'"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, demoYAML)
			w := e.browser()
			w.login(tc.user, tc.password)
			e.exec(tc.change)
			if a := w.get(web.HomePath); a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, web.LoginPath) {
				t.Fatalf("the session outlived the change: HTTP %d to %q", a.status, a.location)
			}
		})
	}
}

func TestPagePostsBodyCap(t *testing.T) {
	e := newEnv(t, demoYAML)
	before := e.didRows()
	huge := url.Values{"login_username": {"admin"}, "login_psw": {"admin1"}, "pad": {strings.Repeat("x", api.MaxBodyBytes)}}
	// Logged out: the login form is refused before it is read.
	w := e.browser()
	w.get(web.LoginPath)
	if a := w.post(web.LoginPath, huge); a.status != http.StatusRequestEntityTooLarge || !strings.Contains(a.body, "Request too large") {
		t.Fatalf("huge login form: HTTP %d: %s", a.status, a.body)
	}
	// A body without a length is cut at the cap: its token is never read.
	body := io.MultiReader(strings.NewReader("csrf="+w.csrf+"&login_username=admin&login_psw=admin1&pad="),
		strings.NewReader(strings.Repeat("x", 2*api.MaxBodyBytes)))
	req, err := http.NewRequest(http.MethodPost, w.base+web.LoginPath, io.NopCloser(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if a := w.send(req); a.status != http.StatusForbidden || a.location != "" {
		t.Fatalf("unbounded login form: HTTP %d to %q", a.status, a.location)
	}
	// Logged in: a huge move form changes nothing; the same move fits.
	w = e.loginAs("admin")
	w.get("/billing/dids/edit/2")
	huge = url.Values{"pad": {strings.Repeat("x", api.MaxBodyBytes)}}
	if a := w.post("/billing/dids/edit/2/terminate", huge); a.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("huge move form: HTTP %d", a.status)
	}
	if e.didRows() != before {
		t.Fatal("a refused move changed the DIDs")
	}
	if a := w.post("/billing/dids/edit/2/terminate", nil); a.status != http.StatusSeeOther {
		t.Fatalf("the move itself: HTTP %d", a.status)
	}
}

func TestStaticAndRoot(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.browser() // logged out: the stylesheet is public, the root sends to the start page
	a := w.get("/billing/static/morlite.css")
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "text/css; charset=utf-8" || !strings.Contains(a.body, ".badge.active") {
		t.Fatalf("stylesheet: HTTP %d %q", a.status, a.header.Get("Content-Type"))
	}
	for _, p := range []string{"/billing/static/nope.css", "/billing/static/..%2Ftemplates%2Flayout.html",
		"/billing/static/%2E%2E", "/billing/static/"} {
		if a := w.get(p); a.status != http.StatusNotFound || strings.Contains(a.body, "{{") {
			t.Errorf("%s: HTTP %d: %.100s", p, a.status, a.body)
		}
	}
	for _, p := range []string{"/billing", "/billing/"} {
		if a := w.get(p); a.status != http.StatusSeeOther || a.location != web.HomePath {
			t.Errorf("%s: HTTP %d to %q", p, a.status, a.location)
		}
	}
}

func TestHomePage(t *testing.T) {
	e := newEnv(t, demoYAML)
	for user, says := range map[string]string{"admin": "You are logged in as admin: you see everything",
		"accountant": "You are logged in as accountant: you see everything",
		"reseller":   "You are logged in as a reseller: you see your own users, devices and DID pool only"} {
		a := e.loginAs(user).get(web.HomePath)
		if a.status != http.StatusOK || !strings.Contains(a.body, says) || a.header.Get("Content-Security-Policy") != wantPageCSP {
			t.Errorf("%s: HTTP %d, lacks %q: %s", user, a.status, says, a.body)
		}
		for _, link := range []string{web.DIDListPath, "/billing/users/list", web.HashPagePath} {
			if strings.Count(a.body, `<a href="`+link+`"`) != 2 { // the nav and the list
				t.Errorf("%s: %d links to %s", user, strings.Count(a.body, `<a href="`+link+`"`), link)
			}
		}
		if strings.Contains(a.body, "/billing/sandbox/requests") {
			t.Errorf("%s: the Requests link shows without sandbox mode", user)
		}
	}
}

// A database fault behind a page is a 500 page that says "Internal error"
// and nothing of the cause.
func TestPagesHideFaults(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.loginAs("admin")
	e.exec("ALTER TABLE actions RENAME TO actions_gone")
	e.exec("ALTER TABLE dialplans RENAME TO dialplans_gone")
	for _, p := range []string{"/billing/dids/edit/1", "/billing/devices/edit/1", web.DIDListPath} {
		a := w.get(p)
		if a.status != http.StatusInternalServerError || !strings.Contains(a.body, "<h1>Internal error</h1>") {
			t.Errorf("%s: HTTP %d: %s", p, a.status, a.body)
		}
		for _, s := range []string{"no such table", "SQL", "_gone", "sqlite"} {
			if strings.Contains(a.body, s) {
				t.Errorf("%s shows %q", p, s)
			}
		}
	}
}

// The CSRF token may come in the X-CSRF-Token header instead of the form;
// a wrong header is not rescued by a right form field.
func TestCSRFHeader(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.browser()
	w.login("admin", "admin1")
	logout := func(header, field string) webAnswer {
		req, err := http.NewRequest(http.MethodPost, w.base+web.LogoutPath, strings.NewReader(url.Values{"csrf": {field}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", header)
		return w.send(req)
	}
	token := w.csrf
	if a := logout("forged", token); a.status != http.StatusForbidden {
		t.Fatalf("a forged header: HTTP %d", a.status)
	}
	if a := logout(token, ""); a.status != http.StatusSeeOther || a.location != web.LoginPath {
		t.Fatalf("the header's token: HTTP %d to %q", a.status, a.location)
	}
}
