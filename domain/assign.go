package domain

// AssignMethod names which of MOR's two assign methods runs; they share
// their checks but for the trunk rules.
type AssignMethod int

// Assign methods.
const (
	// TrunkAssign is did_trunk_device_assign: a trunk takes a DID reserved
	// for its user.
	TrunkAssign AssignMethod = iota
	// DeviceAssign is did_device_assign: any device, free DIDs too.
	DeviceAssign
)

// AssignInput is what the assign and unassign rules look at, loaded in one
// write transaction. Device, DeviceUser and DID are nil when not found.
type AssignInput struct {
	Caller     Caller
	Settings   Settings
	Device     *Device
	DeviceUser *User
	DID        *DID
}

// Assign applies did_trunk_device_assign's or did_device_assign's checks in
// MOR's order and returns the DID as it must be stored. Errors:
// ErrAccessDenied, ErrDeviceNotFound, ErrDeviceNotAuthorized,
// ErrNotAuthDIDsMgr, ErrDIDNotFound, ErrDIDNotAuthorized, ErrDIDTerminated,
// ErrDIDNotFree, ErrDIDMustBeReserved, ErrDeviceNotTrunk,
// ErrDeviceNotAssigned.
func Assign(m AssignMethod, in AssignInput) (DID, error) {
	c := in.Caller
	if !c.Known() || c.Is(PlainUser) {
		return DID{}, ErrAccessDenied
	}
	if in.Device == nil {
		return DID{}, ErrDeviceNotFound
	}
	if !c.Owns(in.DeviceUser) {
		return DID{}, ErrDeviceNotAuthorized
	}
	if !c.CanManageDIDs() || (m == TrunkAssign && c.Is(Reseller) && !in.Settings.ResellersAllowAssignDIDToTrunk) {
		return DID{}, ErrNotAuthDIDsMgr
	}
	if err := checkDIDInPool(c, in.DID, ErrDIDNotAuthorized); err != nil {
		return DID{}, err
	}
	did := *in.DID
	reservedForDeviceUser := did.Status == StatusReserved && did.UserID == in.Device.UserID
	if did.Status != StatusFree && !reservedForDeviceUser {
		return DID{}, ErrDIDNotFree
	}
	if m == TrunkAssign {
		if did.Status == StatusFree {
			return DID{}, ErrDIDMustBeReserved
		}
		if !in.Device.IsTrunk {
			return DID{}, ErrDeviceNotTrunk
		}
	}
	if c.Is(Reseller) && (in.DeviceUser.Hidden ||
		(m == DeviceAssign && in.Device.IsTrunk && !in.Settings.ResellersAllowAssignDIDToTrunk)) {
		return DID{}, ErrDeviceNotAssigned
	}
	did.Status = StatusActive
	did.DeviceID = in.Device.ID
	did.UserID = in.Device.UserID
	return did, nil
}

// Unassign applies did_device_unassign's checks in MOR's order and returns
// the DID as it must be stored. Errors: ErrAccessDenied, ErrNotAuthDIDsMgr,
// ErrDIDNotFound, ErrDIDNotAuthorizedUnas, ErrDIDTerminated,
// ErrDIDAlreadyFree, ErrDIDOnDialplan.
func Unassign(c Caller, d *DID) (DID, error) {
	if !c.Known() || c.Is(PlainUser) {
		return DID{}, ErrAccessDenied
	}
	if !c.CanManageDIDs() {
		return DID{}, ErrNotAuthDIDsMgr
	}
	if err := checkDIDInPool(c, d, ErrDIDNotAuthorizedUnas); err != nil {
		return DID{}, err
	}
	did := *d
	if did.Status != StatusActive {
		return DID{}, ErrDIDAlreadyFree
	}
	if did.DialplanID != 0 {
		return DID{}, ErrDIDOnDialplan
	}
	did.Status = StatusFree
	did.DeviceID = 0
	did.UserID = 0
	return did, nil
}

// checkDIDInPool runs the shared DID checks of the assign methods: found, in
// the caller's pool (the admin too is confined to his own pool here, as in
// MOR's code), not terminated.
func checkDIDInPool(c Caller, d *DID, notAuthorized *Error) error {
	if d == nil {
		return ErrDIDNotFound
	}
	if d.ResellerID != c.Scope() {
		return notAuthorized
	}
	if d.Status == StatusTerminated {
		return ErrDIDTerminated
	}
	return nil
}
