package server

import (
	"context"
	"testing"

	"morlite/api"
	"morlite/domain"
	"morlite/fixtures"
)

func TestDeviceDeleteTexts(t *testing.T) {
	ok := "Device was deleted"
	runEnvScenarios(t, "device_delete", api.EnvPage, []scenario{
		{"Success", "", "admin", []string{"device", "2"}, ok},
		{"SuccessAccountant", "", "accountant", []string{"device", "2"}, ok},
		{"SuccessReseller", "", "reseller", []string{"device", "4"}, ok},
		{"ErrBadLogin", "", "nobody", []string{"device", "2"}, "Bad login"},
		{"ErrDeviceNotFound", "", "admin", []string{"device", "999"}, "Device was not found"},
		{"ErrDeviceNotFoundEmpty", "", "admin", []string{"device", ""}, "Device was not found"},
		{"ErrDeviceNotFoundMissing", "", "admin", nil, "Device was not found"},
		{"ErrDeviceNotFoundNotDigits", "", "admin", []string{"device", "2'--"}, "Device was not found"},
		{"ErrAccessDeniedPlainUserOwnDevice", "", "bob", []string{"device", "2"}, "Access Denied"},
		{"ErrAccessDeniedResellerAdminsDevice", "", "reseller", []string{"device", "2"}, "Access Denied"},
		{"ErrAccessDeniedResellerOtherReseller", "", "reseller", []string{"device", "6"}, "Access Denied"},
		{"ErrAccessDeniedAdminResellersDevice", "", "admin", []string{"device", "3"}, "Access Denied"},
		{"ErrNoRightsReadOnly", "", "readonly", []string{"device", "2"}, "You do not have rights to edit this"},
		{"ErrNoRightsNone", "", "createonly", []string{"device", "2"}, "You do not have rights to edit this"},
		{"ErrHasCalls", "", "admin", []string{"device", "30"}, "Cannot delete device - it has calls. You can only hide device's user. Why is that and how to do that - please read in manual."},
		{"ErrHasDialplans", "", "admin", []string{"device", "31"}, "Device has Dial Plans - we cannot delete it"},
		{"OrderBadLoginFirst", "", "nobody", []string{"device", "999"}, "Bad login"},
		{"OrderNotFoundBeforeAccessDenied", "", "bob", []string{"device", "999"}, "Device was not found"},
		{"OrderAccessDeniedBeforeRights", "", "readonly", []string{"device", "3"}, "Access Denied"},
		{"OrderRightsBeforeCalls", "", "readonly", []string{"device", "30"}, "You do not have rights to edit this"},
	})
}

func TestDeviceDeleteCallsBeforeDialplans(t *testing.T) {
	e := newEnv(t, demoYAML)
	e.exec("UPDATE devices SET call_count = 1 WHERE id = 31")
	want := "Cannot delete device - it has calls. You can only hide device's user. Why is that and how to do that - please read in manual."
	if got := oldText(t, e.post("device_destroy", sign("device_destroy", "admin", "device", "31")).Body.String()); got != want {
		t.Fatalf("answer %q", got)
	}
}

// TestDeviceDeleteKeepsDIDs proves MOR's way: the DIDs on the device keep
// their status and user with device 0, and a deleted primary device leaves
// 0, which survives export and load.
func TestDeviceDeleteKeepsDIDs(t *testing.T) {
	e := newEnv(t, demoYAML)
	active, closed := e.did("37060000006"), e.did("37060000007")
	if got := oldText(t, e.post("device_destroy", sign("device_destroy", "admin", "device", "2")).Body.String()); got != "Device was deleted" {
		t.Fatalf("answer %q", got)
	}
	for _, before := range []domain.DID{active, closed} {
		after := e.did(before.Number)
		want := before
		want.DeviceID = 0
		if after != want {
			t.Fatalf("DID %s: %+v, want %+v", before.Number, after, want)
		}
	}
	if _, ok := e.device(2); ok {
		t.Fatal("device 2 still there")
	}
	if got := oldText(t, e.post("device_delete", sign("device_delete", "admin", "device", "1")).Body.String()); got != "Device was deleted" {
		t.Fatalf("deleting the primary device: %q", got)
	}
	ctx := context.Background()
	bob, _ := e.st.UserByID(ctx, 5)
	if bob.PrimaryDeviceID != 0 {
		t.Fatalf("bob's primary device = %d after deleting it", bob.PrimaryDeviceID)
	}
	w, err := e.st.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	text, err := fixtures.Export(w)
	if err != nil {
		t.Fatal(err)
	}
	back, err := fixtures.Parse("export.yaml", text, e.st.Now())
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	for _, u := range back.Users {
		if u.ID == 5 && u.PrimaryDeviceID != 0 {
			t.Fatalf("after export and load bob's primary device is %d, want 0", u.PrimaryDeviceID)
		}
	}
	var deviceRows, didRows int
	for _, a := range w.Actions {
		if a.Action == "device_delete" && a.TargetType == "device" {
			deviceRows++
		}
		if a.Action == "device_delete" && a.TargetType == "did" {
			didRows++
		}
	}
	if deviceRows != 2 || didRows != 2 {
		t.Fatalf("action log: %+v", w.Actions)
	}
}
