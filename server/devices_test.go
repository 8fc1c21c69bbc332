package server

import (
	"context"
	"encoding/xml"
	"regexp"
	"testing"

	"morlite/api"
	"morlite/domain"
)

var (
	virtualOn = withSetting(demoYAML, "resellers_allow_use_virtual_device", "true")
	dahdiOn   = withSetting(demoYAML, "resellers_allow_use_dahdi_device", "true")
)

func TestDeviceCreateTexts(t *testing.T) {
	runEnvScenarios(t, "device_create", api.EnvPage, []scenario{
		{"Success", "", "admin", []string{"user_id", "5"}, "Device created"},
		{"SuccessReseller", "", "reseller", []string{"user_id", "6"}, "Device created"},
		{"SuccessAdminForHimself", "", "admin", []string{"user_id", "0"}, "Device created"},
		{"SuccessAccountantWithRight", "", "username", []string{"user_id", "5"}, "Device created"},
		{"SuccessDevicegroupOfUser", "", "admin", []string{"user_id", "32", "devicegroup_id", "3"}, "Device created"},
		{"SuccessDevicegroupZero", "", "admin", []string{"user_id", "5", "devicegroup_id", "0"}, "Device created"},
		{"SuccessTypes", "", "admin", []string{"user_id", "5", "type", "H323"}, "Device created"},
		{"SuccessVirtualAdmin", "", "admin", []string{"user_id", "5", "type", "Virtual"}, "Device created"},
		{"SuccessDahdiAdmin", "", "admin", []string{"user_id", "5", "type", "dahdi"}, "Device created"},
		{"SuccessVirtualResellerSettingOn", virtualOn, "reseller", []string{"user_id", "6", "type", "Virtual"}, "Device created"},
		{"SuccessDahdiResellerSettingOn", dahdiOn, "reseller", []string{"user_id", "6", "type", "dahdi"}, "Device created"},
		{"SuccessBlankPIN", "", "admin", []string{"user_id", "5", "pin", "  "}, "Device created"},
		{"SuccessCallerIDWithRight", "", "devonly", []string{"user_id", "5", "caller_id", "37060"}, "Device created"},
		{"SuccessEmptyCallerIDAccountant", "", "username", []string{"user_id", "5", "caller_id", ""}, "Device created"},
		{"ErrBadLogin", "", "nobody", []string{"user_id", "5"}, "Bad login"},
		{"ErrAccessDeniedNoUser", "", "admin", []string{"user_id", "999"}, "Access Denied"},
		{"ErrAccessDeniedEmptyUser", "", "admin", []string{"user_id", ""}, "Access Denied"},
		{"ErrAccessDeniedMissingUser", "", "admin", nil, "Access Denied"},
		{"ErrAccessDeniedNotDigits", "", "admin", []string{"user_id", "5abc"}, "Access Denied"},
		{"ErrAccessDeniedHuge", "", "admin", []string{"user_id", "99999999999999999999999"}, "Access Denied"},
		{"ErrAccessDeniedResellerAdminsUser", "", "reseller", []string{"user_id", "5"}, "Access Denied"},
		{"ErrAccessDeniedResellerOtherReseller", "", "reseller", []string{"user_id", "10"}, "Access Denied"},
		{"ErrAccessDeniedResellerTheAdmin", "", "reseller", []string{"user_id", "0"}, "Access Denied"},
		{"ErrAccessDeniedAdminResellersUser", "", "admin", []string{"user_id", "6"}, "Access Denied"},
		{"ErrAccessDeniedPlainUserHimself", "", "bob", []string{"user_id", "5"}, "Access Denied"},
		{"ErrAccessDeniedAccountantNoRight", "", "accountant", []string{"user_id", "5"}, "Access Denied"},
		{"ErrAccessDeniedAccountantReadOnly", "", "readonly", []string{"user_id", "5"}, "Access Denied"},
		{"ErrPINUsed", "", "admin", []string{"user_id", "5", "pin", "123456"}, "PIN is already used"},
		{"ErrPINUsedTrimmed", "", "admin", []string{"user_id", "5", "pin", " 123456 "}, "PIN is already used"},
		{"ErrPINNotNumeric", "", "admin", []string{"user_id", "5", "pin", "12a4"}, "PIN must be numeric"},
		{"ErrDevicegroupEmpty", "", "admin", []string{"user_id", "5", "devicegroup_id", ""}, "Device group invalid"},
		{"ErrDevicegroupOther", "", "admin", []string{"user_id", "5", "devicegroup_id", "3"}, "Device group invalid"},
		{"ErrDevicegroupNotDigits", "", "admin", []string{"user_id", "32", "devicegroup_id", "3x"}, "Device group invalid"},
		{"ErrDeviceTypeCase", "", "admin", []string{"user_id", "5", "type", "sip"}, "Device type invalid"},
		{"ErrDeviceTypeUnknown", "", "admin", []string{"user_id", "5", "type", "Skype"}, "Device type invalid"},
		{"ErrDeviceTypeVirtualReseller", "", "reseller", []string{"user_id", "6", "type", "Virtual"}, "Device type invalid"},
		{"ErrDeviceTypeDahdiReseller", "", "reseller", []string{"user_id", "6", "type", "dahdi"}, "Device type invalid"},
		{"ErrCallerIDNotNumeric", "", "admin", []string{"user_id", "5", "caller_id", "+37060"}, "CallerID must be numeric"},
		{"ErrNotAuthCallerID", "", "username", []string{"user_id", "5", "caller_id", "37060"}, "You are not authorized to manage callerid"},
	})
}

// TestDeviceCreateOrder proves which check answers where two fail.
func TestDeviceCreateOrder(t *testing.T) {
	runEnvScenarios(t, "device_create", api.EnvPage, []scenario{
		{"BadLoginBeforeAccessDenied", "", "nobody", []string{"user_id", "999"}, "Bad login"},
		{"TargetBeforeAccountantRight", "", "accountant", []string{"user_id", "999", "pin", "x"}, "Access Denied"},
		{"AccessDeniedBeforeCallerID", "", "admin", []string{"user_id", "999", "caller_id", "x"}, "Access Denied"},
		{"PINUsedBeforeType", "", "admin", []string{"user_id", "5", "pin", "123456", "type", "x"}, "PIN is already used"},
		{"PINNumericBeforeDevicegroup", "", "admin", []string{"user_id", "5", "pin", "x", "devicegroup_id", "9"}, "PIN must be numeric"},
		{"DevicegroupBeforeType", "", "admin", []string{"user_id", "5", "devicegroup_id", "9", "type", "x"}, "Device group invalid"},
		{"CallerIDOverridesPINUsed", "", "admin", []string{"user_id", "5", "pin", "123456", "caller_id", "x"}, "CallerID must be numeric"},
		{"CallerIDOverridesType", "", "admin", []string{"user_id", "5", "type", "x", "caller_id", "1a"}, "CallerID must be numeric"},
		{"CallerIDNumericBeforeRight", "", "username", []string{"user_id", "5", "caller_id", "1a"}, "CallerID must be numeric"},
		{"CallerIDRightOverridesDevicegroup", "", "username", []string{"user_id", "5", "devicegroup_id", "9", "caller_id", "1"}, "You are not authorized to manage callerid"},
	})
}

// created is device_create's old success layout, read at fixed paths as
// clients read it.
type created struct {
	XMLName  xml.Name `xml:"page"`
	Status   string   `xml:"status"`
	ID       string   `xml:"id"`
	Username string   `xml:"username"`
	Password string   `xml:"password"`
	Error    string   `xml:"error"`
}

func (e *env) create(u string, kv ...string) created {
	e.t.Helper()
	body := e.post("device_create", sign("device_create", u, kv...)).Body.String()
	var c created
	if err := xml.Unmarshal([]byte(body), &c); err != nil {
		e.t.Fatalf("%v\n%s", err, body)
	}
	return c
}

// device reads one device from the database.
func (e *env) device(id int64) (domain.Device, bool) {
	e.t.Helper()
	w, err := e.st.Export(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, d := range w.Devices {
		if d.ID == id {
			return d, true
		}
	}
	return domain.Device{}, false
}

var (
	secretRE = regexp.MustCompile(`^[A-Za-z0-9]{12}$`)
	pinRE    = regexp.MustCompile(`^[1-9][0-9]{5}$`)
)

func TestDeviceCreateGeneratedValues(t *testing.T) {
	e := newEnv(t, demoYAML)
	c := e.create("admin", "user_id", "5", "description", "desk phone", "caller_id", "37060")
	if c.Status != "Device created" || c.ID != "34" || c.Username != "1001" || !secretRE.MatchString(c.Password) {
		t.Fatalf("created %+v: want id 34, the next free extension 1001 (1000 is taken) and a 12-character secret", c)
	}
	d, _ := e.device(34)
	if d.Extension != "1001" || d.Name != "1001" || d.Username != "1001" || d.Secret != c.Password ||
		!pinRE.MatchString(d.PIN) || d.CallerID != "<37060>" || d.Description != "desk phone" ||
		d.DeviceType != "SIP" || d.Host != "dynamic" || d.UserID != 5 {
		t.Fatalf("stored %+v", d)
	}
	c2 := e.create("admin", "user_id", "5")
	d2, _ := e.device(35)
	if c2.Username != "1002" || c2.Password == c.Password || d2.PIN == d.PIN {
		t.Fatalf("second device %+v %+v repeats the first's values", c2, d2)
	}
	if c := e.create("admin", "user_id", "5", "pin", ""); c.ID != "36" {
		t.Fatalf("%+v", c)
	}
	if d, _ := e.device(36); d.PIN != "" {
		t.Fatalf("blank pin gave PIN %q, want none", d.PIN)
	}
	e.create("admin", "user_id", "5", "pin", " 777 ")
	if d, _ := e.device(37); d.PIN != "777" {
		t.Fatalf("pin = %q, want 777", d.PIN)
	}
	// an accountant without device_pin = 2 always gets a random PIN
	e.create("username", "user_id", "5", "pin", "778")
	if d, _ := e.device(38); !pinRE.MatchString(d.PIN) {
		t.Fatalf("accountant's pin = %q, want a random one", d.PIN)
	}
	e.create("devonly", "user_id", "5", "pin", "779")
	if d, _ := e.device(39); d.PIN != "779" {
		t.Fatalf("accountant with device_pin: pin = %q, want 779", d.PIN)
	}
	v := e.create("admin", "user_id", "5", "type", "Virtual")
	if d, _ := e.device(40); v.Username != "virtual_40" || d.Extension != "virtual_40" || d.Name != "virtual_40" {
		t.Fatalf("virtual device %+v %+v", v, d)
	}
	if w, _ := e.st.Export(context.Background()); len(w.Actions) != 7 || w.Actions[0].TargetType != "device" ||
		w.Actions[0].Action != "device_create" || w.Actions[0].TargetID != 34 {
		t.Fatalf("actions %+v", w.Actions)
	}
}

func TestDeviceCreateExtensionCollision(t *testing.T) {
	e := newEnv(t, withSetting(demoYAML, "device_range_min", "101"))
	// 101, 102, 103 and 104 are bob's devices
	if c := e.create("admin", "user_id", "5"); c.Username != "105" {
		t.Fatalf("created %+v, want extension 105", c)
	}
}

func TestDeviceCreateFirstDeviceIsPrimary(t *testing.T) {
	e := newEnv(t, demoYAML)
	e.create("admin", "user_id", "0")
	admin, err := e.st.UserByID(context.Background(), 0)
	if err != nil || admin.PrimaryDeviceID != 34 {
		t.Fatalf("admin %+v %v: want primary device 34", admin, err)
	}
	e.create("admin", "user_id", "5")
	if bob, _ := e.st.UserByID(context.Background(), 5); bob.PrimaryDeviceID != 1 {
		t.Fatalf("bob's primary device moved to %d", bob.PrimaryDeviceID)
	}
}

func TestDeviceCreateErrorAtPageError(t *testing.T) {
	e := newEnv(t, demoYAML)
	if c := e.create("admin", "user_id", "5", "pin", "123456"); c.Error != "PIN is already used" || c.Status != "" || c.ID != "" {
		t.Fatalf("/page/error: %+v", c)
	}
}

func TestDeviceCreateWriteFails(t *testing.T) {
	e := newEnv(t, demoYAML)
	e.failWrites("devices")
	before := e.worldRows()
	body := e.post("device_create", sign("device_create", "admin", "user_id", "5")).Body.String()
	if body != errBody(api.EnvPage, "Device was not created") {
		t.Fatalf("answer %s", body)
	}
	if e.worldRows() != before {
		t.Fatal("a failed create changed the world")
	}
	if contains(body, "disk on fire") || !contains(e.logText(), "disk on fire") {
		t.Fatalf("the cause must be logged, never answered: %s", body)
	}
}

// TestDeviceCreateConcurrent proves that devices created at once never
// share an extension or a PIN.
func TestDeviceCreateConcurrent(t *testing.T) {
	e := newEnv(t, demoYAML)
	const n = 12
	bodies := make(chan string, n)
	for range n {
		go func() {
			bodies <- e.post("device_create", sign("device_create", "admin", "user_id", "5")).Body.String()
		}()
	}
	seen := map[string]bool{}
	for range n {
		body := <-bodies
		var c created
		if err := xml.Unmarshal([]byte(body), &c); err != nil {
			t.Fatalf("%v\n%s", err, body)
		}
		if c.Status != "Device created" || seen[c.Username] {
			t.Fatalf("%+v (seen %v)", c, seen)
		}
		seen[c.Username] = true
	}
	w, _ := e.st.Export(context.Background())
	pins := map[string]bool{}
	for _, d := range w.Devices {
		if d.PIN != "" && pins[d.PIN] {
			t.Fatalf("PIN %s twice", d.PIN)
		}
		pins[d.PIN] = true
	}
}
