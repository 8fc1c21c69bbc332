package domain

import (
	"strings"
	"testing"
)

// TestHashVectors checks the worked examples of hash-vectors.md.
func TestHashVectors(t *testing.T) {
	tests := []struct {
		name   string
		method string
		params Params
		form   HashForm
		secret string
		text   string
		hash   string
	}{
		{"TrunkAssignDocumented", "did_trunk_device_assign", Params{"device_id": "1", "did": "123456789"}, Documented, "secret", "1123456789", "cb9dff0d59f7ffaf036d55b57c817bf528edb54a"},
		{"TrunkAssignLegacy", "did_trunk_device_assign", Params{"device_id": "1", "did": "123456789"}, Legacy, "secret", "1", "bc2f114099d16656d37e45fd9e8744cb9386d462"},
		{"DeviceAssignOrder", "did_device_assign", Params{"did": "37063045437", "device_id": "2"}, Documented, "secret", "237063045437", "c3374a0cc0ac4f8841c6f42e566376610530e560"},
		{"DeviceDeleteSUser", "device_delete", Params{"s_user": "2", "device": "2"}, Documented, "secret", "22", "215b5f23b2258f7fed84c02c8f291671b8f00c83"},
		{"DeviceDetailsGet", "device_details_get", Params{"device_id": "5"}, Documented, "456789", "5", "65fd575c441513bd114b84c7dbdb01e0f2716d27"},
		{"DevicesGet", "devices_get", Params{"user_id": "100"}, Documented, "456789", "100", "71516eea4850f7e0300ac86adf9fb64bca845aa7"},
		{"DetailsUpdateCallLimitNotHashed", "did_details_update", Params{"did_id": "6511", "call_limit": "999"}, Documented, "secret", "6511", "f7de355c9b4421ce6c705b4b32c89dbcaca51e46"},
		{"UnassignLegacy", "did_device_unassign", Params{"did": "123456789"}, Legacy, "secret", "", "e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4"},
		{"UsersGet", "users_get", Params{"u": "admin", "p": "admin1"}, Documented, "secret", "adminadmin1", "c420ef706a02e6449994b7575b25ef5f74cc722b"},
		{"UserIDIntegerForm", "devices_get", Params{"user_id": "0100"}, Documented, "456789", "100", "71516eea4850f7e0300ac86adf9fb64bca845aa7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, text := HashInput(tt.method, tt.params, tt.form)
			if text != tt.text {
				t.Fatalf("hash string = %q, want %q", text, tt.text)
			}
			if got := Hash(text, tt.secret); got != tt.hash {
				t.Fatalf("hash = %s, want %s", got, tt.hash)
			}
		})
	}
}

func TestHashValueFilters(t *testing.T) {
	tests := []struct {
		name  string
		p     Params
		names string
		text  string
	}{
		{"UserIDEmptyIsZero", Params{"user_id": ""}, "user_id", "0"},
		{"UserIDNotDigitsSkipped", Params{"user_id": "abc"}, "", ""},
		{"UserIDLongDigits", Params{"user_id": "000123456789012345678901234567890"}, "user_id", "123456789012345678901234567890"},
		{"DeviceAll", Params{"device": "all"}, "device", "all"},
		{"DeviceNotDigitsSkipped", Params{"device": "x1"}, "", ""},
		{"DeviceKeepsZeros", Params{"device": "007"}, "device", "007"},
		{"EmptyValueCounts", Params{"did": "", "device_id": ""}, "device_id did", ""},
		{"UnlistedNeverHashed", Params{"u": "admin", "hash": "x", "test": "1", "search_did_number": "1"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names, text := HashInput("anything", tt.p, Documented)
			if strings.Join(names, " ") != tt.names || text != tt.text {
				t.Fatalf("got names %q text %q, want %q %q", names, text, tt.names, tt.text)
			}
		})
	}
}

func TestHashOrderLoaded(t *testing.T) {
	order := HashOrder()
	if len(order) < 200 || order[0] != "user_id" || order[len(order)-1] != "dids_id" {
		t.Fatalf("hash order not loaded as shipped: %d names, first %q", len(order), order[0])
	}
	for _, skipped := range []string{"pgui", "user_warning_email_hour", "device_calerid"} {
		for _, n := range order {
			if n == skipped {
				t.Errorf("%s is commented out in hash-order.txt but was loaded", skipped)
			}
		}
	}
	legacy := map[string]bool{}
	for _, h := range hashOrder {
		legacy[h.name] = h.legacy
	}
	for name, want := range map[string]bool{"did": false, "did_id": false, "host": false, "dids_id": true, "device_id": true} {
		if legacy[name] != want {
			t.Errorf("legacy[%s] = %v, want %v", name, legacy[name], want)
		}
	}
}

func TestHashMatches(t *testing.T) {
	h := Hash("1", "secret")
	if !HashMatches(h, h) {
		t.Fatal("equal hash refused")
	}
	for name, sent := range map[string]string{
		"UpperCase": strings.ToUpper(h), "Short39": h[:39], "Long41": h + "0", "Empty": "",
	} {
		if HashMatches(sent, h) {
			t.Errorf("%s accepted", name)
		}
	}
}

func BenchmarkHash(b *testing.B) {
	p := Params{"u": "admin", "did": "123456789", "device_id": "1", "hash": "cb9dff0d59f7ffaf036d55b57c817bf528edb54a"}
	b.ReportAllocs()
	for b.Loop() {
		_, text := HashInput("did_trunk_device_assign", p, Documented)
		HashMatches(p["hash"], Hash(text, "secret"))
	}
}
