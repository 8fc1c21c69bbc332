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
	mv, args := MoveDeviceAssign, MoveArgs{Caller: c, Device: in.Device}
	if m == TrunkAssign {
		mv = MoveTrunkAssign
	}
	if err := Refuse(mv, *in.DID, args); err != nil {
		return DID{}, err
	}
	if m == TrunkAssign && !in.Device.IsTrunk {
		return DID{}, ErrDeviceNotTrunk
	}
	if c.Is(Reseller) && (in.DeviceUser.Hidden ||
		(m == DeviceAssign && in.Device.IsTrunk && !in.Settings.ResellersAllowAssignDIDToTrunk)) {
		return DID{}, ErrDeviceNotAssigned
	}
	return Step(mv, *in.DID, args)
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
	return Step(MoveUnassign, *d, MoveArgs{Caller: c})
}

// checkDIDInPool runs the shared DID checks of the assign methods: found and
// in the caller's pool (the admin too is confined to his own pool here, as in
// MOR's code). The status checks are the lifecycle's (lifecycle.go).
func checkDIDInPool(c Caller, d *DID, notAuthorized *Error) error {
	if d == nil {
		return ErrDIDNotFound
	}
	if d.ResellerID != c.Scope() {
		return notAuthorized
	}
	return nil
}
