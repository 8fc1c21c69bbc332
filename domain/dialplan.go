package domain

import (
	"strconv"
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
	case !utf8.ValidString(name) || utf8.RuneCountInString(name) > DialplanNameMax:
		// Text that is not UTF-8 is refused, as the API refuses it.
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

// The interval page's texts.
var (
	ErrIntervalNotUpdated   = refused("DID(s) were not updated")
	TextIntervalEnter       = "* Enter DIDs interval"
	TextIntervalBad         = "* Bad interval start and/or end"
	TextIntervalNone        = "* No DIDs found. Please check interval"
	TextIntervalAssigned    = "Dial Plan assigned to DID(s) interval"
	TextIntervalNoneDone    = "DID(s) were not assigned to Dial Plan"
	TextIntervalOnPlan      = "* DID(s) already assigned to Dial Plan"
	TextIntervalReserved    = "* DID(s) are Reserved"
	textIntervalSomeDone    = " DID(s) were assigned to Dial Plan"
	textIntervalSomeNotDone = " DID(s) were not assigned to Dial Plan"
)

// IntervalRight is who may use the interval page: the admin, and
// accountants with manage_dids_opt_1 = 2. Errors: ErrNoRightsEdit for
// another accountant, ErrNotAuthView for anyone else (resellers included).
func IntervalRight(c Caller) error {
	if c.Is(Reseller) {
		return ErrNotAuthView
	}
	return DIDDialplanRight(c)
}

// CheckInterval checks an interval's ends (step 1): the reason line of a
// refusal, "" when they are good.
func CheckInterval(from, till string) string {
	switch {
	case from == "" || till == "":
		return TextIntervalEnter
	case !IsDigits(from) || !IsDigits(till) || compareDigits(from, till) > 0:
		return TextIntervalBad
	}
	return ""
}

// compareDigits compares two digit strings as numbers.
func compareDigits(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// IntervalResult is what putting an interval on a plan did: M DIDs in the
// interval, N put on, A already on a plan, R reserved (counted before).
type IntervalResult struct {
	M, N, A, R int
}

// AssignInterval puts each DID of an interval (all of them, M) that is free
// with no user in the admin's pool onto dp, and returns the changed DIDs
// and the counts.
func AssignInterval(dids []DID, dp Dialplan) ([]DID, IntervalResult) {
	res := IntervalResult{M: len(dids)}
	var changed []DID
	for _, d := range dids {
		switch {
		case d.Status == StatusActive && d.DialplanID != 0:
			res.A++
		case d.DialplanID == 0 && (d.UserID != 0 || d.ResellerID != 0):
			res.R++
		}
		if d.Status == StatusFree && d.UserID == 0 && d.ResellerID == 0 {
			d.Status, d.DialplanID = StatusActive, dp.ID
			changed = append(changed, d)
		}
	}
	res.N = len(changed)
	return changed, res
}

// Texts are the result's status (green; "" when none), notice (red; ""
// when none) and reason lines, as MOR's interval action flashes them.
func (r IntervalResult) Texts() (status, notice string, reasons []string) {
	if r.N == r.M {
		return TextIntervalAssigned, "", nil
	}
	if r.A > 0 {
		reasons = append(reasons, TextIntervalOnPlan)
	}
	if r.R > 0 {
		reasons = append(reasons, TextIntervalReserved)
	}
	if r.N == 0 {
		return "", TextIntervalNoneDone, reasons
	}
	return strconv.Itoa(r.N) + " out of " + strconv.Itoa(r.M) + textIntervalSomeDone,
		strconv.Itoa(r.M-r.N) + textIntervalSomeNotDone, reasons
}

// IntervalRefused is an interval refused at steps 1-2: MOR's notice
// ErrIntervalNotUpdated with one reason line.
type IntervalRefused struct{ Line string }

// Error is the notice's text.
func (e *IntervalRefused) Error() string { return ErrIntervalNotUpdated.Message }
