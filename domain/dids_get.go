package domain

import "strings"

// DIDSearch is a dids_get request as it applies to its caller: who sees
// what, the filters MOR applies, and the page. A nil filter is absent.
type DIDSearch struct {
	// Caller is who asks; the store confines a reseller to his pool and a
	// plain user to his own DIDs.
	Caller Caller
	// Number is an SQL LIKE pattern on the number, used as given.
	Number *string
	// Status is a status; NoMatch is set when search_status names none.
	Status  *Status
	NoMatch bool
	// AdminPoolOnly confines free and active to reseller_id 0 (admin and
	// accountants searching those statuses).
	AdminPoolOnly bool
	// User is search_user: user_id = it, or (above 0) reseller_id = it.
	User                       *int64
	Device, Dialplan, Provider *int64
	// Language matches the DID's language ignoring letter case.
	Language *string
	// Owner is a LIKE pattern on a non-free DID's owner's display name.
	Owner          *string
	HideTerminated bool
	// Offset is from-1; Limit 0 means every row.
	Offset, Limit int64
}

// SeesAll reports whether the caller is the admin or an accountant: they
// see every pool and the provider and reseller elements.
func (s DIDSearch) SeesAll() bool { return s.Caller.Is(Admin) || s.Caller.Is(Accountant) }

// NewDIDSearch reads dids_get's parameters for caller c. Errors:
// ErrAccessDenied (unknown caller), ErrNotAuthDIDsMgr (an accountant
// without manage_dids_opt_1 >= 1).
func NewDIDSearch(c Caller, p Params) (DIDSearch, error) {
	s := DIDSearch{Caller: c}
	if !c.Known() {
		return s, ErrAccessDenied
	}
	if c.Is(Accountant) && c.User.Right(RightManageDIDs) < 1 {
		return s, ErrNotAuthDIDsMgr
	}
	s.Number = optional(p, "search_did_number")
	if v := optional(p, "search_status"); v != nil {
		st := Status(strings.ToLower(*v))
		s.Status, s.NoMatch = &st, !st.Valid()
		s.AdminPoolOnly = s.SeesAll() && (st == StatusFree || st == StatusActive)
	}
	s.User = searchID(p, "search_user")
	s.Device = searchID(p, "search_device")
	plain := c.Is(PlainUser)
	if !plain {
		s.Dialplan = searchID(p, "search_dialplan")
	}
	if !plain && !(c.Is(Reseller) && !c.User.OwnProviders) {
		s.Provider = searchID(p, "search_provider")
	}
	if v := optional(p, "search_language"); v != nil && *v != "all" {
		s.Language = v
	}
	s.Owner = optional(p, "search_did_owner")
	s.HideTerminated = p.Get("search_hide_terminated_dids") == "1"
	if from, ok := ParseID(p.Get("from")); ok && from > 1 {
		s.Offset = from - 1
	}
	s.Limit, _ = ParseID(p.Get("max_results"))
	return s, nil
}

func optional(p Params, name string) *string {
	if !p.Has(name) {
		return nil
	}
	v := p.Get(name)
	return &v
}

// searchID reads an id filter: a value that is not digits counts as 0.
func searchID(p Params, name string) *int64 {
	if !p.Has(name) {
		return nil
	}
	n, _ := ParseID(p.Get(name))
	return &n
}

// DIDListing is one row of dids_get: the DID and the names it shows.
type DIDListing struct {
	DID          DID
	ProviderName string
	ResellerName string // empty in the admin's pool
	OwnerName    string // the display name of the DID's user (user 0: the admin)
	DeviceLabel  string // TYPE/name, empty when none
	DialPlan     string // "name (dptype)", empty when none
}
