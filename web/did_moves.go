package web

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"morlite/api"
	"morlite/domain"
)

// The moves of the DID edit page. Each runs the store method of the API
// method it names, with the viewer as caller, so its checks, its texts and
// its action log row are the API's.

// What a move form asks for.
const (
	inputUser   = "user"   // user_id: whom to reserve for
	inputDevice = "device" // device_id: any device
	inputTrunk  = "trunk"  // device_id: a trunk
)

// didMove is one move the edit page offers.
type didMove struct {
	key, label string
	method     string      // the API method it runs
	move       domain.Move // the lifecycle row its status checks are
	input      string
	danger     bool
	// rights says whether the viewer's type and rights allow the move on d.
	rights func(c domain.Caller, st domain.Settings, d domain.DID) bool
	// run makes the move and returns its success text.
	run func(ctx context.Context, s *Pages, r moveRequest) (string, error)
}

// didMoves are the page's moves, in the order the page shows them.
var didMoves = []didMove{
	{"reserve", "Reserve for user", "did_details_update", domain.MoveReserveUser, inputUser, false, detailsRight, runReserve},
	{"assign", "Assign to device", "did_device_assign", domain.MoveDeviceAssign, inputDevice, false, assignRight, runAssign},
	{"trunk", "Assign to trunk", "did_trunk_device_assign", domain.MoveTrunkAssign, inputTrunk, false, trunkRight, runAssign},
	{"unassign", "Unassign device", "did_device_unassign", domain.MoveUnassign, "", false, assignRight, runUnassign},
	{"close", "Close", "did_close", domain.MoveClose, "", false, detailsRight, runClosing},
	{"stop", "Stop subscription", "did_subscription_stop", domain.MoveStop, "", false, detailsRight, runClosing},
	{"free", "Free", "did_details_update", domain.MoveFree, "", false, detailsRight, runFree},
	{"make_free", "Make free", "did_make_free", domain.MoveMakeFree, "", false, detailsRight, runClosing},
	{"terminate", "Terminate", "did_terminate", domain.MoveTerminate, "", true, detailsRight, runClosing},
	{"delete", "Delete", "did_delete", domain.MoveDelete, "", true, detailsRight, runClosing},
}

// detailsRight is did_details_update's and the closing methods' rule: an
// accountant needs manage_dids_opt_1 = 2.
func detailsRight(c domain.Caller, _ domain.Settings, _ domain.DID) bool {
	return !c.Is(domain.Accountant) || c.User.Right(domain.RightManageDIDs) == 2
}

// assignRight is the assign and unassign methods' rule: an accountant's
// three rights, and the DID in the viewer's own pool (these methods confine
// the admin to his pool too).
func assignRight(c domain.Caller, _ domain.Settings, d domain.DID) bool {
	return c.CanManageDIDs() && d.ResellerID == c.Scope()
}

// trunkRight adds did_trunk_device_assign's reseller setting.
func trunkRight(c domain.Caller, st domain.Settings, d domain.DID) bool {
	return assignRight(c, st, d) && (!c.Is(domain.Reseller) || st.ResellersAllowAssignDIDToTrunk)
}

// offered reports whether the page shows move m for d: the viewer's rights
// allow it and the lifecycle allows it from d's status. The assign moves
// are checked as for a device of the DID's own user. Freeing a DID that is
// already free changes nothing unless the admin or an accountant takes it
// back from a reseller's pool, so it is offered only then.
func (m didMove) offered(c domain.Caller, st domain.Settings, d domain.DID) bool {
	if !m.rights(c, st, d) {
		return false
	}
	if m.move == domain.MoveFree && d.Status == domain.StatusFree && (d.ResellerID == 0 || c.Is(domain.Reseller)) {
		return false
	}
	return domain.Refuse(m.move, d, domain.MoveArgs{Caller: c, Device: &domain.Device{UserID: d.UserID}}) == nil
}

// offeredMoves lists the forms the page shows for d.
func offeredMoves(c domain.Caller, st domain.Settings, d domain.DID) []didMoveForm {
	var out []didMoveForm
	for _, m := range didMoves {
		if m.offered(c, st, d) {
			out = append(out, didMoveForm{Key: m.key, Label: m.label, Method: m.method, Input: m.input, Danger: m.danger})
		}
	}
	return out
}

// handleDIDMove runs a move form's post: the DID must be one the viewer may
// see (else 404, and nothing changes); the move then runs whether or not
// the page offered it, and its answer is the flash message.
func (s *Pages) handleDIDMove(c echo.Context) error {
	var m *didMove
	for i := range didMoves {
		if didMoves[i].key == c.Param("move") {
			m = &didMoves[i]
			break
		}
	}
	if m == nil {
		return s.PageError(c, http.StatusNotFound, "Not found", nil)
	}
	det, answered := s.viewerDID(c)
	if det == nil {
		return answered
	}
	d := det.DID
	value := c.FormValue("user_id")
	if m.input != inputUser {
		value = c.FormValue("device_id")
	}
	text, err := m.run(c.Request().Context(), s, moveRequest{m: m, c: ViewerOf(c).caller, d: d, value: value})
	back := DIDEditPath + itoa(d.ID)
	if err != nil {
		if text, ok := s.shownText(c, err); ok {
			return s.FlashAndRedirect(c, back, text, false)
		}
		return s.PageFault(c, err)
	}
	if m.move == domain.MoveDelete {
		back = DIDListPath
	}
	return s.FlashAndRedirect(c, back, text, true)
}

// moveRequest is one move to run: which, by whom, on which DID, with the
// form's user_id or device_id.
type moveRequest struct {
	m     *didMove
	c     domain.Caller
	d     domain.DID
	value string
}

// runReserve is did_details_update with did_user_id. A value that names no
// user (empty, -1, not digits) reserves for nobody rather than being
// ignored or freeing the DID as did_user_id would: the API's checks then
// answer "DID is not free" or "User was not found".
func runReserve(ctx context.Context, s *Pages, r moveRequest) (string, error) {
	if _, ok := domain.ParseID(r.value); !ok {
		r.value = "none"
	}
	return runDetails(ctx, s, r.c, r.d, r.value)
}

// runFree is did_details_update with did_user_id=-1.
func runFree(ctx context.Context, s *Pages, r moveRequest) (string, error) {
	return runDetails(ctx, s, r.c, r.d, "-1")
}

func runDetails(ctx context.Context, s *Pages, c domain.Caller, d domain.DID, userID string) (string, error) {
	_, err := s.store.UpdateDIDDetails(ctx, c, domain.Params{"did_id": itoa(d.ID), "did_user_id": userID})
	return api.TextDetailsUpdated, err
}

// runAssign is did_device_assign or did_trunk_device_assign.
func runAssign(ctx context.Context, s *Pages, r moveRequest) (string, error) {
	am := domain.DeviceAssign
	if r.m.move == domain.MoveTrunkAssign {
		am = domain.TrunkAssign
	}
	_, err := s.store.AssignDID(ctx, am, r.m.method, r.c, r.value, r.d.Number)
	return api.TextAssigned, err
}

// runUnassign is did_device_unassign.
func runUnassign(ctx context.Context, s *Pages, r moveRequest) (string, error) {
	_, err := s.store.UnassignDID(ctx, r.c, r.d.Number)
	return api.TextUnassigned, err
}

// runClosing is did_close, did_subscription_stop, did_make_free,
// did_terminate or did_delete, with the API's texts.
func runClosing(ctx context.Context, s *Pages, r moveRequest) (string, error) {
	move, success := api.Closing(r.m.method)
	_, err := s.store.CloseDID(ctx, move, r.c, itoa(r.d.ID))
	return success, err
}
