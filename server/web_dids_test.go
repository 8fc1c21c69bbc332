package server

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"morlite/web"
)

// More demo logins, for the DID pages' access rules.
var didPageLogins = map[string]string{"reseller2": "res23456", "readonly": "read1234", "norights": "nori1234"}

// loginAs opens a browser logged in as a demo user.
func (e *env) loginAs(user string) *webClient {
	e.t.Helper()
	w := e.browser()
	pw, ok := demoLogins[user]
	if !ok {
		pw = didPageLogins[user]
	}
	w.Login(user, pw)
	return w
}

// elementText returns the text inside the element with that id, tags
// removed; "" when there is none.
func elementText(body, id string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	start := strings.Index(rest, ">") + 1
	tag := regexp.MustCompile(`<[^>]*>`)
	// The element ends at the first closing tag of its own kind: the
	// elements these tests read (span, dd, table) do not nest their kind.
	name := regexp.MustCompile(`^<(\w+)`).FindStringSubmatch(body[strings.LastIndex(body[:i], "<"):])[1]
	end := strings.Index(rest, "</"+name+">")
	return strings.Join(strings.Fields(html.UnescapeString(tag.ReplaceAllString(rest[start:end], " "))), " ")
}

// editLinks counts the rows of a DID list page.
func editLinks(body string) int { return strings.Count(body, `<a href="/billing/dids/edit/`) }

func TestDIDEditSeedScenario(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.loginAs("admin")
	a := w.Get("/billing/dids/edit/1")
	if a.Status != http.StatusOK {
		t.Fatalf("HTTP %d: %s", a.Status, a.Body)
	}
	for id, want := range map[string]string{"did-number": "123456789", "did-status": "Reserved",
		"did-owner": "Bob Smith (bob)", "did-device": "none", "did-provider": "Test Provider",
		"did-reseller": "none (the admin's pool)", "did-actions": "No actions yet."} {
		if got := elementText(a.Body, id); !strings.Contains(got, want) {
			t.Errorf("#%s = %q, want %q", id, got, want)
		}
	}
	if got := e.call("did_trunk_device_assign", "username", "did", "123456789", "device_id", "1"); got != "Device assigned to DID" {
		t.Fatalf("the seed's request: %q", got)
	}
	a = w.Get("/billing/dids/edit/1")
	if got := elementText(a.Body, "did-status"); got != "Active" {
		t.Errorf("status %q after the seed's request", got)
	}
	if !strings.Contains(a.Body, `id="did-device"><a href="/billing/devices/edit/1">SIP/101</a>`) {
		t.Errorf("device: %q", elementText(a.Body, "did-device"))
	}
	if got := elementText(a.Body, "did-trunk"); got != "yes" {
		t.Errorf("trunk %q", got)
	}
	log := elementText(a.Body, "did-actions")
	for _, want := range []string{"username did_trunk_device_assign", `{"device_id":0,"status":"reserved"}`,
		`{"device_id":1,"status":"active"}`} {
		if !strings.Contains(log, want) {
			t.Errorf("action log %q lacks %q", log, want)
		}
	}
}

func TestDIDEditActionsNewestFirst(t *testing.T) {
	e := newEnv(t, demoYAML)
	e.call("did_device_assign", "admin", "did", "37060000001", "device_id", "2")
	e.call("did_device_unassign", "admin", "did", "37060000001")
	log := elementText(e.loginAs("admin").Get("/billing/dids/edit/2").Body, "did-actions")
	un, as := strings.Index(log, "did_device_unassign"), strings.Index(log, "did_device_assign")
	if un < 0 || as < 0 || un > as {
		t.Fatalf("want the unassign above the assign: %q", log)
	}
}

// TestDIDEditShowsTheNewest200Actions: a DID with a long past shows its
// newest 200 action log rows, newest first, and says it cut the rest.
func TestDIDEditShowsTheNewest200Actions(t *testing.T) {
	e := newEnv(t, demoYAML)
	var rows []string
	for i := 1; i <= 250; i++ {
		rows = append(rows, fmt.Sprintf(`('2026-01-01 00:00:00', 0, 'did_details_update', 'did', 2, '', '{"comment":"n%03d"}')`, i))
	}
	e.exec("INSERT INTO actions (date, user_id, action, target_type, target_id, data, data2) VALUES " + strings.Join(rows, ", "))
	page := e.loginAs("admin").Get("/billing/dids/edit/2").Body
	shown := regexp.MustCompile(`n(\d{3})`).FindAllStringSubmatch(elementText(page, "did-actions"), -1)
	if len(shown) != 200 || shown[0][1] != "250" || shown[199][1] != "051" {
		t.Fatalf("%d rows shown, want the newest 200 (n250 to n051)", len(shown))
	}
	if !strings.Contains(page, "The newest 200 actions.") {
		t.Fatal("the page does not say it shows the newest 200 actions")
	}
}

func TestDIDList(t *testing.T) {
	e := newEnv(t, demoYAML)
	w := e.loginAs("admin")
	cases := []struct {
		name, query string
		rows        int
		has, hasNot []string
	}{
		{"All", "", 14, []string{`<a href="/billing/dids/edit/1">123456789</a>`, `class="badge reserved">Reserved</span>`,
			`class="badge terminated">Terminated</span>`, "37060000008", "<th>Provider</th>", `<a href="/billing/devices/edit/2">SIP/102</a>`}, nil},
		{"Status", "search_status=Terminated", 2, []string{"37060000004", "37060000020"}, []string{"123456789"}},
		{"NumberPrefix", "search_did_number=3706000000%25", 9, []string{"37060000001", "37060000009"}, []string{"37060000010"}},
		{"UserIsResellerPool", "search_user=3", 5, []string{"37060000003", "37060000021"}, []string{"123456789"}},
		{"Owner", "search_did_owner=%25Smith%25", 4, []string{"123456789", "37060000007"}, nil},
		{"HideTerminated", "search_hide_terminated_dids=1", 12, nil, []string{"37060000004"}},
		{"Language", "search_language=LT", 1, []string{"37060000021"}, nil},
		{"DeviceNotDigits", "search_device=abc", 10, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := w.Get("/billing/dids/list?" + tc.query)
			if a.Status != http.StatusOK || editLinks(a.Body) != tc.rows {
				t.Fatalf("HTTP %d, %d rows, want %d:\n%s", a.Status, editLinks(a.Body), tc.rows, a.Body)
			}
			for _, s := range tc.has {
				if !strings.Contains(a.Body, s) {
					t.Errorf("lacks %q", s)
				}
			}
			for _, s := range tc.hasNot {
				if strings.Contains(a.Body, s) {
					t.Errorf("shows %q", s)
				}
			}
		})
	}
}

func TestDIDListErrors(t *testing.T) {
	e := newEnv(t, demoYAML)
	for _, tc := range []struct{ user, query, text string }{
		{"admin", "search_status=bogus", "No DIDs found"},
		{"admin", "search_did_number=999%25", "No DIDs found"},
		{"admin", "page=99999999999999999999", "No DIDs found"}, // too long to be a page: page 1, and the filter below
		{"admin", "page=1000000&search_status=free", "No DIDs found"},
	} { // norights: TestPagesNeedAccountantRights

		t.Run(tc.user+"/"+tc.query, func(t *testing.T) {
			a := e.loginAs(tc.user).Get("/billing/dids/list?" + tc.query)
			if tc.query == "page=99999999999999999999" {
				if a.Status != http.StatusOK || editLinks(a.Body) != 14 || !strings.Contains(a.Body, "Page 1<") {
					t.Fatalf("a bad page number is page 1: HTTP %d, %d rows", a.Status, editLinks(a.Body))
				}
				return
			}
			if a.Status != http.StatusOK || elementText(a.Body, "dids-error") != tc.text || editLinks(a.Body) != 0 {
				t.Fatalf("HTTP %d, error %q, %d rows", a.Status, elementText(a.Body, "dids-error"), editLinks(a.Body))
			}
		})
	}
}

func TestDIDListPaging(t *testing.T) {
	e := newEnv(t, demoYAML)
	e.exec(`INSERT INTO dids (did, status, reseller_id, provider_id, language)
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
		SELECT 4400000000 + i, 'free', 0, 1, 'en' FROM n`)
	w := e.loginAs("admin")
	a := w.Get("/billing/dids/list?search_did_number=44%25")
	next := "/billing/dids/list?page=2&amp;search_did_number=44%25"
	if editLinks(a.Body) != web.DIDPageSize || !strings.Contains(a.Body, `href="`+next+`"`) || strings.Contains(a.Body, `rel="prev"`) {
		t.Fatalf("page 1: %d rows:\n%s", editLinks(a.Body), a.Body)
	}
	a = w.Get(html.UnescapeString(next))
	if editLinks(a.Body) != 10 || !strings.Contains(a.Body, "4400000060") || strings.Contains(a.Body, `rel="next"`) ||
		!strings.Contains(a.Body, `href="/billing/dids/list?page=1&amp;search_did_number=44%25"`) {
		t.Fatalf("page 2: %d rows:\n%s", editLinks(a.Body), a.Body)
	}
	if a := w.Get("/billing/dids/list?page=3&search_did_number=44%25"); elementText(a.Body, "dids-error") != "No DIDs found" {
		t.Fatalf("page 3: %s", a.Body)
	}
}

func TestDIDListReseller(t *testing.T) {
	e := newEnv(t, demoYAML)
	a := e.loginAs("reseller").Get("/billing/dids/list")
	if editLinks(a.Body) != 5 {
		t.Fatalf("%d rows:\n%s", editLinks(a.Body), a.Body)
	}
	for _, s := range []string{"37060000003", "37060000005", "37060000010", "37060000021", "37060000040", "reseller note"} {
		if !strings.Contains(a.Body, s) {
			t.Errorf("lacks %q", s)
		}
	}
	for _, s := range []string{"123456789", "37060000008", "<th>Provider</th>", "admin note"} {
		if strings.Contains(a.Body, s) {
			t.Errorf("shows %q", s)
		}
	}
}

func TestDIDPagesIsolation(t *testing.T) {
	e := newEnv(t, demoYAML)
	before := e.didRows()
	for _, tc := range []struct {
		user string
		ids  []string
	}{
		{"reseller", []string{"1", "2", "9", "999", "abc", "-1", "99999999999999999999"}},
		{"reseller2", []string{"1", "4", "6", "21"}},
	} {
		w := e.loginAs(tc.user)
		for _, id := range tc.ids {
			if a := w.Get("/billing/dids/edit/" + id); a.Status != http.StatusNotFound || !strings.Contains(a.Body, web.TextNoSuchDID) {
				t.Errorf("%s GET %s: HTTP %d", tc.user, id, a.Status)
			}
			for _, move := range []string{"terminate", "assign", "reserve", "free", "delete"} {
				a := w.Post("/billing/dids/edit/"+id+"/"+move, url.Values{"device_id": {"6"}, "user_id": {"10"}})
				if a.Status != http.StatusNotFound {
					t.Errorf("%s POST %s/%s: HTTP %d", tc.user, id, move, a.Status)
				}
			}
		}
	}
	if e.didRows() != before {
		t.Fatal("a refused move changed the DIDs")
	}
	if a := e.loginAs("reseller").Get("/billing/dids/edit/6"); a.Status != http.StatusOK {
		t.Fatalf("the reseller's own DID: HTTP %d", a.Status)
	}
	if a := e.loginAs("admin").Post("/billing/dids/edit/1/bogus", nil); a.Status != http.StatusNotFound {
		t.Fatalf("unknown move: HTTP %d", a.Status)
	}
}

func TestDIDPagesAccess(t *testing.T) {
	e := newEnv(t, demoYAML)
	before := e.didRows()
	w := e.browser()
	for _, p := range []string{"/billing/dids/list", "/billing/dids/edit/1"} {
		if a := w.Get(p); a.Status != http.StatusSeeOther || !strings.HasPrefix(a.Location, web.LoginPath+"?return_to=") {
			t.Errorf("logged out GET %s: HTTP %d to %q", p, a.Status, a.Location)
		}
	}
	if a := w.Post("/billing/dids/edit/2/terminate", url.Values{"csrf": {"x"}}); a.Status != http.StatusForbidden {
		t.Errorf("logged out POST: HTTP %d", a.Status)
	}
	w.Get(web.LoginPath)
	if a := w.Post(web.LoginPath, url.Values{"login_username": {"bob"}, "login_psw": {"bob12345"}}); a.Status != http.StatusForbidden {
		t.Errorf("a plain user logged in: HTTP %d", a.Status)
	}
	if a := w.Get("/billing/dids/list"); a.Status != http.StatusSeeOther {
		t.Errorf("plain user sees the list: HTTP %d", a.Status)
	}
	w = e.loginAs("admin")
	w.Get("/billing/dids/edit/2")
	for _, token := range []string{"forged", ""} {
		if a := w.Post("/billing/dids/edit/2/terminate", url.Values{"csrf": {token}}); a.Status != http.StatusForbidden || !strings.Contains(a.Body, "CSRF") {
			t.Errorf("csrf %q: HTTP %d", token, a.Status)
		}
	}
	if a := e.loginAs("norights").Get("/billing/dids/edit/1"); a.Status != http.StatusForbidden ||
		!strings.Contains(a.Body, "You are not authorized to manage DIDs") {
		t.Errorf("an accountant without DID rights: HTTP %d", a.Status)
	}
	if e.didRows() != before {
		t.Fatal("a refused request changed the DIDs")
	}
}

// formsOn returns the moves an edit page offers.
func formsOn(body string, id string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`action="/billing/dids/edit/`+id+`/(\w+)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestDIDEditOffersMoves(t *testing.T) {
	e := newEnv(t, demoYAML)
	for _, tc := range []struct{ user, id, want string }{
		{"admin", "1", "assign trunk free make_free"},
		{"admin", "2", "reserve assign terminate dialplan"}, // free: onto a dial plan too
		{"admin", "3", "dialplan_free"},                     // on a dial plan: only off it
		{"admin", "4", "reserve free"},                      // a reseller's pool: the admin may take it back, not terminate it
		{"admin", "5", "make_free delete"},
		{"admin", "7", "unassign close stop"},
		{"admin", "8", "free make_free terminate"},
		{"admin", "20", "make_free"},  // it has calls
		{"admin", "21", "close stop"}, // the assign methods confine the admin to his pool
		{"reseller", "21", "unassign close stop"},
		{"reseller", "6", "assign free make_free"}, // no trunk: resellers_allow_assign_did_to_trunk is off
		{"readonly", "7", ""},
	} {
		a := e.loginAs(tc.user).Get("/billing/dids/edit/" + tc.id)
		if got := strings.Join(formsOn(a.Body, tc.id), " "); got != tc.want {
			t.Errorf("%s on DID %s: forms %q, want %q", tc.user, tc.id, got, tc.want)
		}
		if tc.want == "" && !strings.Contains(a.Body, "No move is open to you") {
			t.Errorf("%s on DID %s: no note", tc.user, tc.id)
		}
	}
}

func TestDIDEditChoices(t *testing.T) {
	e := newEnv(t, demoYAML)
	a := e.loginAs("admin").Get("/billing/dids/edit/1")
	for _, want := range []string{`<option value="1" selected>SIP/101 · bob</option>`,
		`<option value="2" selected>SIP/102 · bob</option>`} {
		if !strings.Contains(a.Body, want) {
			t.Errorf("lacks %s", want)
		}
	}
	trunk := a.Body[strings.Index(a.Body, `/edit/1/trunk"`):]
	trunk = trunk[:strings.Index(trunk, "</select>")]
	if strings.Contains(trunk, "SIP/102") || strings.Contains(trunk, "IAX2/201") {
		t.Errorf("the trunk form offers a non-trunk or another reseller's trunk: %s", trunk)
	}
	a = e.loginAs("reseller").Get("/billing/dids/edit/4")
	users := a.Body[strings.Index(a.Body, `name="user_id"`):]
	users = users[:strings.Index(users, "</select>")]
	if !strings.Contains(users, `<option value="6">carol (user)</option>`) || strings.Contains(users, "bob") ||
		strings.Contains(users, "erin") {
		t.Errorf("the reseller's reserve form: %s", users)
	}
}

// A reseller's edit page shows only the action rows he or his users made:
// the admin's rows carry the admin's comment, another reseller's the DID's
// past in his pool.
func TestDIDEditActionLogScope(t *testing.T) {
	e := newEnv(t, demoYAML)
	for _, call := range [][]string{
		{"did_details_update", "admin", "did_id", "21", "comment", "admin-secret-2"},
		{"did_details_update", "reseller2", "did_id", "9", "comment", "r2-private"},
		{"did_details_update", "admin", "did_id", "9", "did_user_id", "-1"}, // back to the admin's pool
		{"did_details_update", "admin", "did_id", "9", "did_user_id", "3"},  // into the reseller's
		{"did_close", "reseller", "dids_id", "21"},
	} {
		if got := e.call(call[0], call[1], call[2:]...); !strings.Contains(got, "successfully") {
			t.Fatalf("%v: %q", call, got)
		}
	}
	w := e.loginAs("reseller")
	log := elementText(w.Get("/billing/dids/edit/21").Body, "did-actions")
	if !strings.Contains(log, "reseller did_close") || strings.Contains(log, "admin") {
		t.Errorf("DID 21: %q", log)
	}
	a := w.Get("/billing/dids/edit/9")
	if a.Status != http.StatusOK || elementText(a.Body, "did-actions") != "Time (UTC) User Action Before After No actions yet." ||
		!strings.Contains(a.Body, `id="did-actions-scope"`) {
		t.Errorf("DID 9: HTTP %d, %q", a.Status, elementText(a.Body, "did-actions"))
	}
	for _, s := range []string{"admin-secret-2", "r2-private", "reseller2"} {
		if strings.Contains(a.Body+w.Get("/billing/dids/edit/21").Body, s) {
			t.Errorf("the reseller sees %q", s)
		}
	}
	// The admin sees every row.
	a = e.loginAs("admin").Get("/billing/dids/edit/9")
	if log := elementText(a.Body, "did-actions"); strings.Count(log, "did_details_update") != 3 || !strings.Contains(log, "reseller2") ||
		strings.Contains(a.Body, `id="did-actions-scope"`) {
		t.Errorf("the admin's log of DID 9: %q", log)
	}
}
