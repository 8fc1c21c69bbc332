package domain

import (
	"fmt"
	"strconv"
)

// HashMode says which hash forms the server accepts.
type HashMode string

// Hash modes.
const (
	// HashStrict accepts only the documented hash form.
	HashStrict HashMode = "strict"
	// HashCompatible also accepts the legacy form MOR's wiki examples use.
	HashCompatible HashMode = "compatible"
)

// Settings are MOR's API settings and reseller settings.
type Settings struct {
	AllowAPI                       bool
	AllowGetAPI                    bool
	APISecretKey                   string
	DisableHashChecking            bool
	XMLAPIExtension                bool
	HashMode                       HashMode
	ResellersAllowAssignDIDToTrunk bool
	ResellersCanAddTheirOwnDIDs    bool
	DIDDefaultProviderToResellers  int64
	ResellersAllowUseVirtualDevice bool
	ResellersAllowUseDahdiDevice   bool
	AllowRegistrationOverAPI       bool
	DaysForDIDClose                int64
	DeviceRangeMin                 int64
	DefaultUserPasswordLength      int64
	AsteriskServerIP               string
	DefaultUserPresent             bool
}

// SettingKind is the type of a setting's value.
type SettingKind int

// Setting kinds.
const (
	KindBool SettingKind = iota
	KindInt
	KindString
	KindHashMode
)

// SettingSpec describes one setting: its name, kind and default.
type SettingSpec struct {
	Name    string
	Kind    SettingKind
	Default string
	field   func(*Settings) any
}

// SettingSpecs lists every setting, in the documented order, with its default.
var SettingSpecs = []SettingSpec{
	{"allow_api", KindBool, "0", func(s *Settings) any { return &s.AllowAPI }},
	{"allow_get_api", KindBool, "0", func(s *Settings) any { return &s.AllowGetAPI }},
	{"api_secret_key", KindString, "", func(s *Settings) any { return &s.APISecretKey }},
	{"disable_hash_checking", KindBool, "0", func(s *Settings) any { return &s.DisableHashChecking }},
	{"xml_api_extension", KindBool, "0", func(s *Settings) any { return &s.XMLAPIExtension }},
	{"hash_mode", KindHashMode, "strict", func(s *Settings) any { return &s.HashMode }},
	{"resellers_allow_assign_did_to_trunk", KindBool, "0", func(s *Settings) any { return &s.ResellersAllowAssignDIDToTrunk }},
	{"resellers_can_add_their_own_dids", KindBool, "0", func(s *Settings) any { return &s.ResellersCanAddTheirOwnDIDs }},
	{"did_default_provider_to_resellers", KindInt, "0", func(s *Settings) any { return &s.DIDDefaultProviderToResellers }},
	{"resellers_allow_use_virtual_device", KindBool, "0", func(s *Settings) any { return &s.ResellersAllowUseVirtualDevice }},
	{"resellers_allow_use_dahdi_device", KindBool, "0", func(s *Settings) any { return &s.ResellersAllowUseDahdiDevice }},
	{"allow_registration_over_api", KindBool, "0", func(s *Settings) any { return &s.AllowRegistrationOverAPI }},
	{"days_for_did_close", KindInt, "90", func(s *Settings) any { return &s.DaysForDIDClose }},
	{"device_range_min", KindInt, "1000", func(s *Settings) any { return &s.DeviceRangeMin }},
	{"default_user_password_length", KindInt, "6", func(s *Settings) any { return &s.DefaultUserPasswordLength }},
	{"asterisk_server_ip", KindString, "127.0.0.1", func(s *Settings) any { return &s.AsteriskServerIP }},
	{"default_user_present", KindBool, "1", func(s *Settings) any { return &s.DefaultUserPresent }},
}

// LookupSetting returns the spec of the named setting.
func LookupSetting(name string) (SettingSpec, bool) {
	for _, s := range SettingSpecs {
		if s.Name == name {
			return s, true
		}
	}
	return SettingSpec{}, false
}

// ParseSettings builds Settings from stored name/value pairs (booleans as
// "0"/"1"); a missing name takes its default. Unknown names are an error.
func ParseSettings(values map[string]string) (Settings, error) {
	var s Settings
	for name := range values {
		if _, ok := LookupSetting(name); !ok {
			return s, fmt.Errorf("unknown setting %q", name)
		}
	}
	for _, spec := range SettingSpecs {
		v, ok := values[spec.Name]
		if !ok {
			v = spec.Default
		}
		if err := spec.set(&s, v); err != nil {
			return s, fmt.Errorf("setting %s: %w", spec.Name, err)
		}
	}
	return s, nil
}

// CanonicalValue checks v for this setting and returns it in stored form:
// booleans as "0"/"1" (accepting true/false), integers in decimal.
func (spec SettingSpec) CanonicalValue(v string) (string, error) {
	var s Settings
	if err := spec.set(&s, v); err != nil {
		return "", err
	}
	return spec.Format(s), nil
}

// Format returns this setting's value in s, in stored form.
func (spec SettingSpec) Format(s Settings) string {
	switch p := spec.field(&s).(type) {
	case *bool:
		if *p {
			return "1"
		}
		return "0"
	case *int64:
		return strconv.FormatInt(*p, 10)
	case *HashMode:
		return string(*p)
	case *string:
		return *p
	}
	return ""
}

func (spec SettingSpec) set(s *Settings, v string) error {
	switch p := spec.field(s).(type) {
	case *bool:
		b, ok := ParseBool(v)
		if !ok {
			return fmt.Errorf("want true/false or 0/1, got %q", v)
		}
		*p = b
	case *int64:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("want a whole number >= 0, got %q", v)
		}
		*p = n
	case *HashMode:
		if v != string(HashStrict) && v != string(HashCompatible) {
			return fmt.Errorf("want strict or compatible, got %q", v)
		}
		*p = HashMode(v)
	case *string:
		*p = v
	}
	return nil
}

// ParseBool accepts MOR's fixture booleans: true/false and 0/1.
func ParseBool(v string) (bool, bool) {
	switch v {
	case "1", "true":
		return true, true
	case "0", "false":
		return false, true
	}
	return false, false
}
