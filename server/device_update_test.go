package server

import (
	"testing"

	"morlite/api"
)

func TestDeviceUpdateTexts(t *testing.T) {
	ok := "Device successfully updated"
	runEnvScenarios(t, "device_update", api.EnvStatus, []scenario{
		{"Success", "", "admin", []string{"device", "2", "trunk", "1"}, ok},
		{"SuccessNothingSent", "", "admin", []string{"device", "2"}, ok},
		{"SuccessAccountant", "", "accountant", []string{"device", "2", "description", "x"}, ok},
		{"SuccessReseller", "", "reseller", []string{"device", "4", "hidden", "1"}, ok},
		{"SuccessOwnPIN", "", "admin", []string{"device", "33", "pin", "123456"}, ok},
		{"SuccessOwnExtension", "", "admin", []string{"device", "2", "extension", "102"}, ok},
		{"SuccessAdminUsersTrunkWithDIDs", "", "admin", []string{"device", "2", "trunk", "2"}, ok},
		{"SuccessResellerTrunkWithDIDsSettingOn", trunkOn, "reseller", []string{"device", "4", "trunk", "1"}, ok},
		{"SuccessAlreadyTrunk", "", "reseller", []string{"device", "3", "trunk", "2"}, ok},
		{"ErrAccessDeniedUnknown", "", "nobody", []string{"device", "2"}, "Access Denied"},
		{"ErrAccessDeniedPlainUser", "", "bob", []string{"device", "2"}, "Access Denied"},
		{"ErrNotAuthorisedReadOnly", "", "readonly", []string{"device", "2"}, "You are not authorised to use this functionality"},
		{"ErrNotAuthorisedNoRight", "", "createonly", []string{"device", "2"}, "You are not authorised to use this functionality"},
		{"ErrDeviceNotFound", "", "admin", []string{"device", "999"}, "Device was not found"},
		{"ErrDeviceNotFoundMissing", "", "admin", nil, "Device was not found"},
		{"ErrDeviceNotFoundEmpty", "", "admin", []string{"device", ""}, "Device was not found"},
		{"ErrDeviceNotFoundHostile", "", "admin", []string{"device", "2 OR 1=1"}, "Device was not found"},
		{"ErrDeviceNotFoundAll", "", "admin", []string{"device", "all"}, "Device was not found"},
		{"ErrDeviceNotFoundResellerAdminsDevice", "", "reseller", []string{"device", "1"}, "Device was not found"},
		{"ErrDeviceNotFoundResellerOtherReseller", "", "reseller", []string{"device", "6"}, "Device was not found"},
		{"ErrDeviceNotFoundAdminResellersDevice", "", "admin", []string{"device", "3"}, "Device was not found"},
		{"ErrInvalidAuthentication", "", "admin", []string{"device", "2", "authentication", "2"}, "Invalid authentication"},
		{"ErrInvalidAuthenticationEmpty", "", "admin", []string{"device", "2", "authentication", ""}, "Invalid authentication"},
		{"ErrInvalidTrunk", "", "admin", []string{"device", "2", "trunk", "3"}, "Invalid trunk"},
		{"ErrInvalidHidden", "", "admin", []string{"device", "2", "hidden", "2"}, "Invalid hidden"},
		{"ErrInvalidPort", "", "admin", []string{"device", "2", "authentication", "1", "host", "10.0.0.1", "port", "50a"}, "Invalid port"},
		{"ErrInvalidPortEmpty", "", "admin", []string{"device", "2", "port", ""}, "Invalid port"},
		{"ErrInvalidCallLimit", "", "admin", []string{"device", "2", "call_limit", "-1"}, "Invalid call_limit"},
		{"ErrPINUsed", "", "admin", []string{"device", "2", "pin", "123456"}, "PIN is already used"},
		{"ErrPINNotNumeric", "", "admin", []string{"device", "2", "pin", "12 34"}, "PIN must be numeric"},
		{"ErrExtensionUsed", "", "admin", []string{"device", "2", "extension", "101"}, "Extension is already used"},
		{"ErrExtensionUsedOtherUser", "", "reseller", []string{"device", "4", "extension", "401"}, "Extension is already used"},
		{"ErrInvalidExtensionEmpty", "", "admin", []string{"device", "2", "extension", ""}, "Invalid extension"},
		{"ErrInvalidUsernameTaken", "", "admin", []string{"device", "2", "authentication", "0", "username", "101"}, "Invalid username"},
		{"ErrTrunkHasDIDs", "", "reseller", []string{"device", "4", "trunk", "1"}, "Did is assigned to device, you cannot make it a trunk"},
		{"ErrTrunkHasDIDsANI", "", "reseller", []string{"device", "4", "trunk", "2"}, "Did is assigned to device, you cannot make it a trunk"},
	})
}

// TestDeviceUpdateOrder proves which check answers where two fail.
func TestDeviceUpdateOrder(t *testing.T) {
	runEnvScenarios(t, "device_update", api.EnvStatus, []scenario{
		{"RightBeforeNotFound", "", "readonly", []string{"device", "999"}, "You are not authorised to use this functionality"},
		{"NotFoundBeforeInvalid", "", "admin", []string{"device", "999", "trunk", "9"}, "Device was not found"},
		{"AuthenticationBeforeTrunk", "", "admin", []string{"device", "2", "authentication", "x", "trunk", "9"}, "Invalid authentication"},
		{"TrunkBeforeHidden", "", "admin", []string{"device", "2", "trunk", "9", "hidden", "9"}, "Invalid trunk"},
		{"CallLimitBeforePINUsed", "", "admin", []string{"device", "2", "call_limit", "x", "pin", "123456"}, "Invalid call_limit"},
		{"PINUsedBeforeExtension", "", "admin", []string{"device", "2", "pin", "123456", "extension", "101"}, "PIN is already used"},
		{"PINNumericBeforeExtension", "", "admin", []string{"device", "2", "pin", "x", "extension", "101"}, "PIN must be numeric"},
		{"InvalidBeforeTrunkDIDs", "", "reseller", []string{"device", "4", "trunk", "1", "hidden", "5"}, "Invalid hidden"},
		{"ExtensionBeforeTrunkDIDs", "", "reseller", []string{"device", "4", "trunk", "1", "extension", "401"}, "Extension is already used"},
	})
}

func TestDeviceUpdateMapping(t *testing.T) {
	e := newEnv(t, demoYAML)
	update := func(kv ...string) {
		t.Helper()
		if got := e.call("device_update", "admin", kv...); got != "Device successfully updated" {
			t.Fatalf("%v: %q", kv, got)
		}
	}
	update("device", "2", "trunk", "2")
	if d, _ := e.device(2); !d.IsTrunk || !d.ANI {
		t.Fatalf("trunk 2: %+v", d)
	}
	update("device", "2", "trunk", "1")
	if d, _ := e.device(2); !d.IsTrunk || d.ANI {
		t.Fatalf("trunk 1: %+v", d)
	}
	update("device", "2", "trunk", "0")
	if d, _ := e.device(2); d.IsTrunk || d.ANI {
		t.Fatalf("trunk 0: %+v", d)
	}
	update("device", "2", "authentication", "1", "host", "10.0.0.9", "port", "5061")
	if d, _ := e.device(2); d.Host != "10.0.0.9" || d.IPAddr != "10.0.0.9" || d.Port != 5061 {
		t.Fatalf("authentication 1: %+v", d)
	}
	update("device", "2", "authentication", "0", "username", "bobdesk", "password", "s3cr3t")
	if d, _ := e.device(2); d.Host != "dynamic" || d.Username != "bobdesk" || d.Secret != "s3cr3t" {
		t.Fatalf("authentication 0: %+v", d)
	}
	update("device", "2", "callerid_number", "37060", "callerid_name", "Bob Smith")
	if d, _ := e.device(2); d.CallerID != `"Bob Smith" <37060>` {
		t.Fatalf("callerid: %q", d.CallerID)
	}
	update("device", "2", "callerid_number", "37061")
	if d, _ := e.device(2); d.CallerID != `"Bob Smith" <37061>` {
		t.Fatalf("callerid number only: %q", d.CallerID)
	}
	update("device", "2", "description", "desk", "pin", " 4321 ", "extension", "1102", "call_limit", "3",
		"hidden", "1", "language", "lt")
	d, _ := e.device(2)
	if d.Description != "desk" || d.PIN != "4321" || d.Extension != "1102" || d.CallLimit != 3 ||
		!d.Hidden || d.Language != "lt" || d.Name != "102" {
		t.Fatalf("fields: %+v", d)
	}
	update("device", "2", "pin", "")
	if d, _ := e.device(2); d.PIN != "" {
		t.Fatalf("pin= left %q", d.PIN)
	}
	if !contains(e.worldRows(), `Action:device_update TargetType:device TargetID:2 Data:{"pin":"4321"} Data2:{"pin":""}`) {
		t.Fatalf("action log: %s", e.worldRows())
	}
}
