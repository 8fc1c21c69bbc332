package server

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"morlite/domain"
	"morlite/store"
)

// tableNow is the clock of the transition table: closing on it keeps the
// DID until 90 days later, 2026-04-01 00:00:00.
var tableNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// The demo's DIDs, one for each state of the lifecycle; rowOf prints each
// as it starts.
const (
	stFree       = "37060000001" // free u0 d0 dp0 r0
	stFreePool   = "37060000003" // free u0 d0 dp0 r3
	stReserved   = "123456789"   // reserved u5 d0 dp0 r0
	stOnDevice   = "37060000006" // active u5 d2 dp0 r0
	stOnDialplan = "37060000002" // active u0 d0 dp1 r0
	stClosed     = "37060000007" // closed u5 d2 dp0 r0 till 2030-01-01 00:00:00
	stTerminated = "37060000004" // terminated u0 d0 dp0 r0
)

// tableMethod is one column of the table: a method called by the admin with
// the parameters it needs for a DID.
type tableMethod struct {
	name   string
	method string
	params func(d domain.DID) []string
}

func byNumber(extra ...string) func(domain.DID) []string {
	return func(d domain.DID) []string { return append([]string{"did", d.Number}, extra...) }
}

func byID(name string, extra ...string) func(domain.DID) []string {
	return func(d domain.DID) []string { return append([]string{name, itoa(d.ID)}, extra...) }
}

var tableMethods = []tableMethod{
	{"TrunkAssign", "did_trunk_device_assign", byNumber("device_id", "1")},
	{"DeviceAssign", "did_device_assign", byNumber("device_id", "2")},
	{"Unassign", "did_device_unassign", byNumber()},
	{"ReserveForReseller", "did_details_update", byID("did_id", "did_user_id", "3")},
	{"ReserveForUser", "did_details_update", byID("did_id", "did_user_id", "5")},
	{"FreeWithMinus1", "did_details_update", byID("did_id", "did_user_id", "-1")},
	{"Close", "did_close", byID("dids_id")},
	{"SubscriptionStop", "did_subscription_stop", byID("did_id")},
	{"Terminate", "did_terminate", byID("dids_id")},
	{"MakeFree", "did_make_free", byID("dids_id")},
	{"Delete", "did_delete", byID("dids_id")},
	{"CreateSameNumber", "did_create", byNumber("provider_id", "1")},
}

// cell is the answer and the resulting row; an empty row means "unchanged".
type cell struct{ text, row string }

const (
	notFree         = "DID is not free"
	notTerminatedSt = "DID was not terminated. Only Free or Closed DIDs can be terminate"
	notFreed        = "DID was not freed. Only Terminated, Reserved or Closed DIDs can be freed"
	notOnDevice     = "DID is not assigned to Device."
	stopNotOnDevice = "DID is not assigned to Device"
	mustTerminate   = "DID status must be terminated"
	exists          = "DID already exists"
	updated         = "DID details successfully updated"
	till            = " till 2026-04-01 00:00:00"
)

// transitionTable is the lifecycle as the admin meets it: for each state,
// every method's answer and the row it leaves. Columns in tableMethods'
// order.
var transitionTable = []struct {
	state, number string
	cells         []cell
}{
	{"Free", stFree, []cell{
		{"DID must be reserved for a User", ""}, {"Device assigned to DID", "active u5 d2 dp0 r0"},
		{"DID is already free", ""}, {updated, "free u0 d0 dp0 r3"}, {updated, "reserved u5 d0 dp0 r0"},
		{updated, "free u0 d0 dp0 r0"}, {notOnDevice, ""}, {stopNotOnDevice, ""},
		{"DID successfully terminated", "terminated u0 d0 dp0 r0"}, {notFreed, ""}, {mustTerminate, ""}, {exists, ""}}},
	{"FreeInResellerPool", stFreePool, []cell{
		{"Your are not authorized to use this DID", ""}, {"Your are not authorized to use this DID", ""},
		{"You are not authorized to use this DID", ""}, {updated, "free u0 d0 dp0 r3"}, {updated, "reserved u5 d0 dp0 r0"},
		{updated, "free u0 d0 dp0 r0"}, {notOnDevice, ""}, {stopNotOnDevice, ""},
		{"DID was not terminated", ""}, {notFreed, ""}, {mustTerminate, ""}, {exists, ""}}},
	{"Reserved", stReserved, []cell{
		{"Device assigned to DID", "active u5 d1 dp0 r0"}, {"Device assigned to DID", "active u5 d2 dp0 r0"},
		{"DID is already free", ""}, {notFree, ""}, {notFree, ""},
		{updated, "free u0 d0 dp0 r0"}, {notOnDevice, ""}, {stopNotOnDevice, ""},
		{notTerminatedSt, ""}, {"DID successfully made available", "free u0 d0 dp0 r0"}, {mustTerminate, ""}, {exists, ""}}},
	{"ActiveOnDevice", stOnDevice, []cell{
		{notFree, ""}, {notFree, ""},
		{"Device was unassigned from DID", "free u0 d0 dp0 r0"}, {notFree, ""}, {notFree, ""},
		{notFreed, ""}, {"DID successfully closed", "closed u5 d2 dp0 r0" + till},
		{"DID was successfully closed", "closed u5 d2 dp0 r0" + till},
		{notTerminatedSt, ""}, {notFreed, ""}, {mustTerminate, ""}, {exists, ""}}},
	{"ActiveOnDialplan", stOnDialplan, []cell{
		{notFree, ""}, {notFree, ""},
		{"DID is assigned to dialplan", ""}, {notFree, ""}, {notFree, ""},
		{notFreed, ""}, {"DID is assigned to Dial Plan.", ""}, {stopNotOnDevice, ""},
		{notTerminatedSt, ""}, {notFreed, ""}, {mustTerminate, ""}, {exists, ""}}},
	{"Closed", stClosed, []cell{
		{notFree, ""}, {notFree, ""},
		{"DID is already free", ""}, {notFree, ""}, {notFree, ""},
		{updated, "free u0 d0 dp0 r0 till 2030-01-01 00:00:00"}, {"DID is already closed.", ""}, {stopNotOnDevice, ""},
		{"DID successfully terminated", "terminated u0 d0 dp0 r0 till 2030-01-01 00:00:00"},
		{"DID successfully made available", "free u0 d0 dp0 r0 till 2030-01-01 00:00:00"}, {mustTerminate, ""}, {exists, ""}}},
	{"Terminated", stTerminated, []cell{
		{"DID is terminated", ""}, {"DID is terminated", ""},
		{"DID is terminated", ""}, {notFree, ""}, {notFree, ""},
		{notFreed, ""}, {notOnDevice, ""}, {stopNotOnDevice, ""},
		{notTerminatedSt, ""}, {"DID successfully made available", "free u0 d0 dp0 r0"},
		{"DID successfully deleted", "deleted"}, {exists, ""}}},
}

// rowOf prints the columns the lifecycle moves.
func rowOf(e *env, number string) string {
	e.t.Helper()
	d, err := e.st.DIDByNumber(context.Background(), number)
	if errors.Is(err, store.ErrNotFound) {
		return "deleted"
	}
	if err != nil {
		e.t.Fatal(err)
	}
	s := fmt.Sprintf("%s u%d d%d dp%d r%d", d.Status, d.UserID, d.DeviceID, d.DialplanID, d.ResellerID)
	if !d.ClosedTill.IsZero() {
		s += " till " + d.ClosedTill.Format(domain.TimeLayout)
	}
	return s
}

// TestTransitionTable runs every DID method on a DID in every state, each on
// a fresh demo: the answer, the row, and for a refusal nothing changed; a
// success writes one action log row.
func TestTransitionTable(t *testing.T) {
	for _, st := range transitionTable {
		if len(st.cells) != len(tableMethods) {
			t.Fatalf("%s: %d cells for %d methods", st.state, len(st.cells), len(tableMethods))
		}
		for i, m := range tableMethods {
			want := st.cells[i]
			t.Run(st.state+"/"+m.name, func(t *testing.T) {
				e := newEnv(t, demoYAML)
				e.st.Now = func() time.Time { return tableNow }
				d := e.did(st.number)
				before, startRow, actions := e.didRows(), rowOf(e, st.number), len(e.actions())
				if got := e.call(m.method, "admin", m.params(d)...); got != want.text {
					t.Fatalf("answer = %q, want %q", got, want.text)
				}
				if want.row == "" {
					if after := e.didRows(); after != before {
						t.Fatalf("refusal changed the DIDs:\nbefore %s\nafter  %s", before, after)
					}
					return
				}
				if got := rowOf(e, st.number); got != want.row {
					t.Fatalf("row %q became %q, want %q", startRow, got, want.row)
				}
				if n := len(e.actions()); n != actions+1 {
					t.Fatalf("success wrote %d action rows, want 1", n-actions)
				}
			})
		}
	}
}
