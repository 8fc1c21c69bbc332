package server

import (
	"morlite/internal/pagetest"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"morlite/api"
	"morlite/domain"
	"morlite/web"
)

// Tests of the device page, the user list and Generate hash, through the
// real router and a real SQLite file.

// wantPage fails unless a is HTTP status and its body holds every text.
var wantPage = pagetest.WantPage

// wantNot fails if the body holds any of the texts.
func wantNot(t *testing.T, a webAnswer, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(a.Body, s) {
			t.Errorf("page shows %q:\n%s", s, a.Body)
		}
	}
}

func TestDevicePage(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.browser()
	w.Login("admin", "admin1")
	// Bob's device 2 carries DID 7 (active) and DID 8 (closed).
	wantPage(t, w.Get("/billing/devices/edit/2"), http.StatusOK,
		"<title>Device SIP/102 · morlite</title>",
		`<dd id="device_label">SIP/102</dd>`,
		`<dd id="device_extension">102</dd>`,
		`<dd id="device_user"><a href="/billing/users/list#user-5">bob</a>`,
		`<dd id="device_trunk">No</dd>`,
		`<tr id="did-7"><td><a href="/billing/dids/edit/7">37060000006</a></td><td><span class="badge active">Active</span></td>`,
		`<tr id="did-8"><td><a href="/billing/dids/edit/8">37060000007</a></td><td><span class="badge closed">Closed</span></td>`)
	// Carol's device 4: her reseller, DIDs 21 and 40, a DID with a call limit and language.
	wantPage(t, w.Get("/billing/devices/edit/4"), http.StatusOK,
		`<dd id="device_reseller">reseller</dd>`,
		`<a href="/billing/dids/edit/21">37060000021</a></td><td><span class="badge active">Active</span></td><td>lt</td><td>5</td>`,
		`<a href="/billing/dids/edit/40">37060000040</a>`)
	// Bob's PIN device: the PIN is set but never shown.
	a := w.Get("/billing/devices/edit/33")
	wantPage(t, a, http.StatusOK, `<dd id="device_pin">set <span class="muted">(not shown)</span></dd>`, `id="device_no_dids"`)
	wantNot(t, a, "123456")
	// Device 31 is on the Callback dial plan.
	wantPage(t, w.Get("/billing/devices/edit/31"), http.StatusOK, `<tr><td>30</td><td>Callback</td><td>callback</td></tr>`)
}

func TestDevicePageAfterSeedRequest(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.browser()
	w.Login("accountant", "acc12345")
	a := w.Get("/billing/devices/edit/1")
	wantPage(t, a, http.StatusOK, `<dd id="device_label">SIP/101</dd>`, `<dd id="device_trunk">Yes</dd>`,
		`<dd id="device_description">Bob&#39;s PBX</dd>`, `id="device_no_dids"`)
	if got := e.call("did_trunk_device_assign", "username", "did", "123456789", "device_id", "1"); got != "Device assigned to DID" {
		t.Fatalf("seed request: %q", got)
	}
	a = w.Get("/billing/devices/edit/1")
	wantPage(t, a, http.StatusOK, `<tr id="did-1"><td><a href="/billing/dids/edit/1">123456789</a></td><td><span class="badge active">Active</span></td>`)
	wantNot(t, a, `id="device_no_dids"`)
}

func TestDevicePageScope(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.browser()
	w.Login("reseller", "res12345")
	wantPage(t, w.Get("/billing/devices/edit/4"), http.StatusOK, `<dd id="device_label">SIP/202</dd>`)
	wantPage(t, w.Get("/billing/devices/edit/5"), http.StatusOK, `<dd id="device_label">SIP/301</dd>`) // dave is hidden, still his
	missing := w.Get("/billing/devices/edit/999")
	wantPage(t, missing, http.StatusNotFound, "Device was not found")
	for _, path := range []string{
		"/billing/devices/edit/1",  // bob's: the admin's user
		"/billing/devices/edit/6",  // erin's: the other reseller's user
		"/billing/devices/edit/x1", // not an id
		"/billing/devices/edit/-1",
		"/billing/devices/edit/0001000000000000000000",
	} {
		a := w.Get(path)
		wantPage(t, a, http.StatusNotFound, "Device was not found")
		if a.Body != missing.Body {
			t.Errorf("%s does not look like a missing device:\n%s", path, a.Body)
		}
		wantNot(t, a, "SIP/101", "SIP/401", "bob", "erin")
	}
	// The admin and accountants see every device, resellers' users' too.
	for _, u := range []string{"admin", "accountant"} {
		w2 := e.browser()
		w2.Login(u, demoLogins[u])
		wantPage(t, w2.Get("/billing/devices/edit/6"), http.StatusOK, `<dd id="device_reseller">reseller2</dd>`)
		wantPage(t, w2.Get("/billing/devices/edit/999"), http.StatusNotFound, "Device was not found")
	}
}

func TestUserList(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.browser()
	w.Login("admin", "admin1")
	a := w.Get("/billing/users/list")
	wantPage(t, a, http.StatusOK,
		`<tr id="user-0">`, `<tr id="user-10">`,
		"<td>6</td>\n        <td>carol</td>\n        <td>Carol Jones</td>\n        <td>user</td>\n        <td>reseller</td>",
		`<a href="/billing/devices/edit/1">SIP/101</a> <span class="badge trunk">trunk</span>`,
		`<a href="/billing/devices/edit/3">IAX2/201</a>`,
		`<a href="/billing/devices/edit/6">SIP/401</a>`,
		`<a href="/billing/devices/edit/32">SIP/501</a> <span class="badge">hidden</span>`,
		"<td>erin</td>", "<td>reseller2</td>")

	w = e.browser()
	w.Login("reseller", "res12345")
	a = w.Get("/billing/users/list")
	wantPage(t, a, http.StatusOK, `<tr id="user-6">`, `<tr id="user-8">`,
		`<a href="/billing/devices/edit/4">SIP/202</a>`, `<a href="/billing/devices/edit/5">SIP/301</a>`)
	wantNot(t, a, `<tr id="user-5">`, `<tr id="user-10">`, `<tr id="user-9">`, `<tr id="user-0">`,
		"/billing/devices/edit/1\"", "/billing/devices/edit/6\"", "erin", "reseller2")
}

func TestMorePagesNeedLogin(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.browser()
	for _, path := range []string{"/billing/devices/edit/1", "/billing/users/list", web.HashPagePath} {
		a := w.Get(path)
		if a.Status != http.StatusSeeOther || !strings.HasPrefix(a.Location, web.LoginPath+"?return_to=") {
			t.Errorf("%s logged out: HTTP %d to %q", path, a.Status, a.Location)
		}
	}
	a := w.Post(web.HashPagePath, url.Values{"uri": {seedURI}, "csrf": {"x"}})
	wantPage(t, a, http.StatusForbidden, "Please log in")
	wantNot(t, a, "bc2f114099d16656d37e45fd9e8744cb9386d462")
}

// seedURI is the seed page's request, signed in the legacy form with the
// admin's key.
const seedURI = "/billing/api/did_trunk_device_assign?u=username&did=123456789&device_id=1&hash=bc2f114099d16656d37e45fd9e8744cb9386d462"

// Hashes of the seed's parameters: the documented string 1123456789 and the
// legacy 1, with the admin's key and with the reseller's.
var (
	seedDocumented = domain.Hash("1123456789", "secret")
	seedLegacy     = domain.Hash("1", "secret")
	resellerDoc    = domain.Hash("1123456789", "reseller-secret")
)

func TestGenerateHashSeed(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.browser()
	w.Login("admin", "admin1")
	wantPage(t, w.Get(web.HashPagePath), http.StatusOK, `<textarea name="uri"`, `name="secret"`)
	if seedDocumented != "cb9dff0d59f7ffaf036d55b57c817bf528edb54a" || seedLegacy != "bc2f114099d16656d37e45fd9e8744cb9386d462" {
		t.Fatalf("README's worked example: documented %s, legacy %s", seedDocumented, seedLegacy)
	}
	fixed := "/billing/api/did_trunk_device_assign?u=username&amp;did=123456789&amp;device_id=1&amp;hash=" + seedDocumented
	for _, uri := range []string{seedURI, strings.TrimPrefix(seedURI, "/billing/api/"), "http://127.0.0.1:8080" + seedURI} {
		a := w.Post(web.HashPagePath, url.Values{"uri": {uri}})
		wantPage(t, a, http.StatusOK,
			`<dd id="hash_method">did_trunk_device_assign</dd>`,
			`<dd id="hash_verdict"><span class="badge reserved">matches the legacy form</span></dd>`,
			`<code>device_id</code>, <code>did</code></td><td><code class="hashtext">1123456789</code>`,
			`<code class="sha">`+seedDocumented+`</code>`,
			`<tr id="hash_legacy"><td>Legacy`, `<code>device_id</code></td><td><code class="hashtext">1</code>`,
			`<code class="sha">`+seedLegacy+`</code>`,
			`<dd id="hash_sent"><code>`+seedLegacy+`</code></dd>`,
			fixed+`</pre>`)
		wantNot(t, a, "1123456789secret", "1secret", "hash_mode strict")
	}
	// The fixed URI matches the documented form; a wrong hash matches none.
	a := w.Post(web.HashPagePath, url.Values{"uri": {strings.Replace(seedURI, seedLegacy, seedDocumented, 1)}})
	wantPage(t, a, http.StatusOK, "matches the documented form")
	a = w.Post(web.HashPagePath, url.Values{"uri": {strings.Replace(seedURI, seedLegacy, strings.Repeat("0", 40), 1)}})
	wantPage(t, a, http.StatusOK, `<span class="badge terminated">does not match</span>`, fixed+`</pre>`)
	// Without a hash: none sent, the fixed URI appends one.
	a = w.Post(web.HashPagePath, url.Values{"uri": {"/billing/api/did_trunk_device_assign?u=username&did=123456789&device_id=1"}})
	wantPage(t, a, http.StatusOK, `<dd id="hash_sent"><span class="muted">none</span></dd>`, "does not match", fixed+`</pre>`)
}

func TestGenerateHashStrictMode(t *testing.T) {
	e := newEnv(t, withSetting(demoYAML, "hash_mode", "strict"))
	w := e.browser()
	w.Login("admin", "admin1")
	a := w.Post(web.HashPagePath, url.Values{"uri": {seedURI}})
	wantPage(t, a, http.StatusOK, "matches the legacy form", "hash_mode strict", "Incorrect hash")
}

// TestGenerateHashKeyWarnings: the page says when the API would not check
// the hash at all, and when the key it would sign with is empty.
func TestGenerateHashKeyWarnings(t *testing.T) {
	for _, tc := range []struct{ name, setting, value, warning string }{
		{"Disabled", "disable_hash_checking", "true", "Hash checking is disabled for this key: the API accepts any hash."},
		{"EmptyKey", "api_secret_key", `""`, "The key is empty: with hash checking on, the API answers " + domain.ErrNoSecretKey.Message + "."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, withSetting(demoYAML, tc.setting, tc.value))
			w := e.browser()
			w.Login("admin", "admin1")
			wantPage(t, w.Post(web.HashPagePath, url.Values{"uri": {seedURI}}), http.StatusOK, tc.warning)
		})
	}
	e := newEnv(t, demoYAML)
	w := e.browser()
	w.Login("admin", "admin1")
	wantNot(t, w.Post(web.HashPagePath, url.Values{"uri": {seedURI}}), "Hash checking is disabled", "The key is empty")
}

func TestGenerateHashTypedKey(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.browser()
	w.Login("admin", "admin1")
	a := w.Post(web.HashPagePath, url.Values{"uri": {seedURI}, "secret": {"typed-key-42"}})
	wantPage(t, a, http.StatusOK, `<dd id="hash_key">the key you typed</dd>`, "does not match",
		domain.Hash("1123456789", "typed-key-42"), domain.Hash("1", "typed-key-42"))
	wantNot(t, a, "typed-key-42", seedDocumented)
}

func TestGenerateHashMethods(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.browser()
	w.Login("admin", "admin1")
	// An alias hashes under its canonical name.
	wantPage(t, w.Post(web.HashPagePath, url.Values{"uri": {"/billing/api/did_assign_device?u=admin&did=1&device_id=2"}}), http.StatusOK,
		`<dd id="hash_method">did_device_assign <span class="muted">(pasted as its old name did_assign_device)</span></dd>`)
	// users_get hashes u and p, in both forms.
	a := w.Post(web.HashPagePath, url.Values{"uri": {"/billing/api/users_get?u=admin&p=pw&hash=" + domain.Hash("adminpw", "secret")}})
	wantPage(t, a, http.StatusOK, "matches the documented form", `<code>u</code>, <code>p</code></td><td><code class="hashtext">adminpw</code>`)
	// user_register's path id is hashed as id; the admin's key applies whoever u is.
	_, text := domain.HashInput("user_register", domain.Params{"u": "reseller", "id": "r3s3ll3r01"}, domain.Documented)
	a = w.Post(web.HashPagePath, url.Values{"uri": {"/billing/api/user_register/r3s3ll3r01?u=reseller&hash=" + domain.Hash(text, "secret")}})
	wantPage(t, a, http.StatusOK, "matches the documented form", "<code>id</code>")
	// A method morlite does not answer is still hashed, with a warning.
	wantPage(t, w.Post(web.HashPagePath, url.Values{"uri": {"/billing/api/tariffs_get?u=admin"}}), http.StatusOK,
		"morlite has no API method tariffs_get", domain.ErrNoSuchAPI.Message)
}

// accountantLogins are the demo's accountants' passwords.
var accountantLogins = map[string]string{"accountant": "acc12345", "username": "user1234", "readonly": "read1234",
	"norights": "nori1234", "createonly": "nor12345", "devonly": "dev12345"}

// TestGenerateHashKeyHolders: without a typed key the page signs only with
// a key the viewer holds. MOR's hash does not cover u, so a signature made
// with another's key would sign that request for every caller of the key.
func TestGenerateHashKeyHolders(t *testing.T) {
	e := newEnv(t, demoYAML)
	deleteCarols := "/billing/api/device_delete?u=reseller&device=3"
	terminate := "/billing/api/did_terminate?u=admin&dids_id=2"
	t.Run("Admin", func(t *testing.T) {
		w := e.browser()
		w.Login("admin", "admin1")
		a := w.Post(web.HashPagePath, url.Values{"uri": {"/billing/api/did_trunk_device_assign?u=carol&did=123456789&device_id=1"}})
		wantPage(t, a, http.StatusOK, "the admin&#39;s API secret key", "does not match", "not yours", seedDocumented)
		wantNot(t, a, resellerDoc, "matches the")
		a = w.Post(web.HashPagePath, url.Values{"uri": {terminate}})
		wantPage(t, a, http.StatusOK, domain.Hash("2", "secret"))
		wantNot(t, a, "not yours")
	})
	t.Run("Reseller", func(t *testing.T) {
		w := e.browser()
		w.Login("reseller", "res12345")
		a := w.Post(web.HashPagePath, url.Values{"uri": {terminate}})
		wantPage(t, a, http.StatusOK, "your own API secret key", "not yours")
		wantNot(t, a, domain.Hash("2", "secret"))
	})
	for _, acc := range []string{"createonly", "norights", "accountant", "username"} {
		t.Run("Accountant/"+acc, func(t *testing.T) {
			w := e.browser()
			w.Login(acc, accountantLogins[acc])
			for _, uri := range []string{deleteCarols, terminate, seedURI} {
				a := w.Post(web.HashPagePath, url.Values{"uri": {uri}})
				wantPage(t, a, http.StatusBadRequest, `id="hash_error">Type the API secret key`)
				wantNot(t, a, domain.Hash("3", "reseller-secret"), domain.Hash("2", "secret"), seedDocumented, `id="hash_verdict"`)
			}
			a := w.Post(web.HashPagePath, url.Values{"uri": {terminate}, "secret": {"typed"}})
			wantPage(t, a, http.StatusOK, "the key you typed", domain.Hash("2", "typed"))
		})
	}
}

func TestGenerateHashReseller(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.browser()
	w.Login("reseller", "res12345")
	// His own request: his key, documented form.
	own := "/billing/api/did_trunk_device_assign?u=reseller&did=123456789&device_id=1&hash=" + resellerDoc
	a := w.Post(web.HashPagePath, url.Values{"uri": {own}})
	wantPage(t, a, http.StatusOK, `<dd id="hash_key">your own API secret key</dd>`, "matches the documented form")
	wantNot(t, a, "reseller-secret", "not yours")
	// The seed's request (u is the admin's accountant): hashed with his own
	// key, never the admin's, so the admin's hashes never appear.
	a = w.Post(web.HashPagePath, url.Values{"uri": {seedURI}})
	wantPage(t, a, http.StatusOK, `<dd id="hash_key">your own API secret key</dd>`, "does not match", "not yours",
		resellerDoc, domain.Hash("1", "reseller-secret"))
	wantNot(t, a, seedDocumented, "matches the", "reseller-secret")
	// A hash made with the admin's key tells him nothing: it does not match.
	a = w.Post(web.HashPagePath, url.Values{"uri": {strings.Replace(seedURI, seedLegacy, seedDocumented, 1)}})
	wantPage(t, a, http.StatusOK, "does not match")
	wantNot(t, a, "matches the")
	// The other reseller's user, an unknown user and user_register: his own key, the same warning.
	for _, uri := range []string{
		"/billing/api/did_trunk_device_assign?u=erin&did=1&device_id=6",
		"/billing/api/did_trunk_device_assign?u=nobody&did=1&device_id=6",
		"/billing/api/user_register?u=reseller&id=x",
	} {
		a = w.Post(web.HashPagePath, url.Values{"uri": {uri}})
		wantPage(t, a, http.StatusOK, "your own API secret key", "not yours")
		wantNot(t, a, domain.Hash("16", "secret"), domain.Hash("16", "reseller2-secret"), domain.Hash("x", "secret"))
	}
	// Typing the key is the only way to hash with another one.
	a = w.Post(web.HashPagePath, url.Values{"uri": {seedURI}, "secret": {"secret"}})
	wantPage(t, a, http.StatusOK, "the key you typed", "matches the legacy form")
}

func TestGenerateHashBadInput(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.browser()
	w.Login("admin", "admin1")
	cases := []struct{ name, uri, text string }{
		{"Empty", "  ", "Paste a request URI first."},
		{"Spaces", "/billing/api/dids_get?u=admin&x=a b", "Not a URI: it contains spaces"},
		{"NoMethod", "/billing/api/?u=admin", "No API method in the URI"},
		{"NoMethodFullURL", "http://127.0.0.1:8080/?u=admin", "No API method in the URI"},
		{"DeepPath", "/billing/api/a/b/c?u=admin", "No API method in the URI"},
		{"OtherScheme", "ftp://host/billing/api/dids_get?u=admin", "Not a request URI"},
		{"NoHost", "http:///billing/api/dids_get", "Not a URI: the URL has no host."},
		{"BadEscape", "/billing/api/dids_get?u=adm%zzin", "Bad query string"},
		{"BadUTF8", "/billing/api/dids_get?u=%ff", "Bad query string"},
		{"BadMethod", "/billing/api/%zz?u=admin", "Bad method in the path"},
		{"MarkupMethod", "<script>alert(1)</script>", "No API method in the URI"},
		{"MarkupMethodAPI", "/billing/api/<b>x?u=1", "Bad method in the path"},
		{"BadPathID", "/billing/api/user_register/%zz?u=admin", "Bad path"},
		{"Huge", "/billing/api/dids_get?u=" + strings.Repeat("a", api.MaxBodyBytes), "The URI is longer than 64 KiB"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := w.Post(web.HashPagePath, url.Values{"uri": {tc.uri}})
			wantPage(t, a, http.StatusBadRequest, `id="hash_error">`+tc.text)
			wantNot(t, a, "<script>alert", `id="hash_verdict"`)
		})
	}
	// A body far beyond the limit is refused before it is read.
	a := w.Post(web.HashPagePath, url.Values{"uri": {strings.Repeat("%61", 2*api.MaxBodyBytes)}})
	wantPage(t, a, http.StatusRequestEntityTooLarge, "Request too large: Generate hash takes a URI of at most 64 KiB")
	a = w.Post(web.HashPagePath, url.Values{"uri": {seedURI}, "secret": {strings.Repeat("k", web.MaxTypedKey+1)}})
	wantPage(t, a, http.StatusBadRequest, "The secret key is longer than 1 KiB.")
	a = w.Post(web.HashPagePath, url.Values{"uri": {seedURI}, "csrf": {"forged"}})
	wantPage(t, a, http.StatusForbidden, "CSRF")
	wantNot(t, a, seedDocumented)
}
