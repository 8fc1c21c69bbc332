package domain

import (
	"strings"
	"unicode/utf8"
)

// Dial plans. MOR's API has no dial plan methods: MOR makes dial plans, and
// puts DIDs on and off them, in its web pages. These are those pages' rules
// and texts (MOR's green "status" and red "notice" flashes).

// Dial plan types (MOR's dptype), in the order MOR's list shows them.
const (
	DPCallingCard = "callingcard"
	DPAuthByPIN   = "authbypin"
	DPCallback    = "callback"
	DPIVR         = "ivr"
	DPQuickfwd    = "quickforwarddids"
	DPPBXFunction = "pbxfunction"
	DPRingGroup   = "ringgroup"
	DPQueue       = "queue"
)

// DialplanType is one dptype: its section title on the list, whether the
// Dial Plans page makes it, and whether it names a device (MOR's data5 for
// authbypin, data3 for callback and quickforwarddids).
type DialplanType struct {
	Type, Section string
	Creatable     bool
	HasDevice     bool
}

// DialplanTypes are the eight types in MOR's list order. MOR manages the
// last three on their own pages (PBX functions, ring groups, queues).
var DialplanTypes = []DialplanType{
	{DPCallingCard, "Calling Cards", true, false},
	{DPAuthByPIN, "Authorization by PIN", true, true},
	{DPCallback, "Callback", true, true},
	{DPIVR, "IVR", true, false},
	{DPQuickfwd, "Quickforward", true, true},
	{DPPBXFunction, "PBX functions", false, false},
	{DPRingGroup, "Ring groups", false, false},
	{DPQueue, "Queues", false, false},
}

// LookupDialplanType returns the type named t.
func LookupDialplanType(t string) (DialplanType, bool) {
	for _, dt := range DialplanTypes {
		if dt.Type == t {
			return dt, true
		}
	}
	return DialplanType{}, false
}

// DialplanNameMax is the name form field's limit.
const DialplanNameMax = 50

// The dial plan pages' texts.
var (
	ErrNoRightsEdit         = refused("You do not have rights to edit this")
	ErrDialplanNotFound     = refused("Dial Plan was not found")
	ErrDialplanNameBlank    = refused("Please enter name")
	ErrDialplanNotCreated   = refused("Dial Plan was not created")
	ErrDialplanNotUpdated   = refused("Dial Plan was not updated")
	ErrDialplanHasDIDs      = refused("Cannot delete Dial Plan. It is assigned to DID(s)")
	ErrDIDNotUpdated        = refused("DID was not updated")
	TextDialplanCreated     = "Dial Plan successfully created"
	TextDialplanUpdated     = "Dial Plan successfully updated"
	TextDialplanDeletedPfx  = "Dial Plan deleted: "
	TextDIDOnDialplanPrefix = "DID assigned to Dial Plan: "
	TextDIDMadeAvailable    = "DID made available"
)

// ManageDialplans is who may open the dial plan pages: the admin and
// resellers. Errors: ErrNotAuthView for anyone else (MOR's role table
// denies accountants every dial plan page).
func ManageDialplans(c Caller) error {
	if c.Is(Admin) || c.Is(Reseller) {
		return nil
	}
	return ErrNotAuthView
}

// DialplanInScope checks a loaded plan (nil: none) against the caller.
// Errors: ErrDialplanNotFound, ErrAccessDenied when another owner's.
func DialplanInScope(c Caller, dp *Dialplan) error {
	switch {
	case dp == nil:
		return ErrDialplanNotFound
	case dp.UserID != c.Scope():
		return ErrAccessDenied
	}
	return nil
}

// DialplanForm is a create or update form as posted.
type DialplanForm struct {
	Name     string
	HasName  bool   // the dialplan[name] field was sent at all
	DPType   string // create only
	DeviceID int64  // 0: "Not used"
	// Device and DeviceUser are the device DeviceID names and its user
	// (nil when none).
	Device     *Device
	DeviceUser *User
}

// CheckDialplanForm runs steps 2-4 of a create (update: notDone is
// ErrDialplanNotUpdated, dptype the plan's own) and returns the row to
// store, without id. Errors: notDone, ErrDialplanNameBlank,
// ErrDeviceNotFound, ErrAccessDenied.
func CheckDialplanForm(c Caller, f DialplanForm, notDone *Error) (Dialplan, error) {
	dt, ok := LookupDialplanType(f.DPType)
	if !ok || !dt.Creatable {
		return Dialplan{}, notDone
	}
	name := strings.Trim(f.Name, " ")
	switch {
	case name == "":
		return Dialplan{}, ErrDialplanNameBlank
	case utf8.RuneCountInString(name) > DialplanNameMax:
		return Dialplan{}, notDone
	}
	dp := Dialplan{Name: name, DPType: dt.Type, UserID: c.Scope()}
	if dt.HasDevice && f.DeviceID != 0 {
		if f.Device == nil {
			return Dialplan{}, ErrDeviceNotFound
		}
		if !c.Owns(f.DeviceUser) {
			return Dialplan{}, ErrAccessDenied
		}
		dp.DeviceID = f.DeviceID
	}
	return dp, nil
}

// DIDDialplanRight is who may put a DID on a dial plan, or take it off,
// from the DID pages: the admin, resellers, and accountants with
// manage_dids_opt_1 = 2. Errors: ErrNotAuthView for a plain user,
// ErrNoRightsEdit for an accountant without the right.
func DIDDialplanRight(c Caller) error {
	switch {
	case c.Is(Admin) || c.Is(Reseller):
		return nil
	case c.Is(Accountant) && c.User.Right(RightManageDIDs) == 2:
		return nil
	case c.Is(Accountant):
		return ErrNoRightsEdit
	}
	return ErrNotAuthView
}

// PutOnDialplan puts d on plan dp: d must be free with no user and in the
// caller's pool. It becomes active on the plan; its user, device,
// reseller, closed_till, provider and details stay. Errors: ErrDIDNotFree.
func PutOnDialplan(c Caller, d DID, dp Dialplan) (DID, error) {
	if d.Status != StatusFree || d.UserID != 0 || d.ResellerID != c.Scope() {
		return d, ErrDIDNotFree
	}
	d.Status, d.DialplanID = StatusActive, dp.ID
	return d, nil
}

// TakeOffDialplan frees d, active on a dial plan: status free, dial plan,
// user and device 0; the admin or an accountant also takes it out of a
// reseller's pool (as did_details_update's free does), a reseller keeps it
// in his. Errors: ErrDIDNotUpdated when d is not active on a plan (a stale
// page).
func TakeOffDialplan(c Caller, d DID) (DID, error) {
	if d.Status != StatusActive || d.DialplanID == 0 {
		return d, ErrDIDNotUpdated
	}
	d.Status, d.DialplanID, d.UserID, d.DeviceID = StatusFree, 0, 0, 0
	if !c.Is(Reseller) {
		d.ResellerID = 0
	}
	return d, nil
}

// DialplanColumns are a plan's columns for its action log rows.
func (dp Dialplan) Columns() map[string]any {
	return map[string]any{"name": dp.Name, "dptype": dp.DPType, "user_id": dp.UserID, "device_id": dp.DeviceID}
}
