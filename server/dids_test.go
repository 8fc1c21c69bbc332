package server

import (
	"context"
	"testing"

	"morlite/api"
	"morlite/domain"
)

// scenario is one API call on the demo and the exact text it must answer.
type scenario struct {
	name    string
	fixture string // the demo when empty
	u       string
	params  []string
	want    string
}

// runScenarios runs a DID method's scenarios (runTable, standard
// envelope); a success must also write exactly one action row.
func runScenarios(t *testing.T, method string, tests []scenario) {
	t.Helper()
	runTable(t, method, api.EnvStatus, tests, func(t *testing.T, e *env, got string, actionsBefore int) {
		if n := len(e.actions()) - actionsBefore; n != 1 {
			t.Fatalf("success %q wrote %d action rows, want 1", got, n)
		}
	})
}

// successTexts are the methods' success answers; any other answer must
// leave the DIDs and the action log as they were.
var successTexts = map[string]bool{
	"Device assigned to DID": true, "Device was unassigned from DID": true, "DID created": true,
	"DID details successfully updated": true, "DID successfully closed": true,
	"DID was successfully closed": true, "DID successfully terminated": true,
	"DID successfully made available": true, "DID successfully deleted": true,
	shownPage: true, "Device created": true, "Device successfully updated": true,
	"Device was deleted": true, "Registration successful": true,
}

var trunkOn = withSetting(demoYAML, "resellers_allow_assign_did_to_trunk", "true")

func TestDIDTrunkDeviceAssignTexts(t *testing.T) {
	runScenarios(t, "did_trunk_device_assign", []scenario{
		{"Success", "", "admin", []string{"device_id", "1", "did", "123456789"}, "Device assigned to DID"},
		{"SuccessSeedCaller", "", "username", []string{"device_id", "1", "did", "123456789"}, "Device assigned to DID"},
		{"SuccessTrimmedNumber", "", "admin", []string{"device_id", "1", "did", " 123456789 "}, "Device assigned to DID"},
		{"SuccessLeadingZeroID", "", "admin", []string{"device_id", "0001", "did", "123456789"}, "Device assigned to DID"},
		{"SuccessReseller", trunkOn, "reseller", []string{"device_id", "3", "did", "37060000005"}, "Device assigned to DID"},
		{"ErrAccessDeniedUnknownUser", "", "nobody", []string{"device_id", "1", "did", "123456789"}, "Access Denied"},
		{"ErrAccessDeniedPlainUser", "", "bob", []string{"device_id", "1", "did", "123456789"}, "Access Denied"},
		{"ErrDeviceNotFound", "", "admin", []string{"device_id", "999", "did", "123456789"}, "Device was not found"},
		{"ErrDeviceNotFoundEmpty", "", "admin", []string{"device_id", "", "did", "123456789"}, "Device was not found"},
		{"ErrDeviceNotFoundMissing", "", "admin", []string{"did", "123456789"}, "Device was not found"},
		{"ErrDeviceNotFoundNotNumeric", "", "admin", []string{"device_id", "1abc", "did", "123456789"}, "Device was not found"},
		{"ErrDeviceNotFoundNegative", "", "admin", []string{"device_id", "-1", "did", "123456789"}, "Device was not found"},
		{"ErrDeviceNotFoundPlusSign", "", "admin", []string{"device_id", "+1", "did", "123456789"}, "Device was not found"},
		{"ErrDeviceNotFoundSpaces", "", "admin", []string{"device_id", " 1", "did", "123456789"}, "Device was not found"},
		{"ErrDeviceNotFound19Digits", "", "admin", []string{"device_id", "0000000000000000001", "did", "123456789"}, "Device was not found"},
		{"ErrDeviceNotFound30Digits", "", "admin", []string{"device_id", "999999999999999999999999999999", "did", "123456789"}, "Device was not found"},
		{"ErrDeviceNotFoundUnicodeDigits", "", "admin", []string{"device_id", "١", "did", "123456789"}, "Device was not found"},
		{"ErrDeviceNotAuthorizedReseller", "", "reseller", []string{"device_id", "1", "did", "123456789"}, "Your are not authorized to use this Device"},
		{"ErrDeviceNotAuthorizedAdmin", "", "admin", []string{"device_id", "3", "did", "123456789"}, "Your are not authorized to use this Device"},
		{"ErrDeviceNotAuthorizedOtherReseller", trunkOn, "reseller", []string{"device_id", "6", "did", "37060000003"}, "Your are not authorized to use this Device"},
		{"ErrNotAuthDIDsMgrAccountant", "", "readonly", []string{"device_id", "1", "did", "123456789"}, "You are not authorized to manage DIDs"},
		{"ErrNotAuthDIDsMgrResellerSettingOff", "", "reseller", []string{"device_id", "3", "did", "37060000005"}, "You are not authorized to manage DIDs"},
		{"ErrDIDNotFound", "", "admin", []string{"device_id", "1", "did", "999"}, "DID was not found"},
		{"ErrDIDNotFoundEmpty", "", "admin", []string{"device_id", "1", "did", ""}, "DID was not found"},
		{"ErrDIDNotFoundMissing", "", "admin", []string{"device_id", "1"}, "DID was not found"},
		{"ErrDIDNotFoundNotDigits", "", "admin", []string{"device_id", "1", "did", "12345678x"}, "DID was not found"},
		{"ErrDIDNotFoundInjection", "", "admin", []string{"device_id", "1", "did", "1' OR '1'='1"}, "DID was not found"},
		{"ErrDIDNotFound51Digits", "", "admin", []string{"device_id", "1", "did", "123456789012345678901234567890123456789012345678901"}, "DID was not found"},
		{"ErrDIDNotAuthorizedResellerPool", "", "admin", []string{"device_id", "1", "did", "37060000003"}, "Your are not authorized to use this DID"},
		{"ErrDIDNotAuthorizedOtherPool", trunkOn, "reseller", []string{"device_id", "3", "did", "37060000008"}, "Your are not authorized to use this DID"},
		{"ErrDIDTerminated", "", "admin", []string{"device_id", "1", "did", "37060000004"}, "DID is terminated"},
		{"ErrDIDNotFreeDialplan", "", "admin", []string{"device_id", "1", "did", "37060000002"}, "DID is not free"},
		{"ErrDIDNotFreeOtherDevice", "", "admin", []string{"device_id", "1", "did", "37060000006"}, "DID is not free"},
		{"ErrDIDNotFreeClosed", "", "admin", []string{"device_id", "1", "did", "37060000007"}, "DID is not free"},
		{"ErrDIDMustBeReserved", "", "admin", []string{"device_id", "1", "did", "37060000001"}, "DID must be reserved for a User"},
		{"ErrDeviceNotTrunk", "", "admin", []string{"device_id", "2", "did", "37060000009"}, "Device is not a Trunk"},
		{"ErrDeviceNotAssignedHiddenUser", trunkOn, "reseller", []string{"device_id", "5", "did", "37060000010"}, "Device was not assigned"},
	})
}

// TestDIDTrunkDeviceAssignOrder proves which check answers where two fail.
func TestDIDTrunkDeviceAssignOrder(t *testing.T) {
	runScenarios(t, "did_trunk_device_assign", []scenario{
		{"AccessDeniedBeforeDeviceNotFound", "", "nobody", []string{"device_id", "999", "did", "999"}, "Access Denied"},
		{"DeviceNotFoundBeforeDIDNotFound", "", "admin", []string{"device_id", "999", "did", "999"}, "Device was not found"},
		{"DeviceOwnerBeforeRights", "", "readonly", []string{"device_id", "3", "did", "999"}, "Your are not authorized to use this Device"},
		{"RightsBeforeDIDNotFound", "", "readonly", []string{"device_id", "1", "did", "999"}, "You are not authorized to manage DIDs"},
		{"ResellerSettingBeforeDIDChecks", "", "reseller", []string{"device_id", "3", "did", "37060000004"}, "You are not authorized to manage DIDs"},
		{"PoolBeforeTerminated", trunkOn, "reseller", []string{"device_id", "3", "did", "37060000004"}, "Your are not authorized to use this DID"},
		{"TerminatedBeforeNotFree", "", "admin", []string{"device_id", "2", "did", "37060000004"}, "DID is terminated"},
		{"NotFreeBeforeMustBeReserved", "", "admin", []string{"device_id", "2", "did", "37060000002"}, "DID is not free"},
		{"ReservedForAnotherUserIsNotFree", trunkOn, "reseller", []string{"device_id", "5", "did", "37060000005"}, "DID is not free"},
		{"MustBeReservedBeforeNotTrunk", "", "admin", []string{"device_id", "2", "did", "37060000001"}, "DID must be reserved for a User"},
	})
}

func TestDIDDeviceAssignTexts(t *testing.T) {
	runScenarios(t, "did_device_assign", []scenario{
		{"SuccessFreeDID", "", "admin", []string{"device_id", "2", "did", "37060000001"}, "Device assigned to DID"},
		{"SuccessFreeDIDOnTrunk", "", "admin", []string{"device_id", "1", "did", "37060000001"}, "Device assigned to DID"},
		{"SuccessReservedOnNonTrunk", "", "admin", []string{"device_id", "2", "did", "37060000009"}, "Device assigned to DID"},
		{"SuccessResellerNonTrunk", "", "reseller", []string{"device_id", "4", "did", "37060000005"}, "Device assigned to DID"},
		{"SuccessResellerTrunkSettingOn", trunkOn, "reseller", []string{"device_id", "3", "did", "37060000005"}, "Device assigned to DID"},
		{"ErrAccessDenied", "", "bob", []string{"device_id", "2", "did", "37060000001"}, "Access Denied"},
		{"ErrDeviceNotFound", "", "admin", []string{"device_id", "x", "did", "37060000001"}, "Device was not found"},
		{"ErrDeviceNotAuthorized", "", "reseller", []string{"device_id", "2", "did", "37060000003"}, "Your are not authorized to use this Device"},
		{"ErrNotAuthDIDsMgr", "", "readonly", []string{"device_id", "2", "did", "37060000001"}, "You are not authorized to manage DIDs"},
		{"ErrDIDNotFound", "", "admin", []string{"device_id", "2", "did", "0"}, "DID was not found"},
		{"ErrDIDNotAuthorized", "", "admin", []string{"device_id", "2", "did", "37060000003"}, "Your are not authorized to use this DID"},
		{"ErrDIDTerminated", "", "admin", []string{"device_id", "2", "did", "37060000004"}, "DID is terminated"},
		{"ErrDIDNotFree", "", "admin", []string{"device_id", "2", "did", "37060000002"}, "DID is not free"},
		{"ErrDeviceNotAssignedTrunkSettingOff", "", "reseller", []string{"device_id", "3", "did", "37060000005"}, "Device was not assigned"},
		{"ErrDeviceNotAssignedHiddenUser", "", "reseller", []string{"device_id", "5", "did", "37060000003"}, "Device was not assigned"},
		{"ResellerSettingNotCheckedAtStep4", "", "reseller", []string{"device_id", "3", "did", "37060000004"}, "Your are not authorized to use this DID"},
	})
}

func TestDIDDeviceUnassignTexts(t *testing.T) {
	runScenarios(t, "did_device_unassign", []scenario{
		{"Success", "", "admin", []string{"did", "37060000006"}, "Device was unassigned from DID"},
		{"SuccessDeviceIDIgnored", "", "admin", []string{"did", "37060000006", "device_id", "999"}, "Device was unassigned from DID"},
		{"ErrAccessDeniedUnknown", "", "nobody", []string{"did", "37060000006"}, "Access Denied"},
		{"ErrAccessDeniedPlainUser", "", "bob", []string{"did", "37060000006"}, "Access Denied"},
		{"ErrNotAuthDIDsMgr", "", "readonly", []string{"did", "37060000006"}, "You are not authorized to manage DIDs"},
		{"ErrDIDNotFound", "", "admin", []string{"did", "999"}, "DID was not found"},
		{"ErrDIDNotFoundEmpty", "", "admin", []string{"did", ""}, "DID was not found"},
		{"ErrDIDNotFoundMissing", "", "admin", nil, "DID was not found"},
		{"ErrDIDNotAuthorized", "", "admin", []string{"did", "37060000003"}, "You are not authorized to use this DID"},
		{"ErrDIDTerminated", "", "admin", []string{"did", "37060000004"}, "DID is terminated"},
		{"ErrDIDAlreadyFreeFree", "", "admin", []string{"did", "37060000001"}, "DID is already free"},
		{"ErrDIDAlreadyFreeReserved", "", "admin", []string{"did", "123456789"}, "DID is already free"},
		{"ErrDIDAlreadyFreeClosed", "", "admin", []string{"did", "37060000007"}, "DID is already free"},
		{"ErrDIDOnDialplan", "", "admin", []string{"did", "37060000002"}, "DID is assigned to dialplan"},
		{"RightsBeforeDIDNotFound", "", "readonly", []string{"did", "999"}, "You are not authorized to manage DIDs"},
		{"PoolBeforeTerminated", "", "reseller", []string{"did", "37060000004"}, "You are not authorized to use this DID"},
		{"TerminatedBeforeAlreadyFree", "", "admin", []string{"did", "37060000004"}, "DID is terminated"},
	})
}

func TestAssignChangesRow(t *testing.T) {
	e := newEnv(t, demoYAML)
	before := e.did("123456789")
	if got := e.call("did_trunk_device_assign", "admin", "device_id", "1", "did", "123456789"); got != "Device assigned to DID" {
		t.Fatal(got)
	}
	after := e.did("123456789")
	want := before
	want.Status, want.DeviceID, want.UserID = domain.StatusActive, 1, 5
	if after != want {
		t.Fatalf("row after assign = %+v, want %+v", after, want)
	}
	if got := e.call("did_device_unassign", "admin", "did", "123456789"); got != "Device was unassigned from DID" {
		t.Fatal(got)
	}
	want.Status, want.DeviceID, want.UserID = domain.StatusFree, 0, 0
	if got := e.did("123456789"); got != want {
		t.Fatalf("row after unassign = %+v, want %+v", got, want)
	}
	w, err := e.st.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(w.Actions); n != 2 || w.Actions[0].Action != "did_trunk_device_assign" || w.Actions[1].Action != "did_device_unassign" {
		t.Fatalf("action log = %+v", w.Actions)
	}
}

// TestWriteFailureTexts makes the UPDATE fail inside SQLite and checks the
// method's own "write fails" text.
func TestWriteFailureTexts(t *testing.T) {
	for _, tt := range []struct{ method, did, device, want string }{
		{"did_trunk_device_assign", "123456789", "1", "Device was not assigned"},
		{"did_device_assign", "37060000001", "2", "Device was not assigned"},
		{"did_device_unassign", "37060000006", "", "Failed to unassign DID"},
	} {
		t.Run(tt.method, func(t *testing.T) {
			e := newEnv(t, demoYAML)
			e.exec(`CREATE TRIGGER fail BEFORE UPDATE ON dids BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`)
			before := e.didRows()
			params := []string{"did", tt.did}
			if tt.device != "" {
				params = append(params, "device_id", tt.device)
			}
			if got := e.call(tt.method, "admin", params...); got != tt.want {
				t.Fatalf("answer = %q, want %q", got, tt.want)
			}
			if e.didRows() != before {
				t.Fatal("a failed write changed the DIDs")
			}
			if !contains(e.logText(), "disk on fire") {
				t.Fatal("the write failure's detail is not in the log")
			}
		})
	}
}
