package domain

import (
	"strconv"
	"time"
)

// DIDMethodInput is what did_create, did_details_update and the closing
// methods look at, loaded in one write transaction. DID, Provider and
// TargetUser are nil when the request names none.
type DIDMethodInput struct {
	Caller     Caller
	Settings   Settings
	DID        *DID
	Provider   *Provider
	TargetUser *User
	Now        time.Time
}

// CreateDID applies did_create's checks in MOR's order and returns the new
// DID. number is the request's raw value; exists says whether its trimmed
// form is already a DID. Errors: ErrAccessDenied, ErrProviderNotFound,
// ErrProviderNotAuthorized, ErrNotAuthDIDsMgr, ErrDIDExists, ErrDIDInvalid.
func CreateDID(in DIDMethodInput, number string, exists bool) (DID, error) {
	c := in.Caller
	if !c.Known() || c.Is(PlainUser) {
		return DID{}, ErrAccessDenied
	}
	if err := providerUsable(c, in.Settings, in.Provider); err != nil {
		return DID{}, err
	}
	if (c.Is(Accountant) && c.User.Right(RightManageDIDs) != 2) ||
		(c.Is(Reseller) && !in.Settings.ResellersCanAddTheirOwnDIDs) {
		return DID{}, ErrNotAuthDIDsMgr
	}
	if exists {
		return DID{}, ErrDIDExists
	}
	n, ok := ParseDIDNumber(number)
	if !ok {
		return DID{}, ErrDIDInvalid
	}
	return NewDID(n, in.Provider.ID, c), nil
}

// ProviderFor returns the provider id a did_create or did_details_update
// request names: the raw id when given, else (for a reseller creating a
// DID) did_default_provider_to_resellers. ok is false when none is named.
func ProviderFor(c Caller, s Settings, raw string) (int64, bool) {
	if raw == "" && c.Is(Reseller) {
		return s.DIDDefaultProviderToResellers, s.DIDDefaultProviderToResellers != 0
	}
	return ParseID(raw)
}

// providerUsable is did_create's provider rule: it exists and is not
// hidden, and is owned by the caller's scope or is the reseller default.
// Errors: ErrProviderNotFound, ErrProviderNotAuthorized.
func providerUsable(c Caller, s Settings, p *Provider) error {
	if p == nil || p.Hidden {
		return ErrProviderNotFound
	}
	isDefault := c.Is(Reseller) && p.ID == s.DIDDefaultProviderToResellers
	if p.UserID != c.Scope() && !isDefault {
		return ErrProviderNotAuthorized
	}
	return nil
}

// canUseDIDs is the rule of did_details_update and the closing methods: the
// admin, resellers, and accountants with manage_dids_opt_1 = 2.
func canUseDIDs(c Caller) bool {
	if !c.Known() || c.Is(PlainUser) {
		return false
	}
	return !c.Is(Accountant) || c.User.Right(RightManageDIDs) == 2
}

// reaches reports whether the caller may touch d with the methods that are
// not assign methods: the admin and accountants every DID, a reseller his
// pool.
func reaches(c Caller, d *DID) bool {
	return d != nil && (!c.Is(Reseller) || d.ResellerID == c.User.ID)
}

// closingNotFound is each closing method's not-found text.
var closingNotFound = map[Move]*Error{
	MoveClose: ErrCloseDIDNotFound, MoveStop: ErrDIDNotFound, MoveTerminate: ErrDIDNotFound,
	MoveMakeFree: ErrDIDNotFound, MoveDelete: ErrDIDNotFound,
}

// CloseDID runs did_close, did_subscription_stop, did_terminate,
// did_make_free or did_delete (by move): the caller's right, the DID's
// reach, then the move's status checks. Errors: ErrAccessDenied, the
// method's not-found text, the move's status texts.
func CloseDID(m Move, in DIDMethodInput) (DID, error) {
	if !canUseDIDs(in.Caller) {
		return DID{}, ErrAccessDenied
	}
	if !reaches(in.Caller, in.DID) {
		return DID{}, closingNotFound[m]
	}
	return Step(m, *in.DID, MoveArgs{Caller: in.Caller, Now: in.Now, DaysForClose: in.Settings.DaysForDIDClose})
}

// UpdateDIDDetails runs did_details_update on p's parameters in MOR's
// order: reserve (did_user_id), free (did_user_id=-1) and the editable
// fields. Errors: ErrAccessDenied, ErrDIDNotFound, ErrCallLimitFormat,
// ErrGraceTimeFormat, ErrDIDNotFree, ErrUserWasNotFound, ErrDIDNotFreed,
// ErrProviderNotFound.
func UpdateDIDDetails(in DIDMethodInput, p Params) (DID, error) {
	c := in.Caller
	if !canUseDIDs(c) {
		return DID{}, ErrAccessDenied
	}
	if !reaches(c, in.DID) {
		return DID{}, ErrDIDNotFound
	}
	d := *in.DID
	if err := editCounts(&d, p); err != nil {
		return DID{}, err
	}
	d, err := reserveOrFree(in, d, p.Get("did_user_id"))
	if err != nil {
		return DID{}, err
	}
	if v := p.Get("did_provider_id"); v != "" {
		if providerUsable(c, in.Settings, in.Provider) != nil {
			return DID{}, ErrProviderNotFound
		}
		d.ProviderID = in.Provider.ID
	}
	editTexts(&d, p)
	return d, nil
}

// editCounts reads call_limit and grace_time: whole numbers >= 0; empty is
// ignored.
func editCounts(d *DID, p Params) error {
	for _, f := range []struct {
		name string
		dst  *int64
		err  *Error
	}{{"call_limit", &d.CallLimit, ErrCallLimitFormat}, {"grace_time", &d.GraceTime, ErrGraceTimeFormat}} {
		v := p.Get(f.name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if !IsDigits(v) || err != nil {
			return f.err
		}
		*f.dst = n
	}
	return nil
}

// editTexts sets comment and reseller_comment (an empty one clears it) and
// language (empty is ignored).
func editTexts(d *DID, p Params) {
	if p.Has("comment") {
		d.Comment = p.Get("comment")
	}
	if p.Has("reseller_comment") {
		d.ResellerComment = p.Get("reseller_comment")
	}
	if v := p.Get("language"); v != "" {
		d.Language = v
	}
}

// reserveOrFree applies did_user_id: -1 frees the DID, a user or reseller
// owned by the caller's scope reserves it, empty or absent does nothing.
func reserveOrFree(in DIDMethodInput, d DID, raw string) (DID, error) {
	args := MoveArgs{Caller: in.Caller, User: in.TargetUser}
	switch raw {
	case "":
		return d, nil
	case "-1":
		return Step(MoveFree, d, args)
	}
	if err := Refuse(MoveReserveUser, d, args); err != nil {
		return DID{}, err
	}
	u := in.TargetUser
	if u == nil || !in.Caller.Owns(u) || (u.UserType != PlainUser && u.UserType != Reseller) {
		return DID{}, ErrUserWasNotFound
	}
	if u.UserType == Reseller {
		return Step(MoveReserveReseller, d, args)
	}
	return Step(MoveReserveUser, d, args)
}
