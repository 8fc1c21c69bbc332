package server

import (
	"io"
	"morlite/internal/pagetest"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"morlite/api"
	"morlite/web"
)

// webClient is a browser for the pages (internal/pagetest), with this
// package's own steps beside its own.
type webClient struct{ *pagetest.Client }

// webAnswer is a page answer: status, Location, body, headers.
type webAnswer = pagetest.Answer

// browser starts a real listener over the env's router.
func (e *env) browser() *webClient {
	e.t.Helper()
	return &webClient{pagetest.New(e.t, e.srv, pagetest.Paths{Login: web.LoginPath, Home: web.HomePath})}
}

// demoLogins are the demo's users who may and may not log in.
var demoLogins = map[string]string{"admin": "admin1", "accountant": "acc12345", "reseller": "res12345", "bob": "bob12345"}

func TestLogin(t *testing.T) {
	e := newEnv(t, demoYAML)
	for _, u := range []string{"admin", "accountant", "reseller"} {
		t.Run(u, func(t *testing.T) {
			w := e.browser()
			w.Login(u, demoLogins[u])
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
			w.Get(web.LoginPath)
			a := w.Post(web.LoginPath, url.Values{"login_username": {tc.user}, "login_psw": {tc.password}})
			if a.Status != tc.status || !strings.Contains(a.Body, tc.text) {
				t.Fatalf("HTTP %d, want %d with %q: %s", a.Status, tc.status, tc.text, a.Body)
			}
			if got := w.Get(web.HomePath); got.Status != http.StatusSeeOther || !strings.HasPrefix(got.Location, web.LoginPath+"?") {
				t.Fatalf("a refused login opened a session: HTTP %d to %q", got.Status, got.Location)
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
	w.Get(web.LoginPath)
	a := w.Post(web.LoginPath, url.Values{"login_username": {"reseller"}, "login_psw": {"res12345"}})
	if a.Status != http.StatusForbidden || !strings.Contains(a.Body, web.TextBlocked) {
		t.Fatalf("HTTP %d, want 403 with %q: %s", a.Status, web.TextBlocked, a.Body)
	}
	if a := w.Get(web.HomePath); a.Status != http.StatusSeeOther {
		t.Fatalf("a blocked user's login opened a session: HTTP %d", a.Status)
	}
}

func TestLoginNeedsCSRF(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.browser()
	w.Get(web.LoginPath)
	a := w.Post(web.LoginPath, url.Values{"login_username": {"admin"}, "login_psw": {"admin1"}, "csrf": {"forged"}})
	if a.Status != http.StatusForbidden || !strings.Contains(a.Body, web.TextBadCSRF) {
		t.Fatalf("HTTP %d: %s", a.Status, a.Body)
	}
	if a := w.Get(web.LoginPath); a.Status != http.StatusOK {
		t.Fatalf("a forged login opened a session: HTTP %d", a.Status)
	}
}

// wantPageCSP is the pages' policy written out, not read from pageCSP: no
// script may run, and nothing but the pages' own stylesheet and images may
// load.
const wantPageCSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func TestLoginCookiesAndHeaders(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.browser()
	a := w.Get(web.LoginPath)
	if got := a.Header.Get("Content-Security-Policy"); got != wantPageCSP {
		t.Errorf("CSP %q, want %q", got, wantPageCSP)
	}
	if !strings.HasPrefix(a.Header.Get("Content-Type"), "text/html") {
		t.Errorf("Content-Type %q", a.Header.Get("Content-Type"))
	}
	w.Get(web.LoginPath)
	req, _ := http.NewRequest(http.MethodPost, w.Base+web.LoginPath, strings.NewReader(url.Values{
		"login_username": {"admin"}, "login_psw": {"admin1"}, "csrf": {w.CSRF}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := w.HTTP.Do(req)
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
	a := w.Get(web.HomePath + "?x=1")
	want := web.LoginPath + "?return_to=" + url.QueryEscape(web.HomePath+"?x=1")
	if a.Status != http.StatusSeeOther || a.Location != want {
		t.Fatalf("HTTP %d to %q, want 303 to %q", a.Status, a.Location, want)
	}
	w.Get(a.Location)
	a = w.Post(web.LoginPath, url.Values{"login_username": {"admin"}, "login_psw": {"admin1"}, "return_to": {web.HomePath + "?x=1"}})
	if a.Status != http.StatusSeeOther || a.Location != web.HomePath+"?x=1" {
		t.Fatalf("after login: HTTP %d to %q", a.Status, a.Location)
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.browser()
	w.Login("admin", "admin1")
	if a := w.Post(web.LogoutPath, url.Values{"csrf": {"forged"}}); a.Status != http.StatusForbidden || !strings.Contains(a.Body, web.TextBadCSRF) {
		t.Fatalf("logout with a forged token: HTTP %d: %s", a.Status, a.Body)
	}
	if a := w.Post(web.LogoutPath, nil); a.Status != http.StatusSeeOther || a.Location != web.LoginPath {
		t.Fatalf("logout: HTTP %d to %q", a.Status, a.Location)
	}
	if a := w.Get(web.LoginPath); a.Status != http.StatusOK {
		t.Fatalf("still logged in after logout: HTTP %d", a.Status)
	}
	if a := w.Post(web.LogoutPath, nil); a.Status != http.StatusForbidden {
		t.Fatalf("logout when logged out: HTTP %d", a.Status)
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
			w.Login(tc.user, tc.password)
			e.exec(tc.change)
			if a := w.Get(web.HomePath); a.Status != http.StatusSeeOther || !strings.HasPrefix(a.Location, web.LoginPath) {
				t.Fatalf("the session outlived the change: HTTP %d to %q", a.Status, a.Location)
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
	w.Get(web.LoginPath)
	if a := w.Post(web.LoginPath, huge); a.Status != http.StatusRequestEntityTooLarge || !strings.Contains(a.Body, "Request too large") {
		t.Fatalf("huge login form: HTTP %d: %s", a.Status, a.Body)
	}
	// A body without a length is cut at the cap: its token is never read.
	body := io.MultiReader(strings.NewReader("csrf="+w.CSRF+"&login_username=admin&login_psw=admin1&pad="),
		strings.NewReader(strings.Repeat("x", 2*api.MaxBodyBytes)))
	req, err := http.NewRequest(http.MethodPost, w.Base+web.LoginPath, io.NopCloser(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if a := w.Send(req); a.Status != http.StatusForbidden || a.Location != "" {
		t.Fatalf("unbounded login form: HTTP %d to %q", a.Status, a.Location)
	}
	// Logged in: a huge move form changes nothing; the same move fits.
	w = e.loginAs("admin")
	w.Get("/billing/dids/edit/2")
	huge = url.Values{"pad": {strings.Repeat("x", api.MaxBodyBytes)}}
	if a := w.Post("/billing/dids/edit/2/terminate", huge); a.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("huge move form: HTTP %d", a.Status)
	}
	if e.didRows() != before {
		t.Fatal("a refused move changed the DIDs")
	}
	if a := w.Post("/billing/dids/edit/2/terminate", nil); a.Status != http.StatusSeeOther {
		t.Fatalf("the move itself: HTTP %d", a.Status)
	}
}

func TestStaticAndRoot(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.browser() // logged out: the stylesheet is public, the root sends to the start page
	a := w.Get("/billing/static/morlite.css")
	if a.Status != http.StatusOK || a.Header.Get("Content-Type") != "text/css; charset=utf-8" || !strings.Contains(a.Body, ".badge.active") {
		t.Fatalf("stylesheet: HTTP %d %q", a.Status, a.Header.Get("Content-Type"))
	}
	for _, p := range []string{"/billing/static/nope.css", "/billing/static/..%2Ftemplates%2Flayout.html",
		"/billing/static/%2E%2E", "/billing/static/"} {
		if a := w.Get(p); a.Status != http.StatusNotFound || strings.Contains(a.Body, "{{") {
			t.Errorf("%s: HTTP %d: %.100s", p, a.Status, a.Body)
		}
	}
	for _, p := range []string{"/billing", "/billing/"} {
		if a := w.Get(p); a.Status != http.StatusSeeOther || a.Location != web.HomePath {
			t.Errorf("%s: HTTP %d to %q", p, a.Status, a.Location)
		}
	}
}

func TestHomePage(t *testing.T) {
	e := newEnv(t, demoYAML)
	for user, says := range map[string]string{"admin": "You are logged in as admin: you see everything",
		"accountant": "You are logged in as accountant: you see everything",
		"reseller":   "You are logged in as a reseller: you see your own users, devices and DID pool only"} {
		a := e.loginAs(user).Get(web.HomePath)
		if a.Status != http.StatusOK || !strings.Contains(a.Body, says) || a.Header.Get("Content-Security-Policy") != wantPageCSP {
			t.Errorf("%s: HTTP %d, lacks %q: %s", user, a.Status, says, a.Body)
		}
		for _, link := range []string{web.DIDListPath, "/billing/users/list", web.HashPagePath} {
			if strings.Count(a.Body, `<a href="`+link+`"`) != 2 { // the nav and the list
				t.Errorf("%s: %d links to %s", user, strings.Count(a.Body, `<a href="`+link+`"`), link)
			}
		}
		if strings.Contains(a.Body, "/billing/sandbox/requests") {
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
		a := w.Get(p)
		if a.Status != http.StatusInternalServerError || !strings.Contains(a.Body, "<h1>Internal error</h1>") {
			t.Errorf("%s: HTTP %d: %s", p, a.Status, a.Body)
		}
		for _, s := range []string{"no such table", "SQL", "_gone", "sqlite"} {
			if strings.Contains(a.Body, s) {
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
	w.Login("admin", "admin1")
	logout := func(header, field string) webAnswer {
		req, err := http.NewRequest(http.MethodPost, w.Base+web.LogoutPath, strings.NewReader(url.Values{"csrf": {field}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", header)
		return w.Send(req)
	}
	token := w.CSRF
	if a := logout("forged", token); a.Status != http.StatusForbidden {
		t.Fatalf("a forged header: HTTP %d", a.Status)
	}
	if a := logout(token, ""); a.Status != http.StatusSeeOther || a.Location != web.LoginPath {
		t.Fatalf("the header's token: HTTP %d to %q", a.Status, a.Location)
	}
}
