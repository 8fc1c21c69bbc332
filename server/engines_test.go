package server

import "testing"

// TestIdentifiersCompareExactly: usernames and DID numbers are compared
// byte for byte whatever the engine (MySQL's default collations ignore
// case and trailing spaces; morlite's MySQL schema does not). The suite
// runs on both engines, so both answer these alike.
func TestIdentifiersCompareExactly(t *testing.T) {
	tests := []struct {
		name, u, did, want string
	}{
		{"UpperCaseUser", "ADMIN", "37060000001", "Access Denied"},
		{"TrailingSpaceUser", "admin ", "37060000001", "Access Denied"},
		{"TrailingSpaceDID", "admin", "37060000001 ", "Device assigned to DID"}, // the number is trimmed before the lookup, on both engines
		{"ExactMatch", "admin", "37060000001", "Device assigned to DID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, demoYAML)
			if got := e.call("did_device_assign", tt.u, "device_id", "2", "did", tt.did); got != tt.want {
				t.Fatalf("u=%q did=%q: %q, want %q", tt.u, tt.did, got, tt.want)
			}
		})
	}
}
