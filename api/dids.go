package api

import (
	"strconv"

	"morlite/domain"
)

// The success texts of the assign, unassign and details methods; the DID
// edit page's moves answer them too.
const (
	TextAssigned       = "Device assigned to DID"
	TextUnassigned     = "Device was unassigned from DID"
	TextDetailsUpdated = "DID details successfully updated"
)

// handleDIDTrunkDeviceAssign is did_trunk_device_assign: a trunk takes a DID
// reserved for its user.
func (s *API) handleDIDTrunkDeviceAssign(r *request) (*node, error) {
	return s.assign(r, domain.TrunkAssign)
}

// handleDIDDeviceAssign is did_device_assign (alias did_assign_device).
func (s *API) handleDIDDeviceAssign(r *request) (*node, error) {
	return s.assign(r, domain.DeviceAssign)
}

func (s *API) assign(r *request, m domain.AssignMethod) (*node, error) {
	did, err := s.store.AssignDID(r.ctx, m, r.method, r.caller, r.params.Get("device_id"), r.params.Get("did"))
	if err != nil {
		return nil, err
	}
	page := successPage(TextAssigned)
	if r.test {
		page.add(el("did_id", itoa(did.ID)), el("device_id", itoa(did.DeviceID)))
	}
	return page, nil
}

// handleDIDDeviceUnassign is did_device_unassign (alias did_unassign_device).
func (s *API) handleDIDDeviceUnassign(r *request) (*node, error) {
	did, err := s.store.UnassignDID(r.ctx, r.caller, r.params.Get("did"))
	if err != nil {
		return nil, err
	}
	page := successPage(TextUnassigned)
	if r.test {
		page.add(el("did_id", itoa(did.ID)))
	}
	return page, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
