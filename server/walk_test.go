package server

import (
	"encoding/xml"
	"fmt"
	"testing"
)

// seen is a DID's dids_get row as a viewer sees it, in one line: status,
// reseller, owner, device ("-" for an element left out).
func (e *env) seen(u, number string) string {
	e.t.Helper()
	dids, errText := e.listDIDs(u, "search_did_number", number)
	if errText != "" {
		return errText
	}
	if len(dids) != 1 {
		e.t.Fatalf("dids_get %s listed %d rows", number, len(dids))
	}
	d := dids[0]
	str := func(p *string) string {
		if p == nil {
			return "-"
		}
		return *p
	}
	return fmt.Sprintf("%s|%s|%s|%s", d.DIDStatus, str(d.Reseller), str(d.Owner), d.Device)
}

// TestDIDWalk drives one DID through its whole life over the API only,
// checking dids_get after every step: create, reserve for a reseller, the
// reseller reserves it for his user, trunk-assigns, unassigns, assigns to a
// device, closes, frees; the admin takes it back (a reseller-pool DID is
// not terminated, as in MOR), terminates and deletes it.
func TestDIDWalk(t *testing.T) {
	const number = "37069000001"
	e := newEnv(t, trunkOn)
	body := e.body("did_create", "admin", "provider_id", "1", "did", number)
	var created struct {
		ID string `xml:"did_details>id"`
	}
	if err := xml.Unmarshal([]byte(body), &created); err != nil || answerText(t, body) != "DID created" {
		t.Fatalf("did_create: %v\n%s", err, body)
	}
	id := created.ID
	steps := []struct {
		u, method string
		params    []string
		want      string
		admin     string // dids_get as the admin sees the DID after the step
		reseller  string // and as the reseller does
	}{
		{"admin", "did_details_update", []string{"did_id", id, "did_user_id", "3"}, "DID details successfully updated",
			"free|Test Reseller|-|", "free|-|-|"},
		{"reseller", "did_details_update", []string{"did_id", id, "did_user_id", "6"}, "DID details successfully updated",
			"reserved|Test Reseller|Carol Jones|", "reserved|-|Carol Jones|"},
		{"reseller", "did_trunk_device_assign", []string{"did", number, "device_id", "3"}, "Device assigned to DID",
			"active|Test Reseller|Carol Jones|IAX2/201", "active|-|Carol Jones|IAX2/201"},
		{"reseller", "did_device_unassign", []string{"did", number}, "Device was unassigned from DID",
			"free|Test Reseller|-|", "free|-|-|"},
		{"reseller", "did_device_assign", []string{"did", number, "device_id", "4"}, "Device assigned to DID",
			"active|Test Reseller|Carol Jones|SIP/202", "active|-|Carol Jones|SIP/202"},
		{"reseller", "did_close", []string{"dids_id", id}, "DID successfully closed",
			"closed|Test Reseller|Carol Jones|SIP/202", "closed|-|Carol Jones|SIP/202"},
		{"reseller", "did_make_free", []string{"dids_id", id}, "DID successfully made available",
			"free|Test Reseller|-|", "free|-|-|"},
		{"reseller", "did_terminate", []string{"dids_id", id}, "DID was not terminated",
			"free|Test Reseller|-|", "free|-|-|"},
		{"admin", "did_details_update", []string{"did_id", id, "did_user_id", "-1"}, "DID details successfully updated",
			"free|-|System Admin|", "No DIDs found"},
		{"admin", "did_terminate", []string{"dids_id", id}, "DID successfully terminated",
			"terminated|-|System Admin|", "No DIDs found"},
		{"admin", "did_delete", []string{"dids_id", id}, "DID successfully deleted",
			"No DIDs found", "No DIDs found"},
	}
	if got := e.seen("admin", number); got != "free|-|System Admin|" {
		t.Fatalf("after did_create the admin sees %q", got)
	}
	for i, s := range steps {
		if got := e.call(s.method, s.u, s.params...); got != s.want {
			t.Fatalf("step %d %s by %s: %q, want %q", i+1, s.method, s.u, got, s.want)
		}
		if got := e.seen("admin", number); got != s.admin {
			t.Fatalf("step %d %s: the admin sees %q, want %q", i+1, s.method, got, s.admin)
		}
		if got := e.seen("reseller", number); got != s.reseller {
			t.Fatalf("step %d %s: the reseller sees %q, want %q", i+1, s.method, got, s.reseller)
		}
	}
	if n := len(e.actions()); n != 11 {
		t.Fatalf("the walk wrote %d action rows, want 11 (every success)", n)
	}
}
