package server

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"morlite/domain"
	"morlite/web"
)

// moveCase is one post of a DID edit page's move form.
type moveCase struct {
	name, user, id, move string
	form                 url.Values
	text                 string
	// api is the same move as an API request (method, then parameters),
	// which must answer the same text; nil when the API has no twin.
	api []string
	// check looks at the DID after a successful move.
	check func(t *testing.T, e *env)
}

var didViewerIDs = map[string]int64{"admin": 0, "accountant": 2, "reseller": 3, "readonly": 7}

func deviceForm(id string) url.Values { return url.Values{"device_id": {id}} }
func userForm(id string) url.Values   { return url.Values{"user_id": {id}} }

// wantDID checks a DID's status, user, device and pool.
func wantDID(number string, st domain.Status, userID, deviceID, resellerID int64) func(*testing.T, *env) {
	return func(t *testing.T, e *env) {
		t.Helper()
		d := e.did(number)
		if d.Status != st || d.UserID != userID || d.DeviceID != deviceID || d.ResellerID != resellerID {
			t.Errorf("DID %s: %s user %d device %d pool %d, want %s %d %d %d", number, d.Status,
				d.UserID, d.DeviceID, d.ResellerID, st, userID, deviceID, resellerID)
		}
	}
}

var moveSuccesses = []moveCase{
	{"Reserve", "admin", "2", "reserve", userForm("5"), "DID details successfully updated",
		[]string{"did_details_update", "did_id", "2", "did_user_id", "5"}, wantDID("37060000001", "reserved", 5, 0, 0)},
	{"ReserveByReseller", "reseller", "4", "reserve", userForm("6"), "DID details successfully updated",
		[]string{"did_details_update", "did_id", "4", "did_user_id", "6"}, wantDID("37060000003", "reserved", 6, 0, 3)},
	{"AssignDevice", "admin", "2", "assign", deviceForm("2"), "Device assigned to DID",
		[]string{"did_device_assign", "did", "37060000001", "device_id", "2"}, wantDID("37060000001", "active", 5, 2, 0)},
	{"AssignTrunk", "admin", "1", "trunk", deviceForm("1"), "Device assigned to DID",
		[]string{"did_trunk_device_assign", "did", "123456789", "device_id", "1"}, wantDID("123456789", "active", 5, 1, 0)},
	{"AssignByReseller", "reseller", "6", "assign", deviceForm("4"), "Device assigned to DID",
		[]string{"did_device_assign", "did", "37060000005", "device_id", "4"}, wantDID("37060000005", "active", 6, 4, 3)},
	{"Unassign", "admin", "7", "unassign", nil, "Device was unassigned from DID",
		[]string{"did_device_unassign", "did", "37060000006"}, wantDID("37060000006", "free", 0, 0, 0)},
	{"Close", "admin", "7", "close", nil, "DID successfully closed",
		[]string{"did_close", "dids_id", "7"}, wantClosed("37060000006")},
	{"StopByReseller", "reseller", "21", "stop", nil, "DID was successfully closed",
		[]string{"did_subscription_stop", "did_id", "21"}, wantClosed("37060000021")},
	{"Free", "admin", "8", "free", nil, "DID details successfully updated",
		[]string{"did_details_update", "did_id", "8", "did_user_id", "-1"}, wantDID("37060000007", "free", 0, 0, 0)},
	{"FreeTakesBack", "admin", "4", "free", nil, "DID details successfully updated",
		[]string{"did_details_update", "did_id", "4", "did_user_id", "-1"}, wantDID("37060000003", "free", 0, 0, 0)},
	{"MakeFree", "admin", "5", "make_free", nil, "DID successfully made available",
		[]string{"did_make_free", "dids_id", "5"}, wantDID("37060000004", "free", 0, 0, 0)},
	{"Terminate", "admin", "2", "terminate", nil, "DID successfully terminated",
		[]string{"did_terminate", "dids_id", "2"}, wantDID("37060000001", "terminated", 0, 0, 0)},
	{"Delete", "admin", "5", "delete", nil, "DID successfully deleted",
		[]string{"did_delete", "dids_id", "5"}, func(t *testing.T, e *env) {
			if _, err := e.st.DIDByNumber(t.Context(), "37060000004"); err == nil {
				t.Error("the DID is still there")
			}
		}},
}

func wantClosed(number string) func(*testing.T, *env) {
	return func(t *testing.T, e *env) {
		if d := e.did(number); d.Status != domain.StatusClosed || d.ClosedTill.IsZero() || d.DeviceID == 0 {
			t.Errorf("DID %s: %+v", number, d)
		}
	}
}

var moveRefusals = []moveCase{
	{"NotFree", "admin", "3", "assign", deviceForm("2"), "DID is not free", []string{"did_device_assign", "did", "37060000002", "device_id", "2"}, nil},
	{"NotTrunk", "admin", "10", "trunk", deviceForm("2"), "Device is not a Trunk", []string{"did_trunk_device_assign", "did", "37060000009", "device_id", "2"}, nil},
	{"MustBeReserved", "admin", "2", "trunk", deviceForm("1"), "DID must be reserved for a User", []string{"did_trunk_device_assign", "did", "37060000001", "device_id", "1"}, nil},
	{"DeviceEmpty", "admin", "2", "assign", deviceForm(""), "Device was not found", []string{"did_device_assign", "did", "37060000001", "device_id", ""}, nil},
	{"DeviceNotNumber", "admin", "2", "assign", deviceForm("abc"), "Device was not found", []string{"did_device_assign", "did", "37060000001", "device_id", "abc"}, nil},
	{"DeviceHuge", "admin", "2", "assign", deviceForm("99999999999999999999999"), "Device was not found", nil, nil},
	{"DeviceMissing", "admin", "2", "assign", nil, "Device was not found", nil, nil},
	{"OtherResellersDevice", "reseller", "6", "assign", deviceForm("6"), "Your are not authorized to use this Device", []string{"did_device_assign", "did", "37060000005", "device_id", "6"}, nil},
	{"ResellerTrunkSetting", "reseller", "6", "trunk", deviceForm("3"), "You are not authorized to manage DIDs", []string{"did_trunk_device_assign", "did", "37060000005", "device_id", "3"}, nil},
	{"AdminOutsidePool", "admin", "4", "assign", deviceForm("2"), "Your are not authorized to use this DID", []string{"did_device_assign", "did", "37060000003", "device_id", "2"}, nil},
	{"ReserveNotFree", "admin", "1", "reserve", userForm("5"), "DID is not free", []string{"did_details_update", "did_id", "1", "did_user_id", "5"}, nil},
	{"ReserveEmpty", "admin", "2", "reserve", userForm(""), "User was not found", nil, nil},
	{"ReserveNotNumber", "admin", "2", "reserve", userForm("abc"), "User was not found", []string{"did_details_update", "did_id", "2", "did_user_id", "abc"}, nil},
	{"ReserveHuge", "admin", "2", "reserve", userForm("99999999999999999999999"), "User was not found", nil, nil},
	{"ReserveMinusOneDoesNotFree", "admin", "8", "reserve", userForm("-1"), "DID is not free", nil, nil},
	{"ReserveAdmin", "admin", "2", "reserve", userForm("0"), "User was not found", []string{"did_details_update", "did_id", "2", "did_user_id", "0"}, nil},
	{"ReserveOtherResellersUser", "reseller", "4", "reserve", userForm("10"), "User was not found", []string{"did_details_update", "did_id", "4", "did_user_id", "10"}, nil},
	{"UnassignDialplan", "admin", "3", "unassign", nil, "DID is assigned to dialplan", []string{"did_device_unassign", "did", "37060000002"}, nil},
	{"UnassignClosed", "admin", "8", "unassign", nil, "DID is already free", []string{"did_device_unassign", "did", "37060000007"}, nil},
	{"CloseNotOnDevice", "admin", "1", "close", nil, "DID is not assigned to Device.", []string{"did_close", "dids_id", "1"}, nil},
	{"CloseClosed", "admin", "8", "close", nil, "DID is already closed.", []string{"did_close", "dids_id", "8"}, nil},
	{"StopNotOnDevice", "admin", "3", "stop", nil, "DID is not assigned to Device", []string{"did_subscription_stop", "did_id", "3"}, nil},
	{"FreeActive", "admin", "7", "free", nil, "DID was not freed. Only Terminated, Reserved or Closed DIDs can be freed", []string{"did_details_update", "did_id", "7", "did_user_id", "-1"}, nil},
	{"MakeFreeFree", "admin", "2", "make_free", nil, "DID was not freed. Only Terminated, Reserved or Closed DIDs can be freed", []string{"did_make_free", "dids_id", "2"}, nil},
	{"TerminateReserved", "admin", "1", "terminate", nil, "DID was not terminated. Only Free or Closed DIDs can be terminate", []string{"did_terminate", "dids_id", "1"}, nil},
	{"TerminateResellerPool", "admin", "4", "terminate", nil, "DID was not terminated", []string{"did_terminate", "dids_id", "4"}, nil},
	{"DeleteNotTerminated", "admin", "2", "delete", nil, "DID status must be terminated", []string{"did_delete", "dids_id", "2"}, nil},
	{"DeleteWithCalls", "admin", "20", "delete", nil, "Cannot delete DID associated with calls", []string{"did_delete", "dids_id", "20"}, nil},
	{"ReadonlyClose", "readonly", "7", "close", nil, "Access Denied", []string{"did_close", "dids_id", "7"}, nil},
	{"ReadonlyAssign", "readonly", "2", "assign", deviceForm("2"), "You are not authorized to manage DIDs", []string{"did_device_assign", "did", "37060000001", "device_id", "2"}, nil},
}

// postMove posts a move form as the case's user and returns the flash
// message shown on the page the post redirects to.
func postMove(t *testing.T, e *env, tc moveCase) (flashHTML, location string) {
	t.Helper()
	w := e.loginAs(tc.user)
	w.Get("/billing/dids/edit/" + tc.id)
	form := url.Values{}
	for k, v := range tc.form {
		form[k] = v
	}
	a := w.Post("/billing/dids/edit/"+tc.id+"/"+tc.move, form)
	if a.Status != http.StatusSeeOther {
		t.Fatalf("HTTP %d: %s", a.Status, a.Body)
	}
	page := w.Get(a.Location)
	i := strings.Index(page.Body, `<p class="flash`)
	if i < 0 {
		t.Fatalf("no flash message on %s", a.Location)
	}
	if again := w.Get(a.Location); strings.Contains(again.Body, `<p class="flash`) {
		t.Error("the flash message shows twice")
	}
	return page.Body[i : i+strings.Index(page.Body[i:], "</p>")+4], a.Location
}

// checkAPITwin runs the case's API request on a fresh demo and wants the
// page's text.
func checkAPITwin(t *testing.T, tc moveCase) {
	t.Helper()
	if tc.api == nil {
		return
	}
	if got := newEnv(t, demoYAML).call(tc.api[0], tc.user, tc.api[1:]...); got != tc.text {
		t.Errorf("the API answers %q, the page %q", got, tc.text)
	}
}

func TestDIDMoves(t *testing.T) {
	for _, tc := range moveSuccesses {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, demoYAML)
			n := len(e.actions())
			flash, loc := postMove(t, e, tc)
			if want := `<p class="flash ok" role="status">` + html.EscapeString(tc.text) + `</p>`; flash != want {
				t.Errorf("flash %s, want %s", flash, want)
			}
			if wantLoc := "/billing/dids/edit/" + tc.id; tc.move != "delete" && loc != wantLoc || tc.move == "delete" && loc != web.DIDListPath {
				t.Errorf("redirect to %s", loc)
			}
			tc.check(t, e)
			acts := e.actions()
			last := acts[len(acts)-1]
			if len(acts) != n+1 || last.Action != tc.api[0] || last.UserID != didViewerIDs[tc.user] || itoa(last.TargetID) != tc.id {
				t.Errorf("action log: %d rows (was %d), last %+v", len(acts), n, last)
			}
			checkAPITwin(t, tc)
		})
	}
}

func TestDIDMoveRefusals(t *testing.T) {
	for _, tc := range moveRefusals {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, demoYAML)
			before := e.didRows()
			flash, loc := postMove(t, e, tc)
			if want := `<p class="flash bad" role="status">` + html.EscapeString(tc.text) + `</p>`; flash != want {
				t.Errorf("flash %s, want %s", flash, want)
			}
			if loc != "/billing/dids/edit/"+tc.id {
				t.Errorf("redirect to %s", loc)
			}
			if e.didRows() != before {
				t.Error("a refused move changed the DIDs or the action log")
			}
			checkAPITwin(t, tc)
		})
	}
}
