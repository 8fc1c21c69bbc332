package server

import "testing"

// resellerCreates lets resellers create DIDs, with provider 1 as their
// default.
var resellerCreates = withSetting(withSetting(demoYAML, "resellers_can_add_their_own_dids", "true"),
	"did_default_provider_to_resellers", "1")

// resellerCreatesNoDefault lets resellers create DIDs without a default
// provider.
var resellerCreatesNoDefault = withSetting(demoYAML, "resellers_can_add_their_own_dids", "true")

func TestDIDCreateTexts(t *testing.T) {
	runScenarios(t, "did_create", []scenario{
		{"Success", "", "admin", []string{"provider_id", "1", "did", "37069000001"}, "DID created"},
		{"SuccessTrimmed", "", "admin", []string{"provider_id", "1", "did", " 37069000001 "}, "DID created"},
		{"SuccessAccountant", "", "accountant", []string{"provider_id", "1", "did", "37069000001"}, "DID created"},
		{"SuccessResellerDefaultProvider", resellerCreates, "reseller", []string{"did", "37069000001"}, "DID created"},
		{"SuccessResellerOwnProvider", resellerCreatesNoDefault, "reseller", []string{"provider_id", "21", "did", "37069000001"}, "DID created"},
		{"ErrAccessDeniedUnknown", "", "nobody", []string{"provider_id", "1", "did", "37069000001"}, "Access Denied"},
		{"ErrAccessDeniedPlainUser", "", "bob", []string{"provider_id", "1", "did", "37069000001"}, "Access Denied"},
		{"ErrProviderNotFound", "", "admin", []string{"provider_id", "999", "did", "37069000001"}, "Provider was not found"},
		{"ErrProviderNotFoundMissing", "", "admin", []string{"did", "37069000001"}, "Provider was not found"},
		{"ErrProviderNotFoundEmpty", "", "admin", []string{"provider_id", "", "did", "37069000001"}, "Provider was not found"},
		{"ErrProviderNotFoundNotDigits", "", "admin", []string{"provider_id", "1 OR 1=1", "did", "37069000001"}, "Provider was not found"},
		{"ErrProviderNotFoundHidden", "", "admin", []string{"provider_id", "20", "did", "37069000001"}, "Provider was not found"},
		{"ErrProviderNotFoundResellerNoDefault", resellerCreatesNoDefault, "reseller", []string{"did", "37069000001"}, "Provider was not found"},
		{"ErrProviderNotAuthorizedAdmin", "", "admin", []string{"provider_id", "21", "did", "37069000001"}, "Your are not authorized to use this Provider"},
		{"ErrProviderNotAuthorizedReseller", resellerCreatesNoDefault, "reseller", []string{"provider_id", "1", "did", "37069000001"}, "Your are not authorized to use this Provider"},
		{"ErrNotAuthDIDsMgrAccountant", "", "readonly", []string{"provider_id", "1", "did", "37069000001"}, "You are not authorized to manage DIDs"},
		{"ErrNotAuthDIDsMgrResellerSettingOff", "", "reseller", []string{"provider_id", "21", "did", "37069000001"}, "You are not authorized to manage DIDs"},
		{"ErrDIDExists", "", "admin", []string{"provider_id", "1", "did", "123456789"}, "DID already exists"},
		{"ErrDIDExistsTrimmed", "", "admin", []string{"provider_id", "1", "did", " 123456789 "}, "DID already exists"},
		{"ErrDIDExistsOtherPool", resellerCreates, "reseller", []string{"did", "37060000008"}, "DID already exists"},
		{"ErrDIDInvalid", "", "admin", []string{"provider_id", "1", "did", "3706x"}, "Invalid DID specified"},
		{"ErrDIDInvalidEmpty", "", "admin", []string{"provider_id", "1", "did", ""}, "Invalid DID specified"},
		{"ErrDIDInvalidMissing", "", "admin", []string{"provider_id", "1"}, "Invalid DID specified"},
		{"ErrDIDInvalidNegative", "", "admin", []string{"provider_id", "1", "did", "-1"}, "Invalid DID specified"},
		{"ErrDIDInvalid51Digits", "", "admin", []string{"provider_id", "1", "did", "123456789012345678901234567890123456789012345678901"}, "Invalid DID specified"},
		{"ErrDIDInvalidUnicodeDigits", "", "admin", []string{"provider_id", "1", "did", "١٢٣"}, "Invalid DID specified"},
		{"ProviderBeforeRights", "", "readonly", []string{"provider_id", "999", "did", "123456789"}, "Provider was not found"},
		{"RightsBeforeExists", "", "readonly", []string{"provider_id", "1", "did", "123456789"}, "You are not authorized to manage DIDs"},
	})
}

func TestDIDDetailsUpdateTexts(t *testing.T) {
	runScenarios(t, "did_details_update", []scenario{
		{"SuccessEdit", "", "admin", []string{"did_id", "2", "call_limit", "10", "comment", "x", "language", "de", "grace_time", "5", "did_provider_id", "1"}, "DID details successfully updated"},
		{"SuccessReserveForUser", "", "admin", []string{"did_id", "2", "did_user_id", "5"}, "DID details successfully updated"},
		{"SuccessReserveForReseller", "", "accountant", []string{"did_id", "2", "did_user_id", "3"}, "DID details successfully updated"},
		{"SuccessResellerReservesForHisUser", "", "reseller", []string{"did_id", "4", "did_user_id", "6"}, "DID details successfully updated"},
		{"SuccessFree", "", "admin", []string{"did_id", "1", "did_user_id", "-1"}, "DID details successfully updated"},
		{"SuccessResellerProvider", "", "reseller", []string{"did_id", "4", "did_provider_id", "21"}, "DID details successfully updated"},
		{"ErrAccessDeniedUnknown", "", "nobody", []string{"did_id", "2"}, "Access Denied"},
		{"ErrAccessDeniedPlainUser", "", "bob", []string{"did_id", "2"}, "Access Denied"},
		{"ErrAccessDeniedAccountantWithoutRight", "", "readonly", []string{"did_id", "2"}, "Access Denied"},
		{"ErrDIDNotFound", "", "admin", []string{"did_id", "999"}, "DID was not found"},
		{"ErrDIDNotFoundMissing", "", "admin", nil, "DID was not found"},
		{"ErrDIDNotFoundEmpty", "", "admin", []string{"did_id", ""}, "DID was not found"},
		{"ErrDIDNotFoundNotDigits", "", "admin", []string{"did_id", "2'--"}, "DID was not found"},
		{"ErrDIDNotFoundHuge", "", "admin", []string{"did_id", "99999999999999999999999"}, "DID was not found"},
		{"ErrDIDNotFoundResellerAdminPool", "", "reseller", []string{"did_id", "2"}, "DID was not found"},
		{"ErrDIDNotFoundResellerOtherPool", "", "reseller", []string{"did_id", "9"}, "DID was not found"},
		{"ErrCallLimitFormat", "", "admin", []string{"did_id", "2", "call_limit", "-1"}, "Call limit is incorrect format"},
		{"ErrCallLimitFormatDecimal", "", "admin", []string{"did_id", "2", "call_limit", "1.5"}, "Call limit is incorrect format"},
		{"ErrCallLimitFormatHuge", "", "admin", []string{"did_id", "2", "call_limit", "99999999999999999999999"}, "Call limit is incorrect format"},
		{"ErrGraceTimeFormat", "", "admin", []string{"did_id", "2", "grace_time", "soon"}, "Grace time is incorrect format"},
		{"ErrDIDNotFree", "", "admin", []string{"did_id", "1", "did_user_id", "5"}, "DID is not free"},
		{"ErrDIDNotFreeTerminated", "", "admin", []string{"did_id", "5", "did_user_id", "5"}, "DID is not free"},
		{"ErrUserNotFound", "", "admin", []string{"did_id", "2", "did_user_id", "999"}, "User was not found"},
		{"ErrUserNotFoundNotDigits", "", "admin", []string{"did_id", "2", "did_user_id", "bob"}, "User was not found"},
		{"ErrUserNotFoundAccountant", "", "admin", []string{"did_id", "2", "did_user_id", "2"}, "User was not found"},
		{"ErrUserNotFoundAdmin", "", "admin", []string{"did_id", "2", "did_user_id", "0"}, "User was not found"},
		{"ErrUserNotFoundNotOwned", "", "admin", []string{"did_id", "2", "did_user_id", "6"}, "User was not found"},
		{"ErrUserNotFoundResellerOtherReseller", "", "reseller", []string{"did_id", "4", "did_user_id", "9"}, "User was not found"},
		{"ErrUserNotFoundResellerOthersUser", "", "reseller", []string{"did_id", "4", "did_user_id", "10"}, "User was not found"},
		{"ErrDIDNotFreedActive", "", "admin", []string{"did_id", "7", "did_user_id", "-1"}, "DID was not freed. Only Terminated, Reserved or Closed DIDs can be freed"},
		{"ErrDIDNotFreedTerminated", "", "admin", []string{"did_id", "5", "did_user_id", "-1"}, "DID was not freed. Only Terminated, Reserved or Closed DIDs can be freed"},
		{"ErrProviderNotFound", "", "admin", []string{"did_id", "2", "did_provider_id", "999"}, "Provider was not found"},
		{"ErrProviderNotFoundHidden", "", "admin", []string{"did_id", "2", "did_provider_id", "20"}, "Provider was not found"},
		{"ErrProviderNotFoundNotOwned", "", "admin", []string{"did_id", "2", "did_provider_id", "21"}, "Provider was not found"},
		{"ErrProviderNotFoundNotDigits", "", "admin", []string{"did_id", "2", "did_provider_id", "x"}, "Provider was not found"},
		{"FormatBeforeReserve", "", "admin", []string{"did_id", "1", "did_user_id", "5", "call_limit", "x"}, "Call limit is incorrect format"},
		{"ReserveBeforeProvider", "", "admin", []string{"did_id", "1", "did_user_id", "5", "did_provider_id", "999"}, "DID is not free"},
		{"ErrorAfterValidEditsChangesNothing", "", "admin", []string{"did_id", "2", "comment", "new", "call_limit", "3", "did_provider_id", "999"}, "Provider was not found"},
	})
}

func TestDIDCloseTexts(t *testing.T) {
	runScenarios(t, "did_close", []scenario{
		{"Success", "", "admin", []string{"dids_id", "7"}, "DID successfully closed"},
		{"SuccessAccountant", "", "accountant", []string{"dids_id", "7"}, "DID successfully closed"},
		{"SuccessResellerOwnPool", "", "reseller", []string{"dids_id", "21"}, "DID successfully closed"},
		{"SuccessAdminInResellerPool", "", "admin", []string{"dids_id", "21"}, "DID successfully closed"},
		{"ErrAccessDeniedUnknown", "", "nobody", []string{"dids_id", "7"}, "Access Denied"},
		{"ErrAccessDeniedPlainUser", "", "bob", []string{"dids_id", "7"}, "Access Denied"},
		{"ErrAccessDeniedAccountantWithoutRight", "", "readonly", []string{"dids_id", "7"}, "Access Denied"},
		{"ErrCloseDIDNotFound", "", "admin", []string{"dids_id", "999"}, "DID was not found."},
		{"ErrCloseDIDNotFoundEmpty", "", "admin", []string{"dids_id", ""}, "DID was not found."},
		{"ErrCloseDIDNotFoundMissing", "", "admin", nil, "DID was not found."},
		{"ErrCloseDIDNotFoundByNumber", "", "admin", []string{"dids_id", "37060000006"}, "DID was not found."},
		{"ErrCloseDIDNotFoundResellerAdminPool", "", "reseller", []string{"dids_id", "7"}, "DID was not found."},
		{"ErrDIDAlreadyClosed", "", "admin", []string{"dids_id", "8"}, "DID is already closed."},
		{"ErrDIDOnDialPlan", "", "admin", []string{"dids_id", "3"}, "DID is assigned to Dial Plan."},
		{"ErrCloseNotOnDevice", "", "admin", []string{"dids_id", "2"}, "DID is not assigned to Device."},
		{"ErrCloseNotOnDeviceReserved", "", "reseller", []string{"dids_id", "6"}, "DID is not assigned to Device."},
	})
}

func TestDIDSubscriptionStopTexts(t *testing.T) {
	runScenarios(t, "did_subscription_stop", []scenario{
		{"Success", "", "admin", []string{"did_id", "7"}, "DID was successfully closed"},
		{"SuccessResellerOwnPool", "", "reseller", []string{"did_id", "21"}, "DID was successfully closed"},
		{"ErrAccessDeniedUnknown", "", "nobody", []string{"did_id", "7"}, "Access Denied"},
		{"ErrAccessDeniedPlainUser", "", "carol", []string{"did_id", "21"}, "Access Denied"},
		{"ErrAccessDeniedAccountantWithoutRight", "", "readonly", []string{"did_id", "7"}, "Access Denied"},
		{"ErrDIDNotFound", "", "admin", []string{"did_id", "999"}, "DID was not found"},
		{"ErrDIDNotFoundDidsID", "", "admin", []string{"dids_id", "7"}, "DID was not found"},
		{"ErrDIDNotFoundResellerOtherPool", "", "reseller2", []string{"did_id", "21"}, "DID was not found"},
		{"ErrStopNotOnDeviceDialPlan", "", "admin", []string{"did_id", "3"}, "DID is not assigned to Device"},
		{"ErrStopNotOnDeviceClosed", "", "admin", []string{"did_id", "8"}, "DID is not assigned to Device"},
		{"ErrStopNotOnDeviceFree", "", "admin", []string{"did_id", "2"}, "DID is not assigned to Device"},
	})
}

func TestDIDTerminateTexts(t *testing.T) {
	runScenarios(t, "did_terminate", []scenario{
		{"SuccessFree", "", "admin", []string{"dids_id", "2"}, "DID successfully terminated"},
		{"SuccessClosed", "", "accountant", []string{"dids_id", "8"}, "DID successfully terminated"},
		{"ErrAccessDeniedUnknown", "", "nobody", []string{"dids_id", "2"}, "Access Denied"},
		{"ErrAccessDeniedPlainUser", "", "bob", []string{"dids_id", "2"}, "Access Denied"},
		{"ErrAccessDeniedAccountantWithoutRight", "", "readonly", []string{"dids_id", "2"}, "Access Denied"},
		{"ErrDIDNotFound", "", "admin", []string{"dids_id", "999"}, "DID was not found"},
		{"ErrDIDNotFoundResellerAdminPool", "", "reseller", []string{"dids_id", "2"}, "DID was not found"},
		{"ErrDIDNotTerminated", "", "admin", []string{"dids_id", "4"}, "DID was not terminated"},
		{"ErrDIDNotTerminatedResellerOwnFree", "", "reseller", []string{"dids_id", "4"}, "DID was not terminated"},
		{"ErrDIDNotTerminatedStatusReserved", "", "admin", []string{"dids_id", "1"}, "DID was not terminated. Only Free or Closed DIDs can be terminate"},
		{"ErrDIDNotTerminatedStatusActive", "", "reseller", []string{"dids_id", "21"}, "DID was not terminated. Only Free or Closed DIDs can be terminate"},
		{"ErrDIDNotTerminatedStatusTerminated", "", "admin", []string{"dids_id", "5"}, "DID was not terminated. Only Free or Closed DIDs can be terminate"},
	})
}

func TestDIDMakeFreeTexts(t *testing.T) {
	runScenarios(t, "did_make_free", []scenario{
		{"SuccessTerminated", "", "admin", []string{"dids_id", "5"}, "DID successfully made available"},
		{"SuccessReserved", "", "accountant", []string{"dids_id", "1"}, "DID successfully made available"},
		{"SuccessClosed", "", "admin", []string{"dids_id", "8"}, "DID successfully made available"},
		{"SuccessResellerOwnReserved", "", "reseller", []string{"dids_id", "6"}, "DID successfully made available"},
		{"ErrAccessDeniedUnknown", "", "nobody", []string{"dids_id", "5"}, "Access Denied"},
		{"ErrAccessDeniedPlainUser", "", "bob", []string{"dids_id", "5"}, "Access Denied"},
		{"ErrAccessDeniedAccountantWithoutRight", "", "readonly", []string{"dids_id", "5"}, "Access Denied"},
		{"ErrDIDNotFound", "", "admin", []string{"dids_id", "x"}, "DID was not found"},
		{"ErrDIDNotFoundResellerTerminated", "", "reseller", []string{"dids_id", "5"}, "DID was not found"},
		{"ErrDIDNotFreedFree", "", "admin", []string{"dids_id", "2"}, "DID was not freed. Only Terminated, Reserved or Closed DIDs can be freed"},
		{"ErrDIDNotFreedActive", "", "reseller", []string{"dids_id", "21"}, "DID was not freed. Only Terminated, Reserved or Closed DIDs can be freed"},
	})
}

func TestDIDDeleteTexts(t *testing.T) {
	runScenarios(t, "did_delete", []scenario{
		{"Success", "", "admin", []string{"dids_id", "5"}, "DID successfully deleted"},
		{"SuccessAccountant", "", "accountant", []string{"dids_id", "5"}, "DID successfully deleted"},
		{"ErrAccessDeniedUnknown", "", "nobody", []string{"dids_id", "5"}, "Access Denied"},
		{"ErrAccessDeniedPlainUser", "", "bob", []string{"dids_id", "5"}, "Access Denied"},
		{"ErrAccessDeniedAccountantWithoutRight", "", "readonly", []string{"dids_id", "5"}, "Access Denied"},
		{"ErrDIDNotFound", "", "admin", []string{"dids_id", "999"}, "DID was not found"},
		{"ErrDIDNotFoundReseller", "", "reseller", []string{"dids_id", "5"}, "DID was not found"},
		{"ErrDIDNotTerminatedDelete", "", "admin", []string{"dids_id", "2"}, "DID status must be terminated"},
		{"ErrDIDNotTerminatedDeleteClosed", "", "admin", []string{"dids_id", "8"}, "DID status must be terminated"},
		{"ErrDIDHasCalls", "", "admin", []string{"dids_id", "20"}, "Cannot delete DID associated with calls"},
	})
}
