package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"morlite/api"
	"morlite/domain"
	"morlite/sandbox"
)

// sandboxJSON sends a sandbox request with a JSON body and the admin's
// bearer token.
func (e *env) sandboxJSON(method, path, body string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer secret")
	req.Header.Set("Content-Type", "application/json")
	return e.do(req)
}

// addFault adds a rule and returns it as answered.
func (e *env) addFault(rule string) sandbox.FaultRule {
	e.t.Helper()
	rec := e.sandboxJSON(http.MethodPost, sandbox.FaultsPath, rule)
	var got sandbox.FaultRule
	if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &got) != nil || got.ID == "" {
		e.t.Fatalf("POST %s %s: HTTP %d %s", sandbox.FaultsPath, rule, rec.Code, rec.Body)
	}
	return got
}

// faultRules lists the rules.
func (e *env) faultRules() []sandbox.FaultRule {
	e.t.Helper()
	rec := e.sandboxJSON(http.MethodGet, sandbox.FaultsPath, "")
	var got []sandbox.FaultRule
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &got) != nil {
		e.t.Fatalf("GET %s: HTTP %d %s", sandbox.FaultsPath, rec.Code, rec.Body)
	}
	return got
}

// journalFaults is the fault id of each journal entry, oldest first.
func (e *env) journalFaults() []string {
	e.t.Helper()
	var out []string
	for _, je := range e.journalEntries("") {
		out = append(out, je.Fault)
	}
	return out
}

// TestFaultErrorTwiceThenThrough: the rule answers the method's own
// envelope with its text twice (HTTP 200, nothing changes), then lets the
// request through; the journal marks the two it touched, the list counts.
func TestFaultErrorTwiceThenThrough(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	rule := e.addFault(`{"method": "did_assign_device", "params": {"did": "37060000001"}, "when": "before",
		"error": "Incorrect hash", "times": 2}`)
	if rule.ID != "1" || rule.Method != "did_device_assign" || rule.Fired != 0 || rule.Remaining == nil || *rule.Remaining != 2 {
		t.Fatalf("added rule %+v", rule)
	}
	before := e.didRows()
	if got := e.call("did_device_assign", "admin", "did", "37060000006", "device_id", "2"); got != "DID is not free" {
		t.Fatalf("another DID: %q (the rule's params must match)", got)
	}
	for i := range 2 {
		if got := e.call("did_device_assign", "admin", "did", "37060000001", "device_id", "2"); got != "Incorrect hash" {
			t.Fatalf("request %d: %q, want the fault's text", i+1, got)
		}
	}
	if e.didRows() != before {
		t.Fatal("a request a before-rule answered changed the database")
	}
	if got := e.call("did_device_assign", "admin", "did", "37060000001", "device_id", "2"); got != "Device assigned to DID" {
		t.Fatalf("third request: %q, want it through", got)
	}
	if got := e.journalFaults(); !slices.Equal(got, []string{"", "1", "1", ""}) {
		t.Errorf("journal's fault marks %q", got)
	}
	rules := e.faultRules()
	if len(rules) != 1 || rules[0].Fired != 2 || *rules[0].Remaining != 0 {
		t.Errorf("rules after firing: %+v", rules)
	}
	if page := e.loggedIn("admin").Get(sandbox.JournalPagePath).Body; strings.Count(page, ">fault 1</span>") != 2 {
		t.Errorf("the journal page does not mark the two requests the rule touched")
	}
}

// TestFaultErrorUsesTheMethodsEnvelope: device_delete's own errors come as
// <page><error>, so a fault's text does too.
func TestFaultErrorUsesTheMethodsEnvelope(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	e.addFault(`{"method": "device_delete", "error": "Device was not found"}`)
	rec := e.post("device_destroy", sign("device_destroy", "admin", "device", "31"))
	want := api.XMLDecl + "\n<page>\n  <error>Device was not found</error>\n</page>\n"
	if rec.Code != http.StatusOK || rec.Body.String() != want {
		t.Fatalf("HTTP %d\n%s\nwant\n%s", rec.Code, rec.Body, want)
	}
}

// TestFaultStatus: each status with MOR's envelope, Retry-After on 503.
func TestFaultStatus(t *testing.T) {
	for _, tc := range []struct {
		status     int
		text       string
		retryAfter string
	}{
		{500, "Internal error", ""},
		{502, "Internal error", ""},
		{503, "Server busy", "1"},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			e := newSandboxEnv(t, demoYAML)
			e.addFault(`{"method": "*", "status": ` + jsonInt(tc.status) + `}`)
			rec := e.post("dids_get", sign("dids_get", "admin"))
			if rec.Code != tc.status || answerText(t, rec.Body.String()) != tc.text {
				t.Errorf("HTTP %d %s, want %d %q", rec.Code, rec.Body, tc.status, tc.text)
			}
			if got := rec.Header().Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tc.retryAfter)
			}
		})
	}
}

func jsonInt(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestFaultDelay: a delay alone answers the method's own answer, late.
func TestFaultDelay(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	e.addFault(`{"method": "did_device_assign", "delay_ms": 300}`)
	start := time.Now()
	got := e.call("did_device_assign", "admin", "did", "37060000001", "device_id", "2")
	if took := time.Since(start); got != "Device assigned to DID" || took < 300*time.Millisecond {
		t.Fatalf("%q after %v, want the answer after 300 ms", got, took)
	}
}

// TestFaultDelayLetsAResetThrough: a request waiting out a long delay holds
// no gate, so a reset does not wait for it.
func TestFaultDelayLetsAResetThrough(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	e.addFault(`{"method": "dids_get", "delay_ms": 5000}`)
	go e.post("dids_get", sign("dids_get", "admin"))
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	e.reset("secret")
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("the reset waited %v for a delayed request", took)
	}
}

// listen serves e on a real listener and returns its URL.
func (e *env) listen() string {
	e.t.Helper()
	ts := httptest.NewServer(e.srv)
	e.t.Cleanup(ts.Close)
	return ts.URL
}

// postOverTheWire sends an API request through a real connection; the
// error is what the client saw when no answer came.
func postOverTheWire(base, method string, kv ...string) (string, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Post(base+"/billing/api/"+method+"?"+sign(method, "admin", kv...).Encode(), "", nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// TestFaultAfterDrop: the method runs and commits, then the connection is
// closed with no answer: the DID is assigned in the database, the client
// saw nothing, and the journal keeps what the method answered.
func TestFaultAfterDrop(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	base := e.listen()
	e.addFault(`{"method": "did_device_assign", "when": "after", "drop": true, "times": 1}`)
	body, err := postOverTheWire(base, "did_device_assign", "did", "37060000001", "device_id", "2")
	if err == nil {
		t.Fatalf("the client got an answer: %q", body)
	}
	d := e.did("37060000001")
	if d.Status != domain.StatusActive || d.DeviceID != 2 {
		t.Fatalf("DID after the dropped answer: %+v, want active on device 2", d)
	}
	entries := e.journalEntries("")
	if len(entries) != 1 || entries[0].Fault != "1" || entries[0].Status != 0 || entries[0].Answer != "Device assigned to DID" {
		t.Fatalf("journal %+v", entries)
	}
	body, err = postOverTheWire(base, "did_device_assign", "did", "37060000001", "device_id", "2")
	if err != nil || !strings.Contains(body, "DID is not free") {
		t.Fatalf("the retry: %q %v, want DID is not free", body, err)
	}
}

// TestFaultBeforeDrop: the connection is closed and nothing changes.
func TestFaultBeforeDrop(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	base := e.listen()
	e.addFault(`{"method": "did_device_assign", "drop": true}`)
	before := e.didRows()
	if body, err := postOverTheWire(base, "did_device_assign", "did", "37060000001", "device_id", "2"); err == nil {
		t.Fatalf("the client got an answer: %q", body)
	}
	if e.didRows() != before {
		t.Fatal("a dropped before-request changed the database")
	}
}

// TestFaultAfterError: the method commits, the client reads the fault.
func TestFaultAfterError(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	e.addFault(`{"method": "did_device_assign", "when": "after", "error": "Incorrect hash", "delay_ms": 50}`)
	if got := e.call("did_device_assign", "admin", "did", "37060000001", "device_id", "2"); got != "Incorrect hash" {
		t.Fatalf("%q", got)
	}
	if d := e.did("37060000001"); d.Status != domain.StatusActive || d.DeviceID != 2 {
		t.Fatalf("DID %+v, want it assigned", d)
	}
}

// TestFaultProbabilitySeeded: the same seed fires on the same requests.
func TestFaultProbabilitySeeded(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	run := func(seed string) string {
		e.sandboxJSON(http.MethodDelete, sandbox.FaultsPath, "")
		e.addFault(`{"method": "dids_get", "status": 503, "probability": 0.5, "seed": ` + seed + `}`)
		var b strings.Builder
		for range 32 {
			if e.post("dids_get", sign("dids_get", "admin")).Code == http.StatusServiceUnavailable {
				b.WriteByte('x')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	first, again, other := run("42"), run("42"), run("7")
	if first != again || !strings.Contains(first, "x") || !strings.Contains(first, ".") || first == other {
		t.Fatalf("seed 42: %s then %s; seed 7: %s", first, again, other)
	}
}

// TestFaultRemoveAndKeep: DELETE one (404 when unknown), a reset keeps the
// rules, DELETE all.
func TestFaultRemoveAndKeep(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	e.addFault(`{"method": "dids_get", "status": 500}`)
	e.addFault(`{"method": "users_get", "status": 500}`)
	e.reset("secret")
	if n := len(e.faultRules()); n != 2 {
		t.Fatalf("%d rules after a reset", n)
	}
	if rec := e.sandboxJSON(http.MethodDelete, sandbox.FaultsPath+"/1", ""); rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE 1: HTTP %d", rec.Code)
	}
	rec := e.sandboxJSON(http.MethodDelete, sandbox.FaultsPath+"/1", "")
	checkJSONError(t, "DELETE 1 again", rec.Code, http.StatusNotFound, rec.Body.String())
	if rec := e.post("dids_get", sign("dids_get", "admin")); rec.Code != http.StatusOK {
		t.Fatalf("dids_get after its rule went: HTTP %d", rec.Code)
	}
	if rec := e.sandboxJSON(http.MethodDelete, sandbox.FaultsPath, ""); rec.Code != http.StatusNoContent || len(e.faultRules()) != 0 {
		t.Fatalf("DELETE all: HTTP %d, rules %v", rec.Code, e.faultRules())
	}
	if rec := e.post("users_get", signUsersGet("admin", "admin1")); rec.Code != http.StatusOK {
		t.Fatalf("users_get after the rules went: HTTP %d", rec.Code)
	}
}

// TestFaultRuleRefusals: a malformed rule answers 400 naming the field,
// and adds nothing.
func TestFaultRuleRefusals(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	for _, tc := range []struct{ rule, field string }{
		{`{"error": "x"}`, "method:"},
		{`{"method": "nope", "error": "x"}`, "method:"},
		{`{"method": 5, "error": "x"}`, "method:"},
		{`{"method": "*"}`, "delay_ms"},
		{`{"method": "*", "error": "x", "drop": true}`, "only one"},
		{`{"method": "*", "status": 404}`, "status:"},
		{`{"method": "*", "drop": false}`, "drop:"},
		{`{"method": "*", "error": " "}`, "error:"},
		{`{"method": "*", "delay_ms": 60001}`, "delay_ms:"},
		{`{"method": "*", "delay_ms": -1}`, "delay_ms:"},
		{`{"method": "*", "error": "x", "times": 0}`, "times:"},
		{`{"method": "*", "error": "x", "probability": 1.5}`, "probability:"},
		{`{"method": "*", "error": "x", "seed": 1}`, "seed:"},
		{`{"method": "*", "error": "x", "when": "later"}`, "when:"},
		{`{"method": "*", "error": "x", "params": {"did": 1}}`, "params"},
		{`{"method": "*", "error": "x", "colour": 1}`, `colour`},
		{`{"method": "*", "error": "x"} {}`, "one JSON object"},
		{`not json`, "JSON object"},
	} {
		rec := e.sandboxJSON(http.MethodPost, sandbox.FaultsPath, tc.rule)
		checkJSONError(t, tc.rule, rec.Code, http.StatusBadRequest, rec.Body.String())
		if !strings.Contains(rec.Body.String(), tc.field) {
			t.Errorf("%s: %s does not name %s", tc.rule, rec.Body, tc.field)
		}
	}
	if n := len(e.faultRules()); n != 0 {
		t.Fatalf("%d rules added by refused bodies", n)
	}
}

// TestFaultEndpointsNeedTheAdmin: no bearer, no rules.
func TestFaultEndpointsNeedTheAdmin(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		req := httptest.NewRequest(m, sandbox.FaultsPath, strings.NewReader(`{"method": "*", "status": 500}`))
		req.Header.Set("Authorization", "Bearer reseller-secret")
		rec := e.do(req)
		checkJSONError(t, m, rec.Code, http.StatusUnauthorized, rec.Body.String())
	}
	if n := len(e.faultRules()); n != 0 {
		t.Fatalf("%d rules", n)
	}
}

// TestFaultAfterDelay: the method's own answer, headers included, comes
// late, and a compressed one stays compressed.
func TestFaultAfterDelay(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	plain := e.post("devices_get", sign("devices_get", "admin", "user_id", "5"))
	e.addFault(`{"method": "*", "when": "after", "delay_ms": 200}`)
	start := time.Now()
	got := e.post("devices_get", sign("devices_get", "admin", "user_id", "5"))
	if took := time.Since(start); took < 200*time.Millisecond || got.Code != http.StatusOK || got.Body.String() != plain.Body.String() {
		t.Fatalf("after %v: HTTP %d\n%s\nwant\n%s", took, got.Code, got.Body, plain.Body)
	}
	for _, h := range []string{"Content-Type", "Content-Disposition", "X-Content-Type-Options"} {
		if got.Header().Get(h) != plain.Header().Get(h) || got.Header().Get(h) == "" {
			t.Errorf("%s: %q, want %q", h, got.Header().Get(h), plain.Header().Get(h))
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/billing/api/devices_get?"+sign("devices_get", "admin", "user_id", "5").Encode(), nil)
	req.Header.Set("Accept-Encoding", "gzip")
	if rec := e.do(req); rec.Header().Get("Content-Encoding") != "gzip" || rec.Body.Len() >= plain.Body.Len() {
		t.Errorf("a gzip answer held back: Content-Encoding %q, %d bytes", rec.Header().Get("Content-Encoding"), rec.Body.Len())
	}
}
