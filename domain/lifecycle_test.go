package domain

import (
	"testing"
	"time"
)

// TestLifecycleCoversEveryMove: each move has its row, and a refused move
// returns no DID.
func TestLifecycleCoversEveryMove(t *testing.T) {
	moves := []Move{MoveTrunkAssign, MoveDeviceAssign, MoveUnassign, MoveReserveReseller, MoveReserveUser,
		MoveFree, MoveClose, MoveStop, MoveTerminate, MoveMakeFree, MoveDelete}
	if len(moves) != len(lifecycle) {
		t.Fatalf("%d moves listed, %d in the lifecycle", len(moves), len(lifecycle))
	}
	for _, m := range moves {
		mv, ok := lifecycle[m]
		if !ok || mv.refuse == nil || mv.apply == nil {
			t.Errorf("%s has no complete row", m)
		}
	}
	got, err := Step(MoveDelete, DID{ID: 1, Status: StatusFree}, MoveArgs{})
	if err != ErrDIDNotTerminatedDelete || got != (DID{}) {
		t.Fatalf("refused delete = %+v, %v", got, err)
	}
}

// TestCloseKeepsUntilDays: closed_till is now (UTC, to the second) plus
// the setting's days; nothing else but the status changes.
func TestCloseKeepsUntilDays(t *testing.T) {
	d := DID{ID: 7, Status: StatusActive, DeviceID: 2, UserID: 5, ResellerID: 3, Comment: "x"}
	now := mustTime(t, "2026-12-31 23:59:59")
	got, err := Step(MoveClose, d, MoveArgs{Now: now.Add(500e6), DaysForClose: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := d
	want.Status, want.ClosedTill = StatusClosed, mustTime(t, "2027-01-01 23:59:59")
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(TimeLayout, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
