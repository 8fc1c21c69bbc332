package domain

import "strings"

// Device method errors, by method.
var (
	ErrBadLogin           = refused("Bad login")
	ErrPINUsed            = refused("PIN is already used")
	ErrPINNotNumeric      = refused("PIN must be numeric")
	ErrDeviceGroupInvalid = refused("Device group invalid")
	ErrDeviceTypeInvalid  = refused("Device type invalid")
	ErrCallerIDNotNumeric = refused("CallerID must be numeric")
	ErrNotAuthCallerID    = refused("You are not authorized to manage callerid")
	ErrDeviceNotCreated   = refused("Device was not created")

	ErrNotAuthorisedFunc = refused("You are not authorised to use this functionality")
	ErrExtensionUsed     = refused("Extension is already used")
	ErrTrunkHasDIDs      = refused("Did is assigned to device, you cannot make it a trunk")

	ErrNotAuthView     = refused("You are not authorized to view this page")
	ErrNoDeviceToShow  = refused("Device not found")
	ErrUserIDEmpty     = refused("user_id is empty")
	ErrUserNotFound    = refused("User not found")
	ErrNoRightsToEdit  = refused("You do not have rights to edit this")
	ErrDeviceHasCalls  = refused("Cannot delete device - it has calls. You can only hide device's user. Why is that and how to do that - please read in manual.")
	ErrDeviceHasDPlans = refused("Device has Dial Plans - we cannot delete it")
)

// ErrInvalid is device_update's answer to a value outside its set:
// "Invalid <name>".
func ErrInvalid(name string) *Error { return refused("Invalid " + name) }

// DeviceCreateInput is what device_create's checks look at, loaded in one
// write transaction. Target is nil when user_id names nobody; PINTaken says
// whether the sent PIN (trimmed) is already some device's.
type DeviceCreateInput struct {
	Caller   Caller
	Settings Settings
	Target   *User
	Params   Params
	PINTaken bool
}

// NewDevice is a device to create: the columns the request decides. The
// store fills in the id, extension, name, username and secret, and a random
// PIN when RandomPIN is set.
type NewDevice struct {
	Device
	RandomPIN bool
}

// CheckDeviceCreate applies device_create's checks in MOR's order and
// returns the device to create. Errors: ErrBadLogin, ErrAccessDenied,
// ErrPINUsed, ErrPINNotNumeric, ErrDeviceGroupInvalid, ErrDeviceTypeInvalid,
// ErrCallerIDNotNumeric, ErrNotAuthCallerID.
func CheckDeviceCreate(in DeviceCreateInput) (NewDevice, error) {
	c, p := in.Caller, in.Params
	switch {
	case !c.Known():
		return NewDevice{}, ErrBadLogin
	case !c.Owns(in.Target):
		return NewDevice{}, ErrAccessDenied
	case c.Is(Accountant) && c.User.Right(RightDeviceCreate) != 2:
		return NewDevice{}, ErrAccessDenied
	}
	pin := strings.Trim(p.Get("pin"), " ")
	err := firstError(
		check(in.PINTaken, ErrPINUsed),
		check(pin != "" && !IsDigits(pin), ErrPINNotNumeric),
		check(p.Has("devicegroup_id") && !sameID(p.Get("devicegroup_id"), in.Target.DevicegroupID), ErrDeviceGroupInvalid),
		check(!deviceTypeAllowed(c, in.Settings, p.Get("type")), ErrDeviceTypeInvalid),
	)
	// MOR checks the caller id last and lets it override the errors above.
	callerID := p.Get("caller_id")
	if callerID != "" && !IsDigits(callerID) {
		err = ErrCallerIDNotNumeric
	} else if callerID != "" && c.Is(Accountant) && c.User.Right(RightDeviceCallerID) != 2 {
		err = ErrNotAuthCallerID
	}
	if err != nil {
		return NewDevice{}, err
	}
	return newDevice(in, pin), nil
}

// newDevice is the device a passed device_create asks for: an empty type is
// SIP; an absent PIN (or an accountant without device_pin = 2) gets a
// random one.
func newDevice(in DeviceCreateInput, pin string) NewDevice {
	c, p := in.Caller, in.Params
	d := NewDevice{Device: Device{
		UserID: in.Target.ID, DeviceType: p.Get("type"), Description: p.Get("description"),
		PIN: pin, CallerID: FormatCallerID("", p.Get("caller_id")), Host: "dynamic", Language: "en",
		LocationID: 1, DevicegroupID: in.Target.DevicegroupID,
	}}
	if d.DeviceType == "" {
		d.DeviceType = "SIP"
	}
	d.RandomPIN = !p.Has("pin") || (c.Is(Accountant) && c.User.Right(RightDevicePIN) != 2)
	return d
}

// check returns err when bad holds.
func check(bad bool, err *Error) *Error {
	if bad {
		return err
	}
	return nil
}

// firstError returns the first non-nil error, or nil.
func firstError(errs ...*Error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// sameID reports whether raw is an id parameter naming id.
func sameID(raw string, id int64) bool {
	n, ok := ParseID(raw)
	return ok && n == id
}

// deviceTypeAllowed reports whether a caller may create a device of type t
// (empty means SIP); resellers need a setting for Virtual and dahdi.
func deviceTypeAllowed(c Caller, s Settings, t string) bool {
	switch t {
	case "", "SIP", "IAX2", "FAX", "H323":
		return true
	case "Virtual":
		return !c.Is(Reseller) || s.ResellersAllowUseVirtualDevice
	case "dahdi":
		return !c.Is(Reseller) || s.ResellersAllowUseDahdiDevice
	}
	return false
}

// IsVirtual reports whether the device takes no number from the extension
// range: its name, username and extension are virtual_<id>.
func (d *Device) IsVirtual() bool { return d.DeviceType == "Virtual" }

// FormatCallerID writes a caller id as MOR stores it: `"NAME" <NUMBER>`, or
// `<NUMBER>` without a name; empty when both are empty.
func FormatCallerID(name, number string) string {
	switch {
	case name == "" && number == "":
		return ""
	case name == "":
		return "<" + number + ">"
	}
	return `"` + name + `" <` + number + ">"
}

// ParseCallerID splits a stored caller id into its name and number.
func ParseCallerID(s string) (name, number string) {
	rest := s
	if strings.HasPrefix(rest, `"`) {
		if i := strings.Index(rest[1:], `"`); i >= 0 {
			name, rest = rest[1:1+i], strings.TrimSpace(rest[2+i:])
		}
	}
	if strings.HasPrefix(rest, "<") && strings.HasSuffix(rest, ">") {
		return name, rest[1 : len(rest)-1]
	}
	if name == "" {
		return "", s
	}
	return name, rest
}

// CheckDeviceDetails applies device_details_get's checks: d is the device
// asked for (nil when none) and owner its user. Errors: ErrAccessDenied,
// ErrNotAuthView, ErrDeviceNotFound.
func CheckDeviceDetails(c Caller, d *Device, owner *User) error {
	switch {
	case !c.Known():
		return ErrAccessDenied
	case c.Is(PlainUser), c.Is(Accountant) && (c.User.Right(RightDeviceManage) < 1 || c.User.Right(RightUserManage) < 1):
		return ErrNotAuthView
	case d == nil || !c.Owns(owner):
		return ErrDeviceNotFound
	}
	return nil
}

// CheckDevicesList applies devices_get's checks in MOR's order: rawUserID
// is the request's user_id, target the user it names (nil when none) and
// shown how many of his devices the answer would show. Errors: ErrBadLogin,
// ErrNotAuthView, ErrAccessDenied, ErrNoDeviceToShow, ErrUserIDEmpty,
// ErrUserNotFound.
func CheckDevicesList(c Caller, rawUserID string, target *User, shown int) error {
	switch {
	case !c.Known():
		return ErrBadLogin
	case c.Is(Accountant) && c.User.Right(RightDeviceManage) < 1:
		return ErrNotAuthView
	case target != nil && !c.Owns(target):
		return ErrAccessDenied
	case target != nil && shown == 0:
		return ErrNoDeviceToShow
	case target != nil:
		return nil
	case rawUserID == "":
		return ErrUserIDEmpty
	}
	return ErrUserNotFound
}

// DeviceDeleteInput is what device_delete's checks look at. Device is nil
// when the id names none; HasDialplans says a dial plan points at it.
type DeviceDeleteInput struct {
	Caller       Caller
	Device       *Device
	DeviceUser   *User
	HasDialplans bool
}

// CheckDeviceDelete applies device_delete's checks in MOR's order. Errors:
// ErrBadLogin, ErrDeviceNotFound, ErrAccessDenied, ErrNoRightsToEdit,
// ErrDeviceHasCalls, ErrDeviceHasDPlans.
func CheckDeviceDelete(in DeviceDeleteInput) error {
	c := in.Caller
	switch {
	case !c.Known():
		return ErrBadLogin
	case in.Device == nil:
		return ErrDeviceNotFound
	case c.Is(PlainUser) || !c.Owns(in.DeviceUser):
		return ErrAccessDenied
	case c.Is(Accountant) && c.User.Right(RightDeviceManage) != 2:
		return ErrNoRightsToEdit
	case in.Device.CallCount > 0:
		return ErrDeviceHasCalls
	case in.HasDialplans:
		return ErrDeviceHasDPlans
	}
	return nil
}
