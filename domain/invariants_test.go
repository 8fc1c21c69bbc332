package domain

import (
	"strings"
	"testing"
	"time"
)

// modelWorld is a small world in which every DID keeps the model.
func modelWorld() *World {
	closed := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	return &World{
		Users:     []User{{ID: 0, UserType: Admin}, {ID: 3, UserType: Reseller}, {ID: 5, UserType: PlainUser}},
		Devices:   []Device{{ID: 1, UserID: 5}},
		Dialplans: []Dialplan{{ID: 1}},
		Providers: []Provider{{ID: 1}},
		DIDs: []DID{
			{ID: 1, Number: "1", Status: StatusFree, ProviderID: 1},
			{ID: 2, Number: "2", Status: StatusFree, ResellerID: 3},
			{ID: 3, Number: "3", Status: StatusReserved, UserID: 5},
			{ID: 4, Number: "4", Status: StatusActive, UserID: 5, DeviceID: 1},
			{ID: 5, Number: "5", Status: StatusActive, DialplanID: 1},
			{ID: 6, Number: "6", Status: StatusActive, UserID: 5}, // left by device_delete
			{ID: 7, Number: "7", Status: StatusClosed, UserID: 5, DeviceID: 1, ClosedTill: closed},
			{ID: 8, Number: "8", Status: StatusTerminated},
		},
		Actions: []Action{{ID: 1, TargetType: "did", TargetID: 4, Action: "did_device_assign",
			Data: `{"status":"free"}`, Data2: `{"device_id":1,"status":"active","user_id":5}`}},
	}
}

// TestCheckDIDInvariants breaks each rule of the DID model once and expects
// the checker to name it, and a sound world to pass.
func TestCheckDIDInvariants(t *testing.T) {
	if errs := CheckDIDInvariants(modelWorld()); len(errs) != 0 {
		t.Fatalf("sound world: %v", errs)
	}
	tests := []struct {
		name string
		brk  func(w *World)
		want string
	}{
		{"FreeWithUser", func(w *World) { w.DIDs[0].UserID = 5 }, "a free DID has user_id"},
		{"FreeOnDialplan", func(w *World) { w.DIDs[0].DialplanID = 1 }, "a free DID has user_id"},
		{"ReservedNoUser", func(w *World) { w.DIDs[2].UserID = 0 }, "names the user it is reserved for"},
		{"ReservedOnDevice", func(w *World) { w.DIDs[2].DeviceID = 1 }, "a reserved DID has device_id"},
		{"ActiveBoth", func(w *World) { w.DIDs[3].DialplanID = 1 }, "not both"},
		{"ActiveWrongUser", func(w *World) { w.DIDs[3].UserID = 3 }, "is not device 1's user"},
		{"ClosedNoUser", func(w *World) { w.DIDs[6].UserID, w.DIDs[6].DeviceID = 0, 0 }, "keeps its user"},
		{"ClosedDialplan", func(w *World) { w.DIDs[6].DialplanID = 1 }, "a closed DID has no dial plan"},
		{"ClosedNoTill", func(w *World) { w.DIDs[6].ClosedTill = time.Time{} }, "has closed_till"},
		{"TerminatedReseller", func(w *World) { w.DIDs[7].ResellerID = 3 }, "a terminated DID has"},
		{"BadStatus", func(w *World) { w.DIDs[0].Status = "lost" }, "unknown status"},
		{"DuplicateNumber", func(w *World) { w.DIDs[1].Number = "1" }, "also used by DID 1"},
		{"NotDigits", func(w *World) { w.DIDs[1].Number = " 2" }, "not 1 to 50 digits"},
		{"MissingDevice", func(w *World) { w.DIDs[3].DeviceID = 9 }, "device_id 9 names no device"},
		{"MissingUser", func(w *World) { w.DIDs[2].UserID = 9 }, "user_id 9 names no user"},
		{"ResellerNotReseller", func(w *World) { w.DIDs[1].ResellerID = 5 }, "reseller_id 5 names no reseller"},
		{"MissingDialplan", func(w *World) { w.DIDs[4].DialplanID = 9 }, "dialplan_id 9 names no dial plan"},
		{"MissingProvider", func(w *World) { w.DIDs[0].ProviderID = 9 }, "provider_id 9 names no provider"},
		{"HalfApplied", func(w *World) { w.DIDs[3].Status, w.DIDs[3].DeviceID, w.DIDs[3].UserID = StatusFree, 0, 0 }, "action 1 (did_device_assign) left"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := modelWorld()
			tt.brk(w)
			errs := CheckDIDInvariants(w)
			var all []string
			for _, e := range errs {
				all = append(all, e.Error())
			}
			if !strings.Contains(strings.Join(all, "\n"), tt.want) {
				t.Fatalf("errors %q do not name %q", all, tt.want)
			}
		})
	}
}

// TestCheckDIDInvariantsEdges: a number of exactly 50 digits is sound and
// one of 51 is not; the last move of a DID is its action of the highest id,
// in whatever order the log is read.
func TestCheckDIDInvariantsEdges(t *testing.T) {
	w := modelWorld()
	w.DIDs[0].Number = strings.Repeat("9", 50)
	if errs := CheckDIDInvariants(w); len(errs) != 0 {
		t.Fatalf("a 50-digit number: %v", errs)
	}
	w.DIDs[0].Number += "9"
	if errs := CheckDIDInvariants(w); len(errs) != 1 || !strings.Contains(errs[0].Error(), "not 1 to 50 digits") {
		t.Fatalf("a 51-digit number: %v", errs)
	}
	for name, order := range map[string][]int{"Ascending": {0, 1}, "Descending": {1, 0}} {
		t.Run(name, func(t *testing.T) {
			w := modelWorld()
			w.DIDs[3].Status, w.DIDs[3].DeviceID, w.DIDs[3].UserID = StatusFree, 0, 0
			moves := []Action{w.Actions[0], {ID: 2, TargetType: "did", TargetID: 4, Action: "did_device_unassign",
				Data: `{"device_id":1,"status":"active","user_id":5}`, Data2: `{"device_id":0,"status":"free","user_id":0}`}}
			w.Actions = []Action{moves[order[0]], moves[order[1]]}
			if errs := CheckDIDInvariants(w); len(errs) != 0 {
				t.Fatalf("the row is as the last move left it: %v", errs)
			}
		})
	}
}

// TestCheckDIDChangesOnlyNewActions: a move logged before the first state
// does not excuse a change made after it.
func TestCheckDIDChangesOnlyNewActions(t *testing.T) {
	before := modelWorld()
	before.Actions = append(before.Actions, Action{ID: 2, TargetType: "did", TargetID: 2, Action: "did_details_update"})
	after := modelWorld()
	after.Actions = before.Actions
	after.DIDs[1].Comment = "changed with no new row"
	var all []string
	for _, e := range CheckDIDChanges(before, after) {
		all = append(all, e.Error())
	}
	if text := strings.Join(all, "\n"); !strings.Contains(text, "without did_details_update") || !strings.Contains(text, "no action log row") {
		t.Fatalf("errors %q, want the comment change reported, with no row for it", all)
	}
}

// TestCheckDIDChanges: columns no move may change are caught, and a logged
// move passes.
func TestCheckDIDChanges(t *testing.T) {
	before := modelWorld()
	after := modelWorld()
	after.DIDs[1].Status, after.DIDs[1].UserID, after.DIDs[1].DeviceID = StatusActive, 5, 1
	after.Actions = append(after.Actions, Action{ID: 2, TargetType: "did", TargetID: 2, Action: "did_device_assign"})
	if errs := CheckDIDChanges(before, after); len(errs) != 0 {
		t.Fatalf("a logged move: %v", errs)
	}
	after.DIDs[1].Comment = "x"
	after.DIDs[1].ClosedTill = time.Now()
	after.DIDs[0].Status = StatusReserved
	after.DIDs[2].Number = "99"
	var all []string
	for _, e := range CheckDIDChanges(before, after) {
		all = append(all, e.Error())
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{"without did_details_update", "closed_till changed", "no action log row", "its number changed"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q not reported; got:\n%s", want, text)
		}
	}
}
