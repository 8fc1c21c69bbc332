package domain

import (
	"strconv"
	"strings"
)

// DeviceUpdateMessage is device_update's success text.
const DeviceUpdateMessage = "Device successfully updated"

// DeviceUpdateInput is what device_update's checks look at, loaded in one
// write transaction. Device is nil when `device` names none. The Taken
// fields say whether another device already has the sent (trimmed) PIN, the
// sent extension or the sent username; HasDIDs whether a DID points at the
// device.
type DeviceUpdateInput struct {
	Caller         Caller
	Settings       Settings
	Device         *Device
	DeviceUser     *User
	Params         Params
	PINTaken       bool
	ExtensionTaken bool
	UsernameTaken  bool
	HasDIDs        bool
}

// UpdateDevice applies device_update's checks in MOR's order and returns the
// device as it must be stored. Errors: ErrAccessDenied, ErrNotAuthorisedFunc,
// ErrDeviceNotFound, ErrInvalid(name), ErrPINUsed, ErrPINNotNumeric,
// ErrExtensionUsed, ErrTrunkHasDIDs.
func UpdateDevice(in DeviceUpdateInput) (Device, error) {
	c, p := in.Caller, in.Params
	switch {
	case !c.Known() || c.Is(PlainUser):
		return Device{}, ErrAccessDenied
	case c.Is(Accountant) && c.User.Right(RightDeviceManage) != 2:
		return Device{}, ErrNotAuthorisedFunc
	case in.Device == nil || !c.Owns(in.DeviceUser):
		return Device{}, ErrDeviceNotFound
	}
	if err := checkUpdateValues(in); err != nil {
		return Device{}, err
	}
	d := *in.Device
	trunk := p.Get("trunk")
	if (trunk == "1" || trunk == "2") && !d.IsTrunk && in.DeviceUser.OwnerID != AdminID &&
		in.HasDIDs && !in.Settings.ResellersAllowAssignDIDToTrunk {
		return Device{}, ErrTrunkHasDIDs
	}
	applyUpdate(&d, p)
	return d, nil
}

// oneOf reports whether a sent value is in its listed set.
func oneOf(p Params, name string, set ...string) bool {
	if !p.Has(name) {
		return true
	}
	for _, v := range set {
		if p.Get(name) == v {
			return true
		}
	}
	return false
}

// digitsOrAbsent reports whether a sent value is 1 to 18 digits.
func digitsOrAbsent(p Params, name string) bool {
	_, ok := ParseID(p.Get(name))
	return !p.Has(name) || ok
}

// checkUpdateValues is device_update's step 4: each sent value in its set.
func checkUpdateValues(in DeviceUpdateInput) error {
	p := in.Params
	pin := strings.Trim(p.Get("pin"), " ")
	dynamicUsername := p.Get("authentication") == "0" && p.Has("username")
	return firstError(
		check(!oneOf(p, "authentication", "0", "1"), ErrInvalid("authentication")),
		check(!oneOf(p, "trunk", "0", "1", "2"), ErrInvalid("trunk")),
		check(!oneOf(p, "hidden", "0", "1"), ErrInvalid("hidden")),
		check(!digitsOrAbsent(p, "port"), ErrInvalid("port")),
		check(!digitsOrAbsent(p, "call_limit"), ErrInvalid("call_limit")),
		check(p.Has("pin") && in.PINTaken, ErrPINUsed),
		check(pin != "" && !IsDigits(pin), ErrPINNotNumeric),
		check(p.Has("extension") && in.ExtensionTaken, ErrExtensionUsed),
		check(p.Has("extension") && p.Get("extension") == "", ErrInvalid("extension")),
		check(dynamicUsername && (p.Get("username") == "" || in.UsernameTaken), ErrInvalid("username")),
	)
}

// applyUpdate writes the sent values into d, as MOR maps them.
func applyUpdate(d *Device, p Params) {
	switch p.Get("authentication") {
	case "0":
		d.Host = "dynamic"
		setIfSent(p, "username", &d.Username)
		setIfSent(p, "password", &d.Secret)
	case "1":
		d.Host = p.Get("host")
		d.IPAddr = p.Get("host")
		if p.Has("port") {
			d.Port, _ = strconv.ParseInt(p.Get("port"), 10, 64)
		}
	}
	if p.Has("trunk") {
		d.IsTrunk, d.ANI = p.Get("trunk") != "0", p.Get("trunk") == "2"
	}
	setIfSent(p, "description", &d.Description)
	if p.Has("pin") {
		d.PIN = strings.Trim(p.Get("pin"), " ")
	}
	setIfSent(p, "extension", &d.Extension)
	if p.Has("callerid_number") || p.Has("callerid_name") {
		name, number := ParseCallerID(d.CallerID)
		setIfSent(p, "callerid_name", &name)
		setIfSent(p, "callerid_number", &number)
		d.CallerID = FormatCallerID(name, number)
	}
	if p.Has("call_limit") {
		d.CallLimit, _ = strconv.ParseInt(p.Get("call_limit"), 10, 64)
	}
	if p.Has("hidden") {
		d.Hidden = p.Get("hidden") == "1"
	}
	setIfSent(p, "language", &d.Language)
}

// setIfSent copies a sent parameter into *dst.
func setIfSent(p Params, name string, dst *string) {
	if p.Has(name) {
		*dst = p.Get(name)
	}
}
