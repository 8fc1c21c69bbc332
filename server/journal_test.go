package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"morlite/api"
	"morlite/sandbox"
)

// journalEntries reads GET /sandbox/requests?query with the admin's bearer.
func (e *env) journalEntries(query string) []sandbox.JournalEntry {
	e.t.Helper()
	rec := e.sandboxCall(http.MethodGet, sandbox.RequestsPath+"?"+query, "secret")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		e.t.Fatalf("GET /sandbox/requests?%s: HTTP %d %s: %s", query, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	var out []sandbox.JournalEntry
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		e.t.Fatalf("journal is not a JSON array: %v\n%s", err, rec.Body)
	}
	return out
}

// apiRequest sends a request to /billing/api/<path> with a body.
func (e *env) apiRequest(path, contentType string, body []byte) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/billing/api/"+path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return e.do(req)
}

// TestJournalMasksSecrets sends hash and p every way a client can (query,
// JSON body, multipart, form body over the query, repeated, in capitals,
// with a body that fails to parse) and finds none of their values in the
// journal's JSON or on its page, each replaced by ***.
func TestJournalMasksSecrets(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	good := signUsersGet("admin", "admin1")
	e.post("users_get", good)
	e.post("users_get", url.Values{"u": {"admin"}, "p": {"Mask-p-query-1"}, "hash": {"Mask-hash-query-1"}})
	e.apiRequest("users_get", "application/json", []byte(`{"u":"admin","p":"Mask-p-json-2","hash":"Mask-hash-json-2"}`))
	e.do(multipartBody("users_get", url.Values{"u": {"admin"}, "p": {"Mask-p-multi-3"}, "hash": {"Mask-hash-multi-3"}}))
	e.apiRequest("users_get?u=admin&p=Mask-p-twice-q&hash=Mask-hash-twice-q&hash=Mask-hash-rep-q",
		"application/x-www-form-urlencoded", []byte("p=Mask-p-twice-b&hash=Mask-hash-twice-b&p=Mask-p-rep-b"))
	e.apiRequest("dids_get?u=admin&HASH=Mask-HASH-upper&P=Mask-P-upper", "", nil)
	e.apiRequest("users_get?u=admin&p=Mask-p-badbody&hash=Mask-hash-badbody", "application/json", []byte(`{"p":`))

	secrets := []string{"admin1", good.Get("hash"), "Mask-"}
	entries := e.journalEntries("")
	if len(entries) != 7 {
		t.Fatalf("journal holds %d entries, want 7", len(entries))
	}
	for _, en := range entries {
		for name, v := range en.Params {
			if sandbox.SecretParam(name) && v != sandbox.Masked {
				t.Errorf("entry %d: %s = %q, want %q", en.ID, name, v, sandbox.Masked)
			}
		}
		if en.Params["hash"] != sandbox.Masked && en.Params["HASH"] != sandbox.Masked {
			t.Errorf("entry %d keeps no masked hash: %v", en.ID, en.Params)
		}
	}
	raw := e.sandboxCall(http.MethodGet, sandbox.RequestsPath, "secret").Body.String()
	w := e.browser()
	w.Login("admin", demoLogins["admin"])
	page := w.Get(sandbox.JournalPagePath)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "hash=***") || !strings.Contains(page.Body, "p=***") {
		t.Fatalf("journal page: HTTP %d\n%s", page.Status, page.Body)
	}
	for _, s := range secrets {
		if strings.Contains(raw, s) {
			t.Errorf("the journal's JSON holds %q:\n%s", s, raw)
		}
		if strings.Contains(page.Body, s) {
			t.Errorf("the journal page holds %q", s)
		}
	}
}

// timeMS is RFC 3339 in UTC with milliseconds.
var timeMS = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

func TestJournalEntryFields(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	e.call("did_device_assign", "admin", "did", "37060000001", "device_id", "2")
	e.post("users_get", signUsersGet("admin", "admin1"))
	e.post("no_such_method", url.Values{"u": {"bob"}})
	entries := e.journalEntries("")
	if len(entries) != 3 {
		t.Fatalf("%d entries: %+v", len(entries), entries)
	}
	assign, users, unknown := entries[0], entries[1], entries[2]
	if assign.ID != 1 || assign.Method != "did_device_assign" || assign.Caller != "admin" || assign.Answer != "Device assigned to DID" ||
		assign.Status != http.StatusOK || assign.Params["did"] != "37060000001" || assign.Response != "" {
		t.Errorf("assign entry: %+v", assign)
	}
	if users.Answer != "" || !strings.Contains(users.Response, "<username>accountant</username>") {
		t.Errorf("users_get entry keeps no answer body: %+v", users)
	}
	if unknown.Method != "no_such_method" || unknown.Answer != "There is no such API" || unknown.Caller != "bob" {
		t.Errorf("unknown method entry: %+v", unknown)
	}
	for _, en := range entries {
		if !timeMS.MatchString(en.Time) || en.LatencyMS < 0 {
			t.Errorf("entry %d: time %q, latency %v", en.ID, en.Time, en.LatencyMS)
		}
	}
}

func TestJournalKeepsTheLastN(t *testing.T) {
	e := newSandboxEnv(t, demoYAML, WithJournal(3))
	for i := 1; i <= 5; i++ {
		e.post("ring"+strconv.Itoa(i), url.Values{})
	}
	entries := e.journalEntries("")
	var got []string
	for _, en := range entries {
		got = append(got, strconv.FormatInt(en.ID, 10)+":"+en.Method)
	}
	if strings.Join(got, " ") != "3:ring3 4:ring4 5:ring5" {
		t.Fatalf("journal of 3 after 5 requests: %v", got)
	}
}

func TestJournalFilters(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	e.post("did_assign_device", url.Values{"u": {"admin"}}) // an old name: journaled as did_device_assign
	e.post("dids_get", url.Values{"u": {"admin"}})
	time.Sleep(5 * time.Millisecond)
	e.post("did_device_assign", url.Values{"u": {"admin"}})
	all := e.journalEntries("")
	if len(all) != 3 || all[0].Method != "did_device_assign" {
		t.Fatalf("journal: %+v", all)
	}
	methods := func(entries []sandbox.JournalEntry) string {
		var ids []string
		for _, en := range entries {
			ids = append(ids, strconv.FormatInt(en.ID, 10))
		}
		return strings.Join(ids, ",")
	}
	for query, want := range map[string]string{
		"method=did_device_assign":              "1,3",
		"method=did_assign_device":              "1,3",
		"method=dids_get":                       "2",
		"method=nothing":                        "",
		"since_id=1":                            "2,3",
		"since_id=3":                            "",
		"since=" + url.QueryEscape(all[2].Time): "3",
		"since=2000-01-01T00:00:00Z":            "1,2,3",
		"since=2000-01-01T02:00:00%2B02:00&method=dids_get": "2",
		"since=2999-01-01T00:00:00.5Z":                      "",
	} {
		if got := methods(e.journalEntries(query)); got != want {
			t.Errorf("?%s: ids %q, want %q", query, got, want)
		}
	}
	for _, bad := range []string{"since=yesterday", "since=2026-01-02", "since_id=-1", "since_id=x", "since_id=1.5"} {
		rec := e.sandboxCall(http.MethodGet, sandbox.RequestsPath+"?"+bad, "secret")
		var msg map[string]string
		if rec.Code != http.StatusBadRequest || json.Unmarshal(rec.Body.Bytes(), &msg) != nil || msg["error"] == "" {
			t.Errorf("?%s: HTTP %d %s", bad, rec.Code, rec.Body)
		}
	}
}

func TestJournalClear(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	e.post("one", url.Values{})
	e.post("two", url.Values{})
	if rec := e.sandboxCall(http.MethodDelete, sandbox.RequestsPath, "secret"); rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("DELETE: HTTP %d %s", rec.Code, rec.Body)
	}
	if got := e.journalEntries(""); len(got) != 0 {
		t.Fatalf("after DELETE: %+v", got)
	}
	e.post("three", url.Values{})
	if got := e.journalEntries(""); len(got) != 1 || got[0].ID != 3 || got[0].Method != "three" {
		t.Fatalf("after DELETE ids go on: %+v", got)
	}
}

func TestJournalOff(t *testing.T) {
	e := newSandboxEnv(t, demoYAML, WithJournal(0))
	e.post("one", url.Values{})
	if rec := e.sandboxCall(http.MethodGet, sandbox.RequestsPath, "secret"); rec.Code != http.StatusOK || rec.Body.String() != "[]\n" {
		t.Fatalf("journal off: HTTP %d %q", rec.Code, rec.Body)
	}
	w := e.browser()
	w.Login("admin", demoLogins["admin"])
	if a := w.Get(sandbox.JournalPagePath); a.Status != http.StatusOK || !strings.Contains(a.Body, "The request journal is off") {
		t.Fatalf("journal page with the journal off: HTTP %d\n%s", a.Status, a.Body)
	}
}

// TestJournalPage shows the entries newest first, filters by method, and
// clears with its form.
func TestJournalPage(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	e.call("did_device_assign", "admin", "did", "37060000001", "device_id", "2")
	e.post("dids_get", sign("dids_get", "admin"))
	w := e.browser()
	w.Login("admin", demoLogins["admin"])
	a := w.Get(sandbox.JournalPagePath)
	first, second := strings.Index(a.Body, ">dids_get</a>"), strings.Index(a.Body, ">did_device_assign</a>")
	if a.Status != http.StatusOK || first < 0 || second < first || !strings.Contains(a.Body, "Device assigned to DID") {
		t.Fatalf("journal page (newest first): HTTP %d\n%s", a.Status, a.Body)
	}
	if !strings.Contains(a.Body, `href="/billing/sandbox/requests?method=dids_get"`) {
		t.Fatalf("no filter link on the method:\n%s", a.Body)
	}
	if a := w.Get(sandbox.JournalPagePath + "?method=dids_get"); strings.Contains(a.Body, ">did_device_assign</a>") || !strings.Contains(a.Body, ">dids_get</a>") {
		t.Fatalf("method filter:\n%s", a.Body)
	}
	a = w.Post(sandbox.JournalClearPath, nil)
	if a.Status != http.StatusSeeOther || a.Location != sandbox.JournalPagePath {
		t.Fatalf("clear: HTTP %d to %q", a.Status, a.Location)
	}
	if a := w.Get(sandbox.JournalPagePath); !strings.Contains(a.Body, "Request journal cleared") || strings.Contains(a.Body, ">dids_get</a>") {
		t.Fatalf("after clear:\n%s", a.Body)
	}
	if a := w.Post(sandbox.JournalClearPath, url.Values{"csrf": {"forged"}}); a.Status != http.StatusForbidden {
		t.Fatalf("clear without the CSRF token: HTTP %d", a.Status)
	}
}

// TestJournalMasksPasswords: user_register's passwords, device_update's
// device password and any parameter named like a secret are masked, and so
// are the device secret and PIN in a kept answer (the device page does not
// show them either).
func TestJournalMasksPasswords(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	e.post("user_register", url.Values{"u": {"admin"}, "username": {"zed"}, "password": {"Mask-reg-pw"},
		"password2": {"Mask-reg-pw2"}, "email": {"z@example.com"}, "hash": {"x"}})
	if got := e.call("device_update", "admin", "device", "33", "authentication", "0", "username", "1000", "password", "Mask-dev-pw"); got != "Device successfully updated" {
		t.Fatalf("device_update: %q", got)
	}
	e.apiRequest("dids_get?u=admin&API_Secret_Key=Mask-k&PassWd=Mask-pwd&auth_token=Mask-t&PIN=Mask-pin", "", nil)
	details := e.post("device_details_get", sign("device_details_get", "admin", "device_id", "33")).Body.String()
	if !strings.Contains(details, "<secret>Mask-dev-pw</secret>") || !strings.Contains(details, "<pin>123456</pin>") {
		t.Fatalf("device_details_get does not show the new secret and the PIN:\n%s", details)
	}
	raw := e.sandboxCall(http.MethodGet, sandbox.RequestsPath, "secret").Body.String()
	for _, s := range []string{"Mask-", "123456"} {
		if strings.Contains(raw, s) {
			t.Errorf("the journal's JSON holds %q:\n%s", s, raw)
		}
	}
	for _, s := range []string{`"password":"***"`, `"password2":"***"`, `"API_Secret_Key":"***"`, `"PIN":"***"`,
		"<secret>***</secret>", "<pin>***</pin>"} {
		if !strings.Contains(raw, s) {
			t.Errorf("the journal's JSON lacks %s:\n%s", s, raw)
		}
	}
}

// TestJournalBoundsAHugeRequest: a 64 KiB parameter, a hundred parameters
// and a long method name and caller are kept cut (marked …, the flag set),
// so that an entry stays small whatever a client sends.
func TestJournalBoundsAHugeRequest(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	huge := strings.Repeat("ab", (api.MaxBodyBytes-100)/2)
	e.apiRequest("did_details_update", "application/x-www-form-urlencoded",
		[]byte("u=admin&did=37060000001&comment="+url.QueryEscape(huge)))
	many := url.Values{}
	for i := range 100 {
		many.Set(fmt.Sprintf("n%03d", i), "v")
	}
	e.apiRequest("dids_get?"+many.Encode(), "", nil)
	e.apiRequest(strings.Repeat("m", 5000)+"?u="+strings.Repeat("u", 5000), "", nil)

	entries := e.journalEntries("")
	if len(entries) != 3 {
		t.Fatalf("%d entries, want 3", len(entries))
	}
	for i, en := range entries {
		size := len(en.Method) + len(en.Caller)
		for k, v := range en.Params {
			size += len(k) + len(v)
			if len(v) > sandbox.JournalTextMax+len("…") || !utf8.ValidString(v) {
				t.Errorf("entry %d keeps %s with %d bytes", i, k, len(v))
			}
		}
		if !en.ParamsTruncated || size > sandbox.JournalParamsMax*(sandbox.JournalTextMax+8) {
			t.Errorf("entry %d: flag %v, %d bytes kept", i, en.ParamsTruncated, size)
		}
	}
	if c := entries[0].Params["comment"]; !strings.HasPrefix(huge, strings.TrimSuffix(c, "…")) || !strings.HasSuffix(c, "…") {
		t.Errorf("comment kept as %q", c)
	}
	if n := len(entries[1].Params); n != sandbox.JournalParamsMax || entries[1].Params["n000"] != "v" {
		t.Errorf("%d parameters kept, n000 %q", n, entries[1].Params["n000"])
	}
	if en := entries[2]; len(en.Method) > sandbox.JournalTextMax+len("…") || len(en.Caller) > sandbox.JournalTextMax+len("…") {
		t.Errorf("method %d bytes, caller %d bytes", len(en.Method), len(en.Caller))
	}
}

// TestJournalSinceIsInclusive: since= keeps an entry made at exactly that
// instant (the times a client reads back are milliseconds, so an entry's
// own time is the boundary a poller sends), and drops one a millisecond
// earlier.
func TestJournalSinceIsInclusive(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	at := time.Date(2026, 11, 27, 5, 13, 49, 96_000_000, time.UTC)
	for i, d := range []time.Duration{-time.Millisecond, 0, time.Millisecond} {
		e.srv.journal(api.Observation{Time: at.Add(d), Method: "m" + strconv.Itoa(i), Status: http.StatusOK})
	}
	for query, want := range map[string]string{
		"since=2026-11-27T05:13:49.096Z":                            "2 3",
		"since=" + url.QueryEscape("2026-11-27T07:13:49.096+02:00"): "2 3",
		"since=2026-11-27T05:13:49.097Z":                            "3",
		"since=2026-11-27T05:13:49.0961Z":                           "3",
	} {
		var ids []string
		for _, en := range e.journalEntries(query) {
			ids = append(ids, strconv.FormatInt(en.ID, 10))
		}
		if got := strings.Join(ids, " "); got != want {
			t.Errorf("?%s: ids %q, want %q", query, got, want)
		}
	}
}

// TestJournalPageShowsTheNewest200: the page lists the newest 200 entries,
// newest first, however many the journal holds.
func TestJournalPageShowsTheNewest200(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	for i := 1; i <= 250; i++ {
		e.srv.journal(api.Observation{Time: time.Now(), Method: fmt.Sprintf("m%03d", i), Status: http.StatusOK})
	}
	w := e.browser()
	w.Login("admin", demoLogins["admin"])
	a := w.Get(sandbox.JournalPagePath)
	shown := regexp.MustCompile(`>(m\d{3})</a>`).FindAllStringSubmatch(a.Body, -1)
	if a.Status != http.StatusOK || len(shown) != 200 {
		t.Fatalf("journal page: HTTP %d, %d entries shown, want 200", a.Status, len(shown))
	}
	if shown[0][1] != "m250" || shown[199][1] != "m051" {
		t.Fatalf("page shows %s..%s, want the newest first: m250..m051", shown[0][1], shown[199][1])
	}
}
