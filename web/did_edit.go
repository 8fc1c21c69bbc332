package web

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"morlite/domain"
	"morlite/store"
)

// The DID edit page: the DID, its action log, and a form for each move its
// status and the viewer's rights allow. Each form posts to
// /billing/dids/edit/<id>/<move>, which runs the API method's store code
// with the viewer as caller and shows the method's answer as a flash message.

// didEditPage is the edit page's data.
type didEditPage struct {
	Row               didRow
	SeesAll, Reseller bool
	Owner             string // "Display Name (username)", "" when none
	ResellerName      string
	DeviceIsTrunk     bool
	ClosedTill        string
	ResellerComment   string // the admin's and accountants' view only
	Moves             []didMoveForm
	Users             []domain.User        // whom a DID may be reserved for
	Devices           []store.DeviceChoice // where it may be assigned
	// PreferredDevice and PreferredTrunk are the first other device and
	// the first trunk of the DID's user: the forms preselect them.
	PreferredDevice, PreferredTrunk int64
	Actions                         []actionRow
	ActionsShown, ActionMax         int
	// Dialplan is the dial plan section (dialplans.go).
	Dialplan *didDialplanBox
}

// didMoveForm is one move form on the page.
type didMoveForm struct {
	Key, Label, Method, Input string
	Danger                    bool
}

// actionRow is one action log row as the page prints it.
type actionRow struct {
	Date, User, Action, Before, After string
}

// handleDIDEdit is the DID edit page.
func (s *Pages) handleDIDEdit(c echo.Context) error {
	det, answered := s.viewerDID(c)
	if det == nil {
		return answered
	}
	wu := ViewerOf(c)
	data, err := s.didEditData(c.Request().Context(), wu.caller, det)
	if err != nil {
		return s.PageFault(c, err)
	}
	return s.Page(c, http.StatusOK, "did_edit", "DID "+det.DID.Number, "dids", data)
}

func (s *Pages) didEditData(ctx context.Context, c domain.Caller, det *store.DIDDetail) (didEditPage, error) {
	d := det.DID
	data := didEditPage{Row: newDIDRow(c, det.DIDListing), SeesAll: domain.DIDSearch{Caller: c}.SeesAll(),
		Reseller: c.Is(domain.Reseller), DeviceIsTrunk: det.DeviceIsTrunk, ActionMax: store.DIDDetailLimit}
	if d.UserID != 0 {
		data.Owner = det.OwnerName + " (" + det.OwnerUsername + ")"
	}
	if d.ResellerID != 0 {
		data.ResellerName = det.ResellerName + " (" + det.ResellerUsername + ")"
	}
	if !d.ClosedTill.IsZero() {
		data.ClosedTill = d.ClosedTill.UTC().Format(domain.TimeLayout)
	}
	if data.SeesAll {
		data.ResellerComment = d.ResellerComment
	}
	actions, err := s.store.DIDActions(ctx, c, d.ID)
	if err != nil {
		return data, err
	}
	for _, a := range actions {
		data.Actions = append(data.Actions, newActionRow(a))
	}
	data.ActionsShown = len(data.Actions)
	st, err := s.store.Settings(ctx)
	if err != nil {
		return data, err
	}
	data.Moves = offeredMoves(c, st, d)
	if data.Dialplan, err = s.didDialplanBox(ctx, c, d); err != nil {
		return data, err
	}
	return data, s.moveChoices(ctx, c, d, &data)
}

// moveChoices fills the users and devices the page's forms offer, when a
// form needs them.
func (s *Pages) moveChoices(ctx context.Context, c domain.Caller, d domain.DID, data *didEditPage) error {
	var needUsers, needDevices bool
	for _, m := range data.Moves {
		needUsers = needUsers || m.Input == inputUser
		needDevices = needDevices || m.Input == inputDevice || m.Input == inputTrunk
	}
	if needUsers {
		users, err := s.store.ListUsers(ctx, c)
		if err != nil {
			return err
		}
		for _, u := range users {
			if c.Owns(&u) && (u.UserType == domain.PlainUser || u.UserType == domain.Reseller) {
				data.Users = append(data.Users, u)
			}
		}
	}
	if !needDevices {
		return nil
	}
	var err error
	if data.Devices, err = s.store.DeviceChoices(ctx, c); err != nil {
		return err
	}
	for i := len(data.Devices) - 1; i >= 0; i-- {
		switch dv := data.Devices[i]; {
		case dv.UserID != d.UserID || d.UserID == 0:
		case dv.IsTrunk:
			data.PreferredTrunk = dv.ID
		default:
			data.PreferredDevice = dv.ID
		}
	}
	return nil
}

func newActionRow(a store.ActionEntry) actionRow {
	act := a.Action
	r := actionRow{Date: act.Date.UTC().Format(domain.TimeLayout), User: a.Username, Action: act.Action,
		Before: act.Data, After: act.Data2}
	if r.User == "" {
		r.User = "#" + itoa(act.UserID)
	}
	return r
}
