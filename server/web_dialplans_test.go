package server

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"morlite/domain"
	"morlite/sandbox"
	"morlite/web"
)

var flashLine = regexp.MustCompile(`<p class="flash (ok|bad)" role="status">([^<]*)</p>`)

// pageOutcome is what a page post led to: the flash of the page it
// redirected to (ok for a green one), or a page's status and body.
type pageOutcome struct {
	status int
	text   string
	ok     bool
	body   string
}

// submit posts a form and follows the redirect.
func (w *webClient) submit(path string, form url.Values) pageOutcome {
	w.T.Helper()
	a := w.Post(path, form)
	if a.Status != http.StatusSeeOther {
		return pageOutcome{status: a.Status, body: a.Body}
	}
	return w.outcome(w.Get(a.Location))
}

// outcome reads the flash of a page.
func (w *webClient) outcome(a webAnswer) pageOutcome {
	o := pageOutcome{status: a.Status, body: a.Body}
	if m := flashLine.FindStringSubmatch(a.Body); m != nil {
		o.text, o.ok = html.UnescapeString(m[2]), m[1] == "ok"
	}
	return o
}

// loggedIn is a browser logged in as user (a demo password).
func (e *env) loggedIn(user string) *webClient {
	e.t.Helper()
	w := e.browser()
	pw := map[string]string{"readonly": "read1234"}[user]
	if pw == "" {
		pw = demoLogins[user]
	}
	w.Login(user, pw)
	return w
}

// wantFlash fails unless o is the flash text (ok a green one).
func wantFlash(t *testing.T, what string, o pageOutcome, text string, ok bool) {
	t.Helper()
	if o.text != text || o.ok != ok {
		t.Errorf("%s: flash %q (ok %v, HTTP %d), want %q (ok %v)", what, o.text, o.ok, o.status, text, ok)
	}
}

// wantRefusal fails unless o is the 403 page with text.
func wantRefusal(t *testing.T, what string, o pageOutcome, text string) {
	t.Helper()
	if o.status != http.StatusForbidden || !strings.Contains(o.body, text) {
		t.Errorf("%s: HTTP %d %q, want 403 %q", what, o.status, o.text, text)
	}
}

func dpForm(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// wantOnPlan checks a DID's status, plan, user, device and pool.
func wantOnPlan(t *testing.T, e *env, number string, st domain.Status, plan, user, device, pool int64) {
	t.Helper()
	d := e.did(number)
	if d.Status != st || d.DialplanID != plan || d.UserID != user || d.DeviceID != device || d.ResellerID != pool {
		t.Errorf("DID %s: %s plan %d user %d device %d pool %d, want %s %d %d %d %d", number, d.Status,
			d.DialplanID, d.UserID, d.DeviceID, d.ResellerID, st, plan, user, device, pool)
	}
}

// TestDIDWalksOntoADialplanAndOff puts DID 2 on plan 1 through the DID edit
// page, checks the API's refusals of a DID and a device on dial plans,
// takes the DID off and assigns it to a device.
func TestDIDWalksOntoADialplanAndOff(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.loggedIn("admin")
	page := w.Get(web.DIDEditPath + "2")
	if !strings.Contains(page.Body, `action="/billing/dids/edit/2/dialplan"`) || !strings.Contains(page.Body, `<optgroup label="Authorization by PIN"><option value="1">PIN access</option>`) {
		t.Fatalf("the DID edit page offers no dial plan: %s", page.Body)
	}
	o := w.submit(web.DIDEditPath+"2/dialplan", dpForm("dp_id", "1"))
	wantFlash(t, "assign", o, "DID assigned to Dial Plan: PIN access", true)
	if !strings.Contains(o.body, "Assigned to Dial Plan: PIN access") || !strings.Contains(o.body, "Make DID free") {
		t.Errorf("the DID edit page does not show the plan and its way off")
	}
	wantOnPlan(t, e, "37060000001", domain.StatusActive, 1, 0, 0, 0)
	for _, tc := range []struct {
		method string
		kv     []string
		text   string
	}{
		{"did_device_assign", []string{"did", "37060000001", "device_id", "2"}, "DID is not free"},
		{"did_device_unassign", []string{"did", "37060000001"}, "DID is assigned to dialplan"},
		{"did_close", []string{"dids_id", "2"}, "DID is assigned to Dial Plan."},
	} {
		if got := e.call(tc.method, "admin", tc.kv...); got != tc.text {
			t.Errorf("%s: %q, want %q", tc.method, got, tc.text)
		}
	}
	if body := e.post("device_delete", sign("device_delete", "admin", "device", "31")).Body.String(); !strings.Contains(body, "<error>Device has Dial Plans - we cannot delete it</error>") {
		t.Errorf("device_delete of plan 30's device: %s", body)
	}
	o = w.submit(web.DIDEditPath+"2/dialplan_free", nil)
	wantFlash(t, "make free", o, "DID made available", true)
	wantOnPlan(t, e, "37060000001", domain.StatusFree, 0, 0, 0, 0)
	if got := e.call("did_device_assign", "admin", "did", "37060000001", "device_id", "2"); got != "Device assigned to DID" {
		t.Errorf("assign after the plan: %q", got)
	}
	acts := e.actions()
	if n := len(acts); n < 3 || acts[n-3].Action != "did_assigned_to_dp" || acts[n-2].Action != "did_made_available" {
		t.Errorf("action log %+v", acts)
	}
}

// TestDIDOntoDialplanRefusals: the DIDs that are not free, other plans and
// other callers, each with its text and no change.
func TestDIDOntoDialplanRefusals(t *testing.T) {
	e := newEnv(t, demoYAML)
	admin, reseller := e.loggedIn("admin"), e.loggedIn("reseller")
	before := e.didRows()
	for _, tc := range []struct {
		w        *webClient
		who, id  string
		dp, text string
	}{
		{admin, "admin", "1", "1", "DID is not free"}, // reserved
		{admin, "admin", "7", "1", "DID is not free"}, // on a device
		{admin, "admin", "5", "1", "DID is not free"}, // terminated
		{admin, "admin", "4", "1", "DID is not free"}, // a reseller's pool
		{admin, "admin", "2", "999", "Dial Plan was not found"},
		{admin, "admin", "2", "x", "Dial Plan was not found"},
		{admin, "admin", "2", "", "Dial Plan was not found"},
		{admin, "admin", "999", "1", "DID was not found"},
		{reseller, "reseller", "2", "1", "DID was not found"},
		{reseller, "reseller", "4", "1", "Dial Plan was not found"},
	} {
		o := tc.w.submit(web.DIDEditPath+tc.id+"/dialplan", dpForm("dp_id", tc.dp))
		wantFlash(t, tc.who+" DID "+tc.id+" onto "+tc.dp, o, tc.text, false)
	}
	o := admin.submit(web.DIDEditPath+"2/dialplan_free", nil)
	wantFlash(t, "make free a free DID", o, "DID was not updated", false)
	if e.didRows() != before {
		t.Fatal("a refused move changed a DID")
	}
}

// TestDialplanRights: accountants put DIDs on the admin's plans with
// manage_dids_opt_1 = 2 but open no dial plan page; a reseller cannot open
// the admin's plan; an unknown plan lands on the list.
func TestDialplanRights(t *testing.T) {
	e := newEnv(t, demoYAML)
	acc := e.loggedIn("accountant")
	if strings.Contains(acc.Get(web.HomePath).Body, web.DialplanListPath) {
		t.Error("an accountant is offered the Dial Plans link")
	}
	if n := strings.Count(e.loggedIn("reseller").Get(web.HomePath).Body, `href="`+web.DialplanListPath+`"`); n != 2 {
		t.Errorf("the reseller's start page links Dial Plans %d times, want 2 (navigation and list)", n)
	}
	wantRefusal(t, "accountant's list", acc.outcome(acc.Get(web.DialplanListPath)), "You are not authorized to view this page")
	wantRefusal(t, "accountant's new", acc.outcome(acc.Get(web.DialplanNewPath)), "You are not authorized to view this page")
	wantRefusal(t, "accountant's create", acc.submit(web.DialplanCreatePath, dpForm("dialplan[name]", "x", "dialplan[dptype]", "ivr")), "You are not authorized to view this page")
	o := acc.submit(web.DIDEditPath+"2/dialplan", dpForm("dp_id", "1"))
	wantFlash(t, "accountant assigns", o, "DID assigned to Dial Plan: PIN access", true)
	ro := e.loggedIn("readonly")
	o = ro.submit(web.DIDEditPath+"3/dialplan_free", nil)
	wantFlash(t, "readonly frees", o, "You do not have rights to edit this", false)
	res := e.loggedIn("reseller")
	wantFlash(t, "reseller edits plan 1", res.outcome(followOnce(res, web.DialplanEditPath+"1")), "Access Denied", false)
	admin := e.loggedIn("admin")
	wantFlash(t, "admin edits plan 999", admin.outcome(followOnce(admin, web.DialplanEditPath+"999")), "Dial Plan was not found", false)
	wantOnPlan(t, e, "37060000002", domain.StatusActive, 1, 0, 0, 0)
}

// followOnce opens path and the page it redirects to.
func followOnce(w *webClient, path string) webAnswer {
	w.T.Helper()
	a := w.Get(path)
	if a.Status != http.StatusSeeOther {
		w.T.Fatalf("GET %s: HTTP %d, want a redirect", path, a.Status)
	}
	return w.Get(a.Location)
}

// TestResellerDialplan: a reseller makes a plan with his user's device,
// puts his pool's DID on it and takes it off again (it stays in his pool);
// his refused creates add nothing.
func TestResellerDialplan(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.loggedIn("reseller")
	for _, tc := range []struct{ name, device, text string }{
		{"R plan", "2", "Access Denied"},
		{"R plan", "999", "Device was not found"},
		{"R plan", "abc", "Device was not found"},
		{"   ", "4", "Please enter name"},
		{strings.Repeat("n", 51), "4", "Dial Plan was not created"},
		{"R \xffplan", "4", "Dial Plan was not created"},
	} {
		o := w.submit(web.DialplanCreatePath, dpForm("dialplan[name]", tc.name, "dialplan[dptype]", "authbypin", "users_device", tc.device))
		if tc.text == "Please enter name" {
			o = w.outcome(webAnswer{Status: o.status, Body: o.body})
		}
		wantFlash(t, "create "+tc.name+" with device "+tc.device, o, tc.text, false)
	}
	o := w.submit(web.DialplanCreatePath, dpForm("dialplan[name]", "R plan", "dialplan[dptype]", "pbxfunction"))
	wantFlash(t, "a type the page does not make", o, "Dial Plan was not created", false)
	if n := len(e.world().Dialplans); n != 2 {
		t.Fatalf("%d plans after refused creates", n)
	}
	o = w.submit(web.DialplanCreatePath, dpForm("dialplan[name]", " R plan ", "dialplan[dptype]", "authbypin", "users_device", "4"))
	wantFlash(t, "create", o, "Dial Plan successfully created", true)
	plans := e.world().Dialplans
	dp := plans[len(plans)-1]
	if dp != (domain.Dialplan{ID: 31, Name: "R plan", DPType: "authbypin", UserID: 3, DeviceID: 4}) {
		t.Fatalf("new plan %+v", dp)
	}
	if !strings.Contains(o.body, "<td>R plan</td>") || !strings.Contains(o.body, "SIP/") || strings.Contains(o.body, "PIN access") {
		t.Errorf("the reseller's list: %s", o.body)
	}
	if !strings.Contains(o.body, `title="Dial Plan without DID: This Dial Plan cannot be accessed because no DID is assigned to it">Assign DID</a>`) {
		t.Errorf("the new plan without a DID is not marked so: %s", o.body)
	}
	o = w.submit(web.DIDEditPath+"4/dialplan", dpForm("dp_id", "31"))
	wantFlash(t, "onto R plan", o, "DID assigned to Dial Plan: R plan", true)
	wantOnPlan(t, e, "37060000003", domain.StatusActive, 31, 0, 0, 3)
	o = w.submit(web.DIDEditPath+"4/dialplan_free", nil)
	wantFlash(t, "off R plan", o, "DID made available", true)
	wantOnPlan(t, e, "37060000003", domain.StatusFree, 0, 0, 0, 3)
}

// TestDialplanDelete: a plan with a DID stays; once the DID is off, it goes.
func TestDialplanDelete(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.loggedIn("admin")
	o := w.submit(web.DialplanDestroyPath+"1", nil)
	wantFlash(t, "delete plan 1", o, "Cannot delete Dial Plan. It is assigned to DID(s)", false)
	o = w.submit(web.DIDEditPath+"3/dialplan_free", nil)
	wantFlash(t, "free DID 3", o, "DID made available", true)
	if got := e.call("did_device_assign", "admin", "did", "37060000002", "device_id", "2"); got != "Device assigned to DID" {
		t.Fatalf("assign the freed DID: %q", got)
	}
	o = w.submit(web.DialplanDestroyPath+"1", nil)
	wantFlash(t, "delete plan 1 again", o, "Dial Plan deleted: PIN access", true)
	if n := len(e.world().Dialplans); n != 1 {
		t.Fatalf("%d plans after the delete", n)
	}
	o = w.submit(web.DialplanDestroyPath+"1", nil)
	wantFlash(t, "delete it twice", o, "Dial Plan was not found", false)
}

// TestDialplanUpdateFreesItsDevice: plan 30's device cannot be deleted
// until the plan's device is "Not used".
func TestDialplanUpdateFreesItsDevice(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.loggedIn("admin")
	deleteDevice := func() string {
		return e.post("device_delete", sign("device_delete", "admin", "device", "31")).Body.String()
	}
	if body := deleteDevice(); !strings.Contains(body, "Device has Dial Plans - we cannot delete it") {
		t.Fatalf("device_delete: %s", body)
	}
	edit := w.Get(web.DialplanEditPath + "30")
	if !strings.Contains(edit.Body, "Edit Dial Plan") || !strings.Contains(edit.Body, `value="Callback"`) {
		t.Fatalf("edit page: %s", edit.Body)
	}
	o := w.submit(web.DialplanUpdatePath+"30", dpForm("dialplan[name]", ""))
	wantFlash(t, "blank name", w.outcome(webAnswer{Status: o.status, Body: o.body}), "Please enter name", false)
	o = w.submit(web.DialplanUpdatePath+"30", dpForm("users_device", ""))
	wantFlash(t, "no name field", o, "Access Denied", false)
	o = w.submit(web.DialplanUpdatePath+"30", dpForm("dialplan[name]", strings.Repeat("n", 51), "users_device", ""))
	wantFlash(t, "a name too long", o, "Dial Plan was not updated", false)
	o = w.submit(web.DialplanUpdatePath+"30", dpForm("dialplan[name]", "Call\xffback", "users_device", ""))
	wantFlash(t, "a name that is not UTF-8", o, "Dial Plan was not updated", false)
	o = w.submit(web.DialplanUpdatePath+"30", dpForm("dialplan[name]", "Callback", "users_device", ""))
	wantFlash(t, "update", o, "Dial Plan successfully updated", true)
	if body := deleteDevice(); !strings.Contains(body, "Device was deleted") {
		t.Fatalf("device_delete after the update: %s", body)
	}
	var logged []string
	for _, a := range e.actions() {
		if a.TargetType == "dialplan" {
			logged = append(logged, a.Action+" "+a.Data+" "+a.Data2)
		}
	}
	if len(logged) != 1 || logged[0] != `dp_edited {"device_id":31} {"device_id":0}` {
		t.Errorf("action log %q", logged)
	}
}

// TestDialplanList: MOR's sections, devices, DIDs and the add-DID form.
func TestDialplanList(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.loggedIn("admin")
	a := w.Get(web.DialplanListPath)
	for _, want := range []string{"<h1>Dial Plans</h1>", `href="/billing/dialplans/new"`, "<h2>Calling Cards</h2>",
		"<h2>Authorization by PIN</h2>", `<a href="/billing/dids/edit/3">37060000002</a>`,
		"<td>SIP/", "Assign DID", "Are you sure?"} {
		if !strings.Contains(a.Body, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	if strings.Index(a.Body, "Calling Cards") > strings.Index(a.Body, "Authorization by PIN") {
		t.Error("sections out of MOR's order")
	}
	o := w.submit(web.DialplanAddDIDPath+"30", dpForm("did_id", "2"))
	wantFlash(t, "add DID 2 to plan 30", o, "DID assigned to Dial Plan: Callback", true)
	wantOnPlan(t, e, "37060000001", domain.StatusActive, 30, 0, 0, 0)
	o = w.submit(web.DialplanAddDIDPath+"30", dpForm("did_id", "2"))
	wantFlash(t, "add it again", o, "DID is not free", false)
	o = w.submit(web.DialplanAddDIDPath+"30", dpForm("did_id", "999"))
	wantFlash(t, "add an unknown DID", o, "DID was not found", false)
}

// world is the database's whole world.
func (e *env) world() *domain.World {
	e.t.Helper()
	w, err := e.st.Export(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

// TestDialplanInterval: an interval onto plan 30 takes its free DIDs only,
// with MOR's counts and reason lines; bad intervals and callers are refused.
func TestDialplanInterval(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.loggedIn("admin")
	page := w.Get(web.IntervalPagePath + "?from=37060000001&till=37060000004")
	if !strings.Contains(page.Body, "DIDs interval: 37060000001 - 37060000004") || !strings.Contains(page.Body, "DIDs quantity: 4") {
		t.Fatalf("interval page: %s", page.Body)
	}
	before := e.didRows()
	for _, tc := range []struct{ from, till, dp, notice, line string }{
		{"", "37060000004", "30", "DID(s) were not updated", "* Enter DIDs interval"},
		{"37060000004", "37060000001", "30", "DID(s) were not updated", "* Bad interval start and/or end"},
		{"3706000000x", "37060000004", "30", "DID(s) were not updated", "* Bad interval start and/or end"},
		{"99990", "99999", "30", "DID(s) were not updated", "* No DIDs found. Please check interval"},
		{"37060000001", "37060000004", "999", "Dial Plan was not found", ""},
	} {
		a := w.Post(web.IntervalAssignPath, dpForm("from", tc.from, "till", tc.till, "dp_id", tc.dp))
		if a.Status != http.StatusOK || !strings.Contains(a.Body, "<p>"+tc.notice+"</p>") || !strings.Contains(a.Body, tc.line) {
			t.Errorf("%s..%s onto %s: HTTP %d, want %q %q", tc.from, tc.till, tc.dp, a.Status, tc.notice, tc.line)
		}
	}
	if e.didRows() != before {
		t.Fatal("a refused interval changed a DID")
	}
	a := w.Post(web.IntervalAssignPath, dpForm("from", "37060000001", "till", "37060000004", "dp_id", "30"))
	for _, want := range []string{`<p class="flash ok" id="interval-status">1 out of 4 DID(s) were assigned to Dial Plan</p>`,
		"<p>3 DID(s) were not assigned to Dial Plan</p><p>* DID(s) already assigned to Dial Plan</p><p>* DID(s) are Reserved</p>"} {
		if !strings.Contains(a.Body, want) {
			t.Errorf("interval result lacks %q", want)
		}
	}
	wantOnPlan(t, e, "37060000001", domain.StatusActive, 30, 0, 0, 0)
	wantOnPlan(t, e, "37060000002", domain.StatusActive, 1, 0, 0, 0)
	wantOnPlan(t, e, "37060000003", domain.StatusFree, 0, 0, 0, 3)
	if got := e.call("did_create", "admin", "did", "37069999999", "provider_id", "1"); got != "DID created" {
		t.Fatalf("did_create: %q", got)
	}
	o := w.submit(web.IntervalAssignPath, dpForm("from", "37069999999", "till", "37069999999", "dp_id", "30"))
	wantFlash(t, "an interval of one free DID", o, "Dial Plan assigned to DID(s) interval", true)
	res := e.loggedIn("reseller")
	wantRefusal(t, "reseller's interval page", res.outcome(res.Get(web.IntervalPagePath)), "You are not authorized to view this page")
	ro := e.loggedIn("readonly")
	wantRefusal(t, "readonly's interval", ro.outcome(ro.Post(web.IntervalAssignPath, dpForm("from", "1", "till", "2", "dp_id", "30"))), "You do not have rights to edit this")
}

// TestDialplanListManyDIDs: a plan with more than 10 DIDs links them as one
// "N DID(s)" link to the DID list filtered by the plan.
func TestDialplanListManyDIDs(t *testing.T) {
	e := newEnv(t, demoYAML)
	for i := range 11 {
		n := "3707000000" + strings.Repeat("0", 2-len(itoa(int64(i)))) + itoa(int64(i))
		if got := e.call("did_create", "admin", "did", n, "provider_id", "1"); got != "DID created" {
			t.Fatalf("did_create %s: %q", n, got)
		}
	}
	w := e.loggedIn("admin")
	a := w.Post(web.IntervalAssignPath, dpForm("from", "370700000000", "till", "370700000010", "dp_id", "30"))
	if a.Status != http.StatusSeeOther {
		t.Fatalf("interval: HTTP %d", a.Status)
	}
	list := w.Get(web.DialplanListPath).Body
	if !strings.Contains(list, `<a href="/billing/dids/list?search_dialplan=30">11 DID(s)</a>`) || strings.Contains(list, ">370700000000<") {
		t.Fatalf("the list does not sum up plan 30's DIDs: %s", list)
	}
}

// TestDialplanFormsNeedCSRF: every dial plan post without the session's
// token is refused and changes nothing.
func TestDialplanFormsNeedCSRF(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.loggedIn("admin")
	before := e.world()
	for _, path := range []string{web.DialplanCreatePath, web.DialplanUpdatePath + "30", web.DialplanDestroyPath + "30",
		web.DialplanAddDIDPath + "30", web.DIDEditPath + "2/dialplan", web.DIDEditPath + "3/dialplan_free", web.IntervalAssignPath, sandbox.SnapshotPagePath} {
		a := w.Post(path, dpForm("csrf", "wrong", "dialplan[name]", "x", "dialplan[dptype]", "ivr", "did_id", "2",
			"dp_id", "30", "from", "37060000001", "till", "37060000001", "name", "x"))
		if a.Status != http.StatusForbidden && a.Status != http.StatusNotFound {
			t.Errorf("%s without the CSRF token: HTTP %d", path, a.Status)
		}
	}
	if after := e.world(); len(after.Dialplans) != len(before.Dialplans) || len(after.Actions) != len(before.Actions) {
		t.Fatal("a post without the CSRF token changed the world")
	}
}
