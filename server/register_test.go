package server

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"morlite/api"
	"morlite/domain"
	"morlite/store"
)

var regOn = withSetting(demoYAML, "allow_registration_over_api", "true")

// regParams is a valid registration under the admin.
var regParams = []string{"id", "adm1nhash0", "username", "newbie", "password", "pass123",
	"password2", "pass123", "first_name", "New", "last_name", "Comer", "email", "new@example.com",
	"device_type", "SIP", "country_id", "123"}

// with returns kv with name set to value ("" and a "-" value removes it).
func with(kv []string, pairs ...string) []string {
	out := []string{}
	set := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		set[pairs[i]] = pairs[i+1]
	}
	for i := 0; i+1 < len(kv); i += 2 {
		v, ok := set[kv[i]]
		switch {
		case !ok:
			out = append(out, kv[i], kv[i+1])
		case v != "-":
			out = append(out, kv[i], v)
		}
		delete(set, kv[i])
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if _, ok := set[pairs[i]]; ok && pairs[i+1] != "-" {
			out = append(out, pairs[i], pairs[i+1])
		}
	}
	return out
}

// signNoU signs with the admin's key and sends no u, as registration forms do.
func signNoU(method string, kv ...string) url.Values {
	v := sign(method, "admin", kv...)
	v.Del("u")
	return v
}

// runRegister checks a registration's answer; an error is exactly the
// S-error envelope and changes nothing.
func runRegister(t *testing.T, tests []scenario) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.fixture)
			before := e.worldRows()
			body := e.post("user_register", signNoU("user_register", tt.params...)).Body.String()
			if got := oldText(t, body); got != tt.want {
				t.Fatalf("answer %q, want %q\n%s", got, tt.want, body)
			}
			if tt.want == domain.RegistrationMessage {
				return
			}
			if body != errBody(api.EnvStatus, tt.want) || e.worldRows() != before {
				t.Fatalf("error envelope or a change:\n%s", body)
			}
		})
	}
}

func TestUserRegisterTexts(t *testing.T) {
	ok := domain.RegistrationMessage
	short8 := withSetting(regOn, "default_user_password_length", "8")
	runRegister(t, []scenario{
		{"Success", regOn, "", regParams, ok},
		{"SuccessReseller", regOn, "", with(regParams, "id", "r3s3ll3r01"), ok},
		{"SuccessIAX2", regOn, "", with(regParams, "device_type", "IAX2", "caller_id", "37060"), ok},
		{"ErrDisabled", demoYAML, "", regParams, "Registration over API is disabled"},
		{"ErrAccessDeniedUnknownHash", regOn, "", with(regParams, "id", "nosuchhash"), "Access Denied"},
		{"ErrAccessDeniedNoID", regOn, "", with(regParams, "id", "-"), "Access Denied"},
		{"ErrAccessDeniedEmptyID", regOn, "", with(regParams, "id", ""), "Access Denied"},
		{"ErrNoDefaultUser", withSetting(regOn, "default_user_present", "false"), "", regParams, "Default user is not present"},
		{"ErrEnterUsername", regOn, "", with(regParams, "username", ""), "Please enter username"},
		{"ErrEnterUsernameBadChars", regOn, "", with(regParams, "username", "new user"), "Please enter username"},
		{"ErrEnterUsernameTooLong", regOn, "", with(regParams, "username", "abcdefghijklmnopqrstuvwxyz12345"), "Please enter username"},
		{"ErrUsernameTaken", regOn, "", with(regParams, "username", "bob"), "Such username is already taken"},
		{"ErrEnterPassword", regOn, "", with(regParams, "password", "-"), "Please enter password"},
		{"ErrEnterPasswordOver72Bytes", regOn, "", with(regParams, "password", strings.Repeat("p", 73), "password2", strings.Repeat("p", 73)), "Please enter password"},
		{"ErrPasswordsDiffer", regOn, "", with(regParams, "password2", "pass124"), "Passwords do not match"},
		{"ErrPasswordTooShort", regOn, "", with(regParams, "password", "pass1", "password2", "pass1"), "Password must be longer than 5 characters"},
		{"ErrPasswordTooShortSetting", short8, "", regParams, "Password must be longer than 7 characters"},
		{"ErrEnterFirstName", regOn, "", with(regParams, "first_name", ""), "Please enter first name"},
		{"ErrEnterLastName", regOn, "", with(regParams, "last_name", "-"), "Please enter last name"},
		{"ErrSelectCountry", regOn, "", with(regParams, "country_id", "-"), "Please select country"},
		{"ErrSelectCountryEmpty", regOn, "", with(regParams, "country_id", ""), "Please select country"},
		{"ErrEmailNoAt", regOn, "", with(regParams, "email", "new.example.com"), "Please enter correct email"},
		{"ErrEmailTwoAts", regOn, "", with(regParams, "email", "a@b@c"), "Please enter correct email"},
		{"ErrEmailNoLocal", regOn, "", with(regParams, "email", "@example.com"), "Please enter correct email"},
		{"ErrEmailInUse", regOn, "", with(regParams, "email", "frank@example.com"), "This email address is already in use."},
		{"ErrEmailInUseCase", regOn, "", with(regParams, "email", "Frank@Example.com"), "This email address is already in use."},
		{"ErrEnterDeviceType", regOn, "", with(regParams, "device_type", "FAX"), "Enter device type"},
		{"ErrEnterDeviceTypeMissing", regOn, "", with(regParams, "device_type", "-"), "Enter device type"},
	})
}

// TestUserRegisterOrder breaks each check together with the next one: the
// earlier always answers.
func TestUserRegisterOrder(t *testing.T) {
	breaks := []struct {
		fixture string
		pairs   []string
		text    string
	}{
		{demoYAML, nil, "Registration over API is disabled"},
		{regOn, []string{"id", "x"}, "Access Denied"},
		{withSetting(regOn, "default_user_present", "false"), nil, "Default user is not present"},
		{regOn, []string{"username", ""}, "Please enter username"},
		{regOn, []string{"username", "carol"}, "Such username is already taken"},
		{regOn, []string{"password", ""}, "Please enter password"},
		{regOn, []string{"password2", "other12"}, "Passwords do not match"},
		{regOn, []string{"password", "abc", "password2", "abc"}, "Password must be longer than 5 characters"},
		{regOn, []string{"first_name", ""}, "Please enter first name"},
		{regOn, []string{"last_name", ""}, "Please enter last name"},
		{regOn, []string{"country_id", ""}, "Please select country"},
		{regOn, []string{"email", "x"}, "Please enter correct email"},
		{regOn, []string{"email", "frank@example.com"}, "This email address is already in use."},
		{regOn, []string{"device_type", "H323"}, "Enter device type"},
	}
	var tests []scenario
	for i := 0; i+1 < len(breaks); i++ {
		a, b := breaks[i], breaks[i+1]
		params := with(with(regParams, b.pairs...), a.pairs...)
		fixture := a.fixture
		if b.fixture != regOn && a.fixture == regOn {
			fixture = b.fixture
		}
		tests = append(tests, scenario{a.text + "Before" + b.text, fixture, "", params, a.text})
	}
	runRegister(t, tests)
}

// registered is user_register's success at fixed paths.
type registered struct {
	XMLName  xml.Name `xml:"page"`
	Success  string   `xml:"status>success"`
	UserID   string   `xml:"user_device_settings>user_id"`
	Type     string   `xml:"user_device_settings>device_type"`
	DeviceID string   `xml:"user_device_settings>device_id"`
	Username string   `xml:"user_device_settings>username"`
	Password string   `xml:"user_device_settings>password"`
	PIN      string   `xml:"user_device_settings>pin"`
	ServerIP string   `xml:"user_device_settings>server_ip"`
}

func TestUserRegisterCreatesUserAndDevice(t *testing.T) {
	e := newEnv(t, withSetting(regOn, "asterisk_server_ip", "10.1.2.3"))
	body := e.post("user_register", signNoU("user_register", with(regParams, "caller_id", "37060")...)).Body.String()
	const decl = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n<page>\n  <status>\n    <success>Registration successful</success>\n  </status>\n  <user_device_settings>\n"
	if len(body) < len(decl) || body[:len(decl)] != decl {
		t.Fatalf("answer:\n%s", body)
	}
	var r registered
	if err := xml.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	if r.UserID != "33" || r.Type != "SIP" || r.DeviceID != "34" || r.Username != "1001" ||
		!secretRE.MatchString(r.Password) || !pinRE.MatchString(r.PIN) || r.ServerIP != "10.1.2.3" {
		t.Fatalf("%+v", r)
	}
	ctx := context.Background()
	u, err := e.st.UserByUsername(ctx, "newbie")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != 33 || u.UserType != domain.PlainUser || u.OwnerID != 0 || u.PrimaryDeviceID != 34 ||
		u.FirstName != "New" || u.LastName != "Comer" || u.Email != "new@example.com" || len(u.Uniquehash) != 10 {
		t.Fatalf("user %+v", u)
	}
	if u.PasswordHash == "pass123" || !store.PasswordMatches(u, "pass123") || store.PasswordMatches(u, "pass124") {
		t.Fatalf("password stored as %q", u.PasswordHash)
	}
	d, _ := e.device(34)
	if d.UserID != 33 || d.Secret != r.Password || d.PIN != r.PIN || d.Extension != "1001" || d.CallerID != "<37060>" {
		t.Fatalf("device %+v", d)
	}
	if w, _ := e.st.Export(ctx); len(w.Actions) != 2 || w.Actions[0].TargetType != "user" || w.Actions[1].TargetType != "device" ||
		contains(w.Actions[0].Data2, "pass123") {
		t.Fatalf("actions %+v", w.Actions)
	}
}

func TestUserRegisterPathID(t *testing.T) {
	e := newEnv(t, regOn)
	// the path segment is the id, hashed as a sent id
	v := signNoU("user_register", regParams...)
	v.Del("id")
	rec := e.do(httptest.NewRequest(http.MethodPost, "/billing/api/user_register/adm1nhash0?"+v.Encode(), nil))
	if got := oldText(t, rec.Body.String()); got != domain.RegistrationMessage {
		t.Fatalf("path id: %s", rec.Body)
	}
	// a parameter wins over the path
	v = signNoU("user_register", with(regParams, "id", "r3s3ll3r01", "username", "second", "email", "s@example.com")...)
	rec = e.do(httptest.NewRequest(http.MethodPost, "/billing/api/user_register/adm1nhash0?"+v.Encode(), nil))
	if got := oldText(t, rec.Body.String()); got != domain.RegistrationMessage {
		t.Fatalf("param id: %s", rec.Body)
	}
	if u, _ := e.st.UserByUsername(context.Background(), "second"); u == nil || u.OwnerID != 3 {
		t.Fatalf("the parameter's owner must win: %+v", u)
	}
}

// TestUserRegisterRollsBack proves that when the device cannot be made the
// user is not created either.
func TestUserRegisterRollsBack(t *testing.T) {
	e := newEnv(t, regOn)
	e.failWrites("devices")
	before := e.worldRows()
	rec := e.post("user_register", signNoU("user_register", regParams...))
	if rec.Code != http.StatusInternalServerError || rec.Body.String() != errBody(api.EnvStatus, "Internal error") {
		t.Fatalf("HTTP %d %s", rec.Code, rec.Body)
	}
	if e.worldRows() != before {
		t.Fatal("a failed registration left rows behind")
	}
	if _, err := e.st.UserByUsername(context.Background(), "newbie"); err == nil {
		t.Fatal("the user was created without his device")
	}
}

// TestUserRegisterAdminKey proves the admin's key applies whoever u names.
func TestUserRegisterAdminKey(t *testing.T) {
	e := newEnv(t, regOn)
	v := sign("user_register", "reseller", regParams...)
	if got := oldText(t, e.post("user_register", v).Body.String()); got != "Incorrect hash" {
		t.Fatalf("signed with the reseller's key: %q", got)
	}
	v = signNoU("user_register", regParams...)
	v.Set("u", "reseller")
	if got := oldText(t, e.post("user_register", v).Body.String()); got != domain.RegistrationMessage {
		t.Fatalf("signed with the admin's key: %q", got)
	}
}
