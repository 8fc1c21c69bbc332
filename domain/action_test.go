package domain

import (
	"testing"
	"time"
)

func TestDIDActionRecordsChangedColumns(t *testing.T) {
	before := DID{ID: 7, Number: "123", Status: StatusReserved, UserID: 5}
	after := before
	after.Status, after.DeviceID = StatusActive, 2
	admin := Caller{User: &User{ID: 0, UserType: Admin}}
	a := DIDAction(time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC), admin, "did_device_assign", before, after)
	if a.Data != `{"device_id":0,"status":"reserved"}` || a.Data2 != `{"device_id":2,"status":"active"}` {
		t.Fatalf("data %s -> %s", a.Data, a.Data2)
	}
	if a.TargetID != 7 || a.TargetType != "did" || a.UserID != 0 || a.Date.Nanosecond() != 0 {
		t.Fatalf("action %+v", a)
	}
	created := DIDCreatedAction(time.Now(), admin, after)
	want := `{"call_limit":0,"closed_till":"","comment":"","device_id":2,"dialplan_id":0,"did":"123","grace_time":0,` +
		`"language":"","provider_id":0,"reseller_comment":"","reseller_id":0,"status":"active","user_id":5}`
	if created.Data != "{}" || created.Data2 != want {
		t.Fatalf("created: %s -> %s", created.Data, created.Data2)
	}
}

// TestActionByNobody: a row written with no known caller names user -1,
// never the admin's 0.
func TestActionByNobody(t *testing.T) {
	d := DID{ID: 7, Number: "123", Status: StatusFree}
	if a := DIDAction(time.Now(), Caller{}, "did_device_assign", d, d); a.UserID != -1 {
		t.Fatalf("user_id %d, want -1", a.UserID)
	}
	if a := DIDAction(time.Now(), Caller{User: &User{ID: 3}}, "did_device_assign", d, d); a.UserID != 3 {
		t.Fatalf("user_id %d, want the caller's 3", a.UserID)
	}
}
