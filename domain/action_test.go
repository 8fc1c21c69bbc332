package domain

import (
	"encoding/json"
	"math"
	"strings"
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

// TestWriteJSONIsEncodingJSON: the action log's JSON writer writes every
// value byte for byte as encoding/json does: each single byte as a string,
// escapes, HTML characters, invalid UTF-8, line separators, integers at
// their bounds and the other types it hands to encoding/json.
func TestWriteJSONIsEncodingJSON(t *testing.T) {
	values := []any{"", "plain text 123", `a"b`, `a\b`, "<b>&amp;", "\u2028\u2029", "\xff\xfe", "é€😀",
		"tab\there", "del\x7f", int64(0), int64(-1), int64(math.MaxInt64), int64(math.MinInt64),
		true, nil, 1.5, 7}
	for c := 0; c < 256; c++ {
		values = append(values, string([]byte{byte(c)}), "x"+string([]byte{byte(c)})+"y")
	}
	for _, v := range values {
		var b strings.Builder
		writeJSON(&b, v)
		want, _ := json.Marshal(v)
		if b.String() != string(want) {
			t.Errorf("writeJSON(%#v) = %s, encoding/json writes %s", v, b.String(), want)
		}
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
