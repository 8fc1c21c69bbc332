package domain

import "time"

// The DID lifecycle, in one place. A DID lives in one of five statuses; a
// free DID sits in the admin's pool (reseller_id 0) or in a reseller's.
//
//	move                     from                               to          user_id          device_id  dialplan_id  reseller_id              closed_till
//	did_trunk_device_assign  reserved (for the trunk's user)    active      device's user    device     kept         kept                     kept
//	did_device_assign        free, reserved (device's user)     active      device's user    device     kept         kept                     kept
//	did_device_unassign      active (not on a dial plan)        free        0                0          kept         kept                     kept
//	reserve for a reseller   free                               free        0                kept (0)   kept (0)     the reseller             kept
//	reserve for a user       free                               reserved    the user         kept (0)   kept (0)     the user's owner         kept
//	free (did_user_id=-1)    free, reserved, closed             free        0                0          kept         0 (a reseller: kept)     kept
//	did_close                active on a device                 closed      kept             kept       kept         kept                     now + days
//	did_subscription_stop    active on a device                 closed      kept             kept       kept         kept                     now + days
//	did_terminate            free (admin's pool), closed        terminated  0                0          kept         0                        kept
//	did_make_free            terminated, reserved, closed       free        0                0          0            0 (a reseller: kept)     kept
//	did_delete               terminated, no calls               (row removed)
//	did_create               (none)                             free, in the caller's pool
//
// Each move's status checks run in MOR's order and answer MOR's text; the
// methods run their caller, ownership and device checks around them (see
// Assign, Unassign and the did_* functions).

// Move is one way a DID's state changes, named after the method that makes it.
type Move string

// The moves of the lifecycle.
const (
	MoveTrunkAssign     Move = "did_trunk_device_assign"
	MoveDeviceAssign    Move = "did_device_assign"
	MoveUnassign        Move = "did_device_unassign"
	MoveReserveReseller Move = "did_details_update: reserve for a reseller"
	MoveReserveUser     Move = "did_details_update: reserve for a user"
	MoveFree            Move = "did_details_update: free"
	MoveClose           Move = "did_close"
	MoveStop            Move = "did_subscription_stop"
	MoveTerminate       Move = "did_terminate"
	MoveMakeFree        Move = "did_make_free"
	MoveDelete          Move = "did_delete"
)

// MoveArgs is what a move needs besides the DID: the caller, the device
// (assigns), the user a DID is reserved for, and the clock and setting for
// closed_till (closes).
type MoveArgs struct {
	Caller       Caller
	Device       *Device
	User         *User
	Now          time.Time
	DaysForClose int64
}

// move is one row of the lifecycle: refuse answers MOR's text when the DID's
// state forbids the move (checks in MOR's order); apply makes it.
type move struct {
	refuse func(d DID, a MoveArgs) *Error
	apply  func(d DID, a MoveArgs) DID
}

var lifecycle = map[Move]move{
	MoveTrunkAssign:     {refuseTrunkAssign, toDevice},
	MoveDeviceAssign:    {refuseDeviceAssign, toDevice},
	MoveUnassign:        {refuseUnassign, unassign},
	MoveReserveReseller: {onlyFree, reserveForReseller},
	MoveReserveUser:     {onlyFree, reserveForUser},
	MoveFree:            {refuseFree, free},
	MoveClose:           {refuseClose, closeDID},
	MoveStop:            {onlyOnDevice(ErrStopNotOnDevice), closeDID},
	MoveTerminate:       {refuseTerminate, terminate},
	MoveMakeFree:        {refuseMakeFree, makeFree},
	MoveDelete:          {refuseDelete, func(d DID, _ MoveArgs) DID { return d }},
}

// Step checks that move m may take d from its state and returns the DID as
// it must be stored (for MoveDelete, d itself: the row is then removed).
// Errors: the move's status texts, in MOR's order.
func Step(m Move, d DID, a MoveArgs) (DID, error) {
	mv := lifecycle[m]
	if err := mv.refuse(d, a); err != nil {
		return DID{}, err
	}
	return mv.apply(d, a), nil
}

// Refuse returns the text that move m answers for d's state, nil when the
// move may be made; it changes nothing.
func Refuse(m Move, d DID, a MoveArgs) error {
	if err := lifecycle[m].refuse(d, a); err != nil {
		return err
	}
	return nil
}

// NewDID is a DID as did_create makes it: free, in the caller's pool.
func NewDID(number string, providerID int64, c Caller) DID {
	return DID{Number: number, Status: StatusFree, ResellerID: c.Scope(), ProviderID: providerID, Language: "en"}
}

// onDevice reports whether d is active on a device.
func onDevice(d DID) bool { return d.Status == StatusActive && d.DeviceID != 0 }

// keepPool is the pool a freed DID lands in: a reseller keeps it in his,
// the admin and accountants take it back to the admin's.
func keepPool(d DID, c Caller) int64 {
	if c.Is(Reseller) {
		return d.ResellerID
	}
	return AdminID
}

func refuseAssign(d DID, a MoveArgs) *Error {
	if d.Status == StatusTerminated {
		return ErrDIDTerminated
	}
	reservedForDeviceUser := d.Status == StatusReserved && d.UserID == a.Device.UserID
	if d.Status != StatusFree && !reservedForDeviceUser {
		return ErrDIDNotFree
	}
	return nil
}

func refuseDeviceAssign(d DID, a MoveArgs) *Error { return refuseAssign(d, a) }

func refuseTrunkAssign(d DID, a MoveArgs) *Error {
	if err := refuseAssign(d, a); err != nil {
		return err
	}
	if d.Status == StatusFree {
		return ErrDIDMustBeReserved
	}
	return nil
}

func toDevice(d DID, a MoveArgs) DID {
	d.Status, d.DeviceID, d.UserID = StatusActive, a.Device.ID, a.Device.UserID
	return d
}

func refuseUnassign(d DID, _ MoveArgs) *Error {
	switch {
	case d.Status == StatusTerminated:
		return ErrDIDTerminated
	case d.Status != StatusActive:
		return ErrDIDAlreadyFree
	case d.DialplanID != 0:
		return ErrDIDOnDialplan
	}
	return nil
}

// unassign loses a reservation, as in MOR; the pool is kept.
func unassign(d DID, _ MoveArgs) DID {
	d.Status, d.DeviceID, d.UserID = StatusFree, 0, 0
	return d
}

func onlyFree(d DID, _ MoveArgs) *Error {
	if d.Status != StatusFree {
		return ErrDIDNotFree
	}
	return nil
}

func reserveForReseller(d DID, a MoveArgs) DID {
	d.ResellerID, d.UserID = a.User.ID, 0
	return d
}

// reserveForUser puts the DID in the pool of whoever owns the user.
func reserveForUser(d DID, a MoveArgs) DID {
	d.Status, d.UserID, d.ResellerID = StatusReserved, a.User.ID, a.User.OwnerID
	return d
}

func refuseFree(d DID, _ MoveArgs) *Error {
	if d.Status == StatusActive || d.Status == StatusTerminated {
		return ErrDIDNotFreed
	}
	return nil
}

func free(d DID, a MoveArgs) DID {
	d.Status, d.UserID, d.DeviceID, d.ResellerID = StatusFree, 0, 0, keepPool(d, a.Caller)
	return d
}

func refuseClose(d DID, a MoveArgs) *Error {
	switch {
	case d.Status == StatusClosed:
		return ErrDIDAlreadyClosed
	case d.DialplanID != 0:
		return ErrDIDOnDialPlan
	}
	return onlyOnDevice(ErrCloseNotOnDevice)(d, a)
}

func onlyOnDevice(text *Error) func(DID, MoveArgs) *Error {
	return func(d DID, _ MoveArgs) *Error {
		if !onDevice(d) {
			return text
		}
		return nil
	}
}

// closeDID keeps the DID for its user until now + days_for_did_close days.
func closeDID(d DID, a MoveArgs) DID {
	d.Status = StatusClosed
	d.ClosedTill = a.Now.UTC().Truncate(time.Second).AddDate(0, 0, int(a.DaysForClose))
	return d
}

func refuseTerminate(d DID, _ MoveArgs) *Error {
	switch {
	case d.Status == StatusFree && d.ResellerID != 0:
		return ErrDIDNotTerminated
	case d.Status != StatusFree && d.Status != StatusClosed:
		return ErrDIDNotTerminatedStatus
	}
	return nil
}

func terminate(d DID, _ MoveArgs) DID {
	d.Status, d.UserID, d.DeviceID, d.ResellerID = StatusTerminated, 0, 0, 0
	return d
}

func refuseMakeFree(d DID, _ MoveArgs) *Error {
	switch d.Status {
	case StatusTerminated, StatusReserved, StatusClosed:
		return nil
	}
	return ErrDIDNotFreed
}

func makeFree(d DID, a MoveArgs) DID {
	d = free(d, a)
	d.DialplanID = 0
	return d
}

func refuseDelete(d DID, _ MoveArgs) *Error {
	switch {
	case d.Status != StatusTerminated:
		return ErrDIDNotTerminatedDelete
	case d.CallCount > 0:
		return ErrDIDHasCalls
	}
	return nil
}
