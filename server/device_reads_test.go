package server

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"testing"

	"morlite/api"
)

func TestDeviceDetailsGetTexts(t *testing.T) {
	runEnvScenarios(t, "device_details_get", api.EnvBare, []scenario{
		{"Success", "", "admin", []string{"device_id", "1"}, shownPage},
		{"SuccessByUsername", "", "admin", []string{"device_u", "101"}, shownPage},
		{"SuccessReadRights", "", "readonly", []string{"device_id", "1"}, shownPage},
		{"SuccessReseller", "", "reseller", []string{"device_id", "3"}, shownPage},
		{"ErrAccessDenied", "", "nobody", []string{"device_id", "1"}, "Access Denied"},
		{"ErrNotAuthViewPlainUser", "", "bob", []string{"device_id", "1"}, "You are not authorized to view this page"},
		{"ErrNotAuthViewNoDeviceManage", "", "createonly", []string{"device_id", "1"}, "You are not authorized to view this page"},
		{"ErrNotAuthViewNoUserManage", "", "devonly", []string{"device_id", "1"}, "You are not authorized to view this page"},
		{"ErrDeviceNotFound", "", "admin", []string{"device_id", "999"}, "Device was not found"},
		{"ErrDeviceNotFoundNothingSent", "", "admin", nil, "Device was not found"},
		{"ErrDeviceNotFoundUnknownUsername", "", "admin", []string{"device_u", "nobody"}, "Device was not found"},
		{"ErrDeviceNotFoundEmptyUsername", "", "admin", []string{"device_u", ""}, "Device was not found"},
		{"ErrDeviceNotFoundDeviceIDWins", "", "admin", []string{"device_id", "", "device_u", "101"}, "Device was not found"},
		{"ErrDeviceNotFoundResellerAdminsDevice", "", "reseller", []string{"device_id", "1"}, "Device was not found"},
		{"ErrDeviceNotFoundResellerOtherReseller", "", "reseller", []string{"device_id", "6"}, "Device was not found"},
		{"ErrDeviceNotFoundResellerByUsername", "", "reseller", []string{"device_u", "401"}, "Device was not found"},
		{"ErrDeviceNotFoundAdminResellersDevice", "", "admin", []string{"device_id", "3"}, "Device was not found"},
		{"OrderAccessDeniedFirst", "", "nobody", []string{"device_id", "999"}, "Access Denied"},
		{"OrderRightsBeforeNotFound", "", "bob", []string{"device_id", "999"}, "You are not authorized to view this page"},
	})
}

func TestDeviceDetailsGetLayout(t *testing.T) {
	e := newEnv(t, demoYAML)
	body := e.post("device_details_get", sign("device_details_get", "admin", "device_id", "2", "device_u", "101")).Body.String()
	want := api.XMLDecl + `
<page>
  <id>2</id>
  <name>102</name>
  <username>102</username>
  <secret></secret>
  <extension>102</extension>
  <device_type>SIP</device_type>
  <user_id>5</user_id>
  <istrunk>0</istrunk>
  <ani>0</ani>
  <pin></pin>
  <description></description>
  <callerid></callerid>
  <host>dynamic</host>
  <ipaddr></ipaddr>
  <port>0</port>
  <call_limit>0</call_limit>
  <language>en</language>
  <location_id>1</location_id>
  <primary_did_id>0</primary_did_id>
  <hidden>0</hidden>
</page>
`
	if body != want {
		t.Fatalf("device_id must win over device_u, in the flat layout:\n%s", body)
	}
}

func TestDevicesGetTexts(t *testing.T) {
	runEnvScenarios(t, "devices_get", api.EnvPage, []scenario{
		{"Success", "", "admin", []string{"user_id", "5"}, shownPage},
		{"SuccessLeadingZero", "", "admin", []string{"user_id", "05"}, shownPage},
		{"SuccessReadOnly", "", "readonly", []string{"user_id", "5"}, shownPage},
		{"SuccessReseller", "", "reseller", []string{"user_id", "6"}, shownPage},
		{"SuccessHiddenShownByDefault", "", "admin", []string{"user_id", "32"}, shownPage},
		{"SuccessHiddenShownUnlessZero", "", "admin", []string{"user_id", "32", "show_hidden_devices", "no"}, shownPage},
		{"ErrBadLogin", "", "nobody", []string{"user_id", "5"}, "Bad login"},
		{"ErrNotAuthView", "", "createonly", []string{"user_id", "5"}, "You are not authorized to view this page"},
		{"ErrAccessDeniedResellerAdminsUser", "", "reseller", []string{"user_id", "5"}, "Access Denied"},
		{"ErrAccessDeniedResellerOtherReseller", "", "reseller", []string{"user_id", "10"}, "Access Denied"},
		{"ErrAccessDeniedResellerTheAdmin", "", "reseller", []string{"user_id", "0"}, "Access Denied"},
		{"ErrAccessDeniedAdminResellersUser", "", "admin", []string{"user_id", "6"}, "Access Denied"},
		{"ErrAccessDeniedPlainUserHimself", "", "bob", []string{"user_id", "5"}, "Access Denied"},
		{"ErrDeviceNotFoundNoDevices", "", "admin", []string{"user_id", "0"}, "Device not found"},
		{"ErrDeviceNotFoundOnlyHidden", "", "admin", []string{"user_id", "32", "show_hidden_devices", "0"}, "Device not found"},
		{"ErrUserIDEmpty", "", "admin", []string{"user_id", ""}, "user_id is empty"},
		{"ErrUserIDAbsent", "", "admin", nil, "user_id is empty"},
		{"ErrUserNotFound", "", "admin", []string{"user_id", "999"}, "User not found"},
		{"ErrUserNotFoundNotDigits", "", "admin", []string{"user_id", "x5"}, "User not found"},
		{"ErrUserNotFoundPlainUser", "", "bob", []string{"user_id", "999"}, "User not found"},
		{"OrderBadLoginFirst", "", "nobody", []string{"user_id", ""}, "Bad login"},
		{"OrderRightBeforeAccessDenied", "", "createonly", []string{"user_id", "6"}, "You are not authorized to view this page"},
		{"OrderAccessDeniedBeforeDeviceNotFound", "", "reseller", []string{"user_id", "0"}, "Access Denied"},
		{"OrderRightBeforeEmpty", "", "createonly", []string{"user_id", ""}, "You are not authorized to view this page"},
	})
}

func TestDevicesGetLayout(t *testing.T) {
	e := newEnv(t, demoYAML)
	body := e.post("device_list", sign("device_list", "admin", "user_id", "32")).Body.String()
	want := api.XMLDecl + `
<page>
  <devices>
    <device>
      <device_id>32</device_id>
      <device_type>SIP</device_type>
      <devicegroup_id></devicegroup_id>
      <primary_device>yes</primary_device>
      <username>501</username>
      <secret></secret>
      <ipaddr></ipaddr>
      <port>0</port>
      <callerid></callerid>
    </device>
  </devices>
</page>
`
	if body != want {
		t.Fatalf("devices_get:\n%s", body)
	}
	var list struct {
		IDs     []string `xml:"devices>device>device_id"`
		Primary []string `xml:"devices>device>primary_device"`
	}
	body = e.post("devices_get", sign("devices_get", "admin", "user_id", "5")).Body.String()
	if err := xml.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	if got := list.IDs; len(got) != 5 || got[0] != "1" || got[1] != "2" || got[4] != "33" {
		t.Fatalf("bob's devices, by id: %v", got)
	}
	if got := list.Primary; got[0] != "yes" || got[1] != "no" {
		t.Fatalf("primary_device: %v", got)
	}
}

// TestDevicesGetGzip proves that a client accepting gzip gets the same XML,
// transparently compressed.
func TestDevicesGetGzip(t *testing.T) {
	e := newEnv(t, demoYAML)
	v := sign("devices_get", "admin", "user_id", "5")
	plain := e.post("devices_get", v)
	req := httptest.NewRequest(http.MethodPost, "/billing/api/devices_get?"+v.Encode(), nil)
	req.Header.Set("Accept-Encoding", "br;q=1.0, gzip;q=0.8")
	zipped := e.do(req)
	if plain.Header().Get("Content-Encoding") != "" {
		t.Fatal("compressed without Accept-Encoding")
	}
	if zipped.Header().Get("Content-Encoding") != "gzip" || zipped.Code != http.StatusOK {
		t.Fatalf("HTTP %d, Content-Encoding %q", zipped.Code, zipped.Header().Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, zr); got != plain.Body.String() || !contains(got, "<device_id>33</device_id>") {
		t.Fatalf("decoded %q\nwant %q", got, plain.Body.String())
	}
	req = httptest.NewRequest(http.MethodPost, "/billing/api/devices_get?"+v.Encode(), nil)
	req.Header.Set("Accept-Encoding", "gzip;q=0")
	if rec := e.do(req); rec.Header().Get("Content-Encoding") != "" {
		t.Fatal("compressed although the client refused gzip (q=0)")
	}
}
