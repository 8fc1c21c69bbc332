package api

import (
	"strings"

	"morlite/domain"
)

// handleDIDCreate is did_create: a new free DID in the caller's pool.
func (s *API) handleDIDCreate(r *request) (*node, error) {
	did, err := s.store.CreateDID(r.ctx, r.caller, r.params.Get("provider_id"), r.params.Get("did"))
	if err != nil {
		return nil, err
	}
	details := tree("did_details", el("id", itoa(did.ID)))
	if r.test {
		details.add(el("did", did.Number))
	}
	return successPage("DID created").add(details), nil
}

// handleDIDDetailsUpdate is did_details_update: reserve, free and edit a DID.
func (s *API) handleDIDDetailsUpdate(r *request) (*node, error) {
	if _, err := s.store.UpdateDIDDetails(r.ctx, r.caller, r.params); err != nil {
		return nil, err
	}
	return successPage(TextDetailsUpdated), nil
}

// closingMethod is one of the methods that close, stop, terminate, free or
// delete a DID: its move, the parameter naming the DID, its success text.
type closingMethod struct {
	move    domain.Move
	idParam string
	success string
}

// closingMethods are did_close, did_subscription_stop, did_terminate,
// did_make_free and did_delete.
var closingMethods = map[string]closingMethod{
	"did_close":             {domain.MoveClose, "dids_id", "DID successfully closed"},
	"did_subscription_stop": {domain.MoveStop, "did_id", "DID was successfully closed"},
	"did_terminate":         {domain.MoveTerminate, "dids_id", "DID successfully terminated"},
	"did_make_free":         {domain.MoveMakeFree, "dids_id", "DID successfully made available"},
	"did_delete":            {domain.MoveDelete, "dids_id", "DID successfully deleted"},
}

// handleDIDClosing runs the closing method the request names.
func (s *API) handleDIDClosing(r *request) (*node, error) {
	m := closingMethods[r.method]
	if _, err := s.store.CloseDID(r.ctx, m.move, r.caller, r.params.Get(m.idParam)); err != nil {
		return nil, err
	}
	if m.move == domain.MoveDelete {
		// MOR nests the status here.
		return tree("page", tree("status", el("status", m.success))), nil
	}
	return successPage(m.success), nil
}

// didElements is the most elements a DID of dids_get holds.
const didElements = 13

// leaves hands out leaf elements from one slice: a pointer into it stays
// valid because it never grows past its capacity (beyond it, el allocates).
type leaves []node

func (ls *leaves) el(name, text string) *node {
	if len(*ls) == cap(*ls) {
		return el(name, text)
	}
	*ls = append(*ls, node{name: name, text: text})
	return &(*ls)[len(*ls)-1]
}

// handleDIDsGet is dids_get: the caller's DIDs, filtered and paged.
func (s *API) handleDIDsGet(r *request) (*node, error) {
	search, err := domain.NewDIDSearch(r.caller, r.params)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.SearchDIDs(r.ctx, search)
	if err != nil {
		return nil, err
	}
	dids := tree("dids")
	for _, l := range rows {
		dids.add(didListingNode(search, l))
	}
	return tree("page", dids), nil
}

// StatusWord is a status as MOR prints it in dids_get and on the pages:
// capitalised ("Reserved").
func StatusWord(st domain.Status) string {
	if st == "" {
		return ""
	}
	return strings.ToUpper(string(st[:1])) + string(st[1:])
}

// didListingNode renders one DID with MOR's rules for who sees which
// element. Its elements come from one allocation, as dids_get may list
// thousands.
func didListingNode(s domain.DIDSearch, l domain.DIDListing) *node {
	d, all, plain := l.DID, s.SeesAll(), s.Caller.Is(domain.PlainUser)
	ls := make(leaves, 0, didElements)
	el := ls.el
	n := &node{name: "did", kids: make([]*node, 0, didElements)}
	n.add(el("did", d.Number))
	if all {
		n.add(el("provider", l.ProviderName))
	}
	n.add(el("language", d.Language), el("status", StatusWord(d.Status)), el("did_status", string(d.Status)))
	if all && d.ResellerID != 0 {
		n.add(el("reseller", l.ResellerName))
	}
	if d.ResellerID == 0 || d.UserID != 0 {
		n.add(el("owner", l.OwnerName))
	}
	n.add(el("device", l.DeviceLabel))
	if !plain {
		n.add(el("dial_plan", l.DialPlan))
	}
	limit := "Unlimited"
	if d.CallLimit != 0 {
		limit = itoa(d.CallLimit)
	}
	n.add(el("simultaneous_call_limit", limit))
	if !plain {
		n.add(el("tone_zone", d.Tonezone))
	}
	comment := d.Comment
	if s.Caller.Is(domain.Reseller) {
		comment = d.ResellerComment
	}
	if comment != "" {
		n.add(el("comment", comment))
	}
	return n.add(el("id", itoa(d.ID)))
}
