package server

import (
	"testing"
	"time"

	"morlite/api"
	"morlite/domain"
)

// body posts a signed request and returns the whole answer.
func (e *env) body(method, u string, kv ...string) string {
	e.t.Helper()
	return e.post(method, sign(method, u, kv...)).Body.String()
}

func TestDIDCreateAnswer(t *testing.T) {
	e := newEnv(t, demoYAML)
	want := api.XMLDecl + `
<page>
  <status>
    <success>DID created</success>
  </status>
  <did_details>
    <id>41</id>
  </did_details>
</page>
`
	if got := e.body("did_create", "admin", "provider_id", "1", "did", " 37069000001 "); got != want {
		t.Fatalf("answer:\n%s\nwant:\n%s", got, want)
	}
	d := e.did("37069000001")
	if d.Status != domain.StatusFree || d.ResellerID != 0 || d.ProviderID != 1 || d.Language != "en" || d.UserID != 0 {
		t.Fatalf("new DID = %+v", d)
	}
	wantTest := api.XMLDecl + `
<page>
  <status>
    <success>DID created</success>
  </status>
  <did_details>
    <id>42</id>
    <did>37069000002</did>
  </did_details>
</page>
`
	if got := e.body("did_create", "admin", "provider_id", "1", "did", "37069000002", "test", "1"); got != wantTest {
		t.Fatalf("test=1 answer:\n%s\nwant:\n%s", got, wantTest)
	}
	a := e.actions()
	if len(a) != 2 || a[0].Action != "did_create" || a[0].Data != "{}" || a[0].TargetID != 41 ||
		!contains(a[0].Data2, `"did":"37069000001"`) || !contains(a[0].Data2, `"status":"free"`) {
		t.Fatalf("action log = %+v", a)
	}
}

func TestDIDCreateResellerPool(t *testing.T) {
	e := newEnv(t, resellerCreates)
	if got := e.call("did_create", "reseller", "did", "37069000001"); got != "DID created" {
		t.Fatal(got)
	}
	if d := e.did("37069000001"); d.ResellerID != 3 || d.ProviderID != 1 || d.Status != domain.StatusFree {
		t.Fatalf("reseller's new DID = %+v", d)
	}
}

func TestDIDCreateWriteFailure(t *testing.T) {
	e := newEnv(t, demoYAML)
	e.exec(`CREATE TRIGGER fail BEFORE INSERT ON dids BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`)
	before := e.didRows()
	if got := e.call("did_create", "admin", "provider_id", "1", "did", "37069000001"); got != "DID creation failed" {
		t.Fatalf("answer = %q", got)
	}
	if e.didRows() != before || !contains(e.logText(), "disk on fire") {
		t.Fatal("a failed create changed the DIDs or did not log its cause")
	}
}

// TestClosingWriteFailure: the closing methods have no "write fails" text
// in MOR; a failed write is a 500 Internal error that changes nothing.
func TestClosingWriteFailure(t *testing.T) {
	e := newEnv(t, demoYAML)
	e.exec(`CREATE TRIGGER fail BEFORE UPDATE ON dids BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`)
	before := e.didRows()
	rec := e.post("did_close", sign("did_close", "admin", "dids_id", "7"))
	if rec.Code != 500 || answerText(t, rec.Body.String()) != "Internal error" || contains(rec.Body.String(), "fire") {
		t.Fatalf("answer %d %s", rec.Code, rec.Body)
	}
	if e.didRows() != before {
		t.Fatal("a failed close changed the DIDs")
	}
}

func TestDIDDeleteAnswer(t *testing.T) {
	e := newEnv(t, demoYAML)
	want := api.XMLDecl + `
<page>
  <status>
    <status>DID successfully deleted</status>
  </status>
</page>
`
	if got := e.body("did_delete", "admin", "dids_id", "5"); got != want {
		t.Fatalf("answer:\n%s\nwant:\n%s", got, want)
	}
	a := e.actions()
	if len(a) != 1 || a[0].Action != "did_delete" || a[0].Data2 != "{}" || a[0].TargetID != 5 ||
		!contains(a[0].Data, `"did":"37060000004"`) || !contains(a[0].Data, `"status":"terminated"`) {
		t.Fatalf("action log = %+v", a)
	}
}

// TestClosedTillUsesClockAndSetting closes on a set clock with
// days_for_did_close = 30.
func TestClosedTillUsesClockAndSetting(t *testing.T) {
	e := newEnv(t, withSetting(demoYAML, "days_for_did_close", "30"))
	e.st.Now = func() time.Time { return time.Date(2026, 2, 10, 13, 14, 15, 999, time.FixedZone("X", 3600)) }
	if got := e.call("did_subscription_stop", "admin", "did_id", "7"); got != "DID was successfully closed" {
		t.Fatal(got)
	}
	d := e.did("37060000006")
	if got := d.ClosedTill.Format(domain.TimeLayout); got != "2026-03-12 12:14:15" {
		t.Fatalf("closed_till = %s, want 2026-03-12 12:14:15 (UTC, to the second)", got)
	}
	if d.Status != domain.StatusClosed || d.DeviceID != 2 || d.UserID != 5 {
		t.Fatalf("closed DID = %+v", d)
	}
	a := e.actions()
	if len(a) != 1 || a[0].Data2 != `{"closed_till":"2026-03-12 12:14:15","status":"closed"}` ||
		a[0].Date.Format(domain.TimeLayout) != "2026-02-10 12:14:15" || a[0].UserID != 0 {
		t.Fatalf("action log = %+v", a)
	}
}

func TestDIDDetailsUpdateEdits(t *testing.T) {
	e := newEnv(t, demoYAML)
	if got := e.call("did_details_update", "admin", "did_id", "21", "call_limit", "007", "grace_time", "0",
		"language", "", "comment", "", "reseller_comment", "kept?", "did_provider_id", "1"); got != "DID details successfully updated" {
		t.Fatal(got)
	}
	d := e.did("37060000021")
	if d.CallLimit != 7 || d.GraceTime != 0 || d.Language != "lt" || d.Comment != "" || d.ResellerComment != "kept?" ||
		d.ProviderID != 1 || d.Status != domain.StatusActive || d.DeviceID != 4 {
		t.Fatalf("after edit: %+v", d)
	}
	// Empty call_limit, grace_time and language are ignored; an absent
	// comment is kept.
	if got := e.call("did_details_update", "reseller", "did_id", "21", "call_limit", "", "grace_time", "",
		"language", "", "reseller_comment", "", "did_user_id", ""); got != "DID details successfully updated" {
		t.Fatal(got)
	}
	d = e.did("37060000021")
	if d.CallLimit != 7 || d.GraceTime != 0 || d.Language != "lt" || d.ResellerComment != "" {
		t.Fatalf("after empty edit: %+v", d)
	}
	a := e.actions()
	if len(a) != 2 || a[0].Data != `{"call_limit":5,"comment":"admin note","grace_time":10,"reseller_comment":"reseller note"}` {
		t.Fatalf("action log = %+v", a)
	}
	// Every column the method edits is stored, each in its own column.
	if got := e.call("did_details_update", "admin", "did_id", "21", "call_limit", "3", "grace_time", "9",
		"language", "de", "comment", "c2", "reseller_comment", "r2"); got != "DID details successfully updated" {
		t.Fatal(got)
	}
	d = e.did("37060000021")
	if d.CallLimit != 3 || d.GraceTime != 9 || d.Language != "de" || d.Comment != "c2" || d.ResellerComment != "r2" ||
		d.Tonezone != "lt" || d.ProviderID != 1 {
		t.Fatalf("after a full edit: %+v", d)
	}
}

// TestDIDDetailsUpdateReserveAndFree checks the pools reserve and free
// leave a DID in.
func TestDIDDetailsUpdateReserveAndFree(t *testing.T) {
	e := newEnv(t, demoYAML)
	steps := []struct{ u, did, user, row string }{
		{"reseller", "37060000003", "6", "reserved u6 d0 dp0 r3"}, // his user: stays in his pool
		{"reseller", "37060000003", "-1", "free u0 d0 dp0 r3"},    // a reseller frees into his pool
		{"admin", "37060000003", "-1", "free u0 d0 dp0 r0"},       // the admin takes it back
		{"admin", "37060000003", "9", "free u0 d0 dp0 r9"},        // into the second reseller's pool
		{"reseller2", "37060000003", "10", "reserved u10 d0 dp0 r9"},
	}
	for _, s := range steps {
		id := itoa(e.did(s.did).ID)
		if got := e.call("did_details_update", s.u, "did_id", id, "did_user_id", s.user); got != "DID details successfully updated" {
			t.Fatalf("%s did_user_id=%s: %s", s.u, s.user, got)
		}
		if got := rowOf(e, s.did); got != s.row {
			t.Fatalf("%s did_user_id=%s: row %s, want %s", s.u, s.user, got, s.row)
		}
	}
}
