package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"morlite/domain"
	"morlite/store"
)

// The dial plan pages, at MOR's paths: the list, create, edit, delete, and a
// plan's "Add new DID". MOR's API has none of this; MOR does it in its web
// interface, with the texts these pages flash. The admin manages his own
// plans, a reseller his; accountants and plain users are refused.

// Paths of the dial plan pages.
const (
	DialplanListPath    = "/billing/dialplans/dialplans"
	DialplanNewPath     = "/billing/dialplans/new"
	DialplanCreatePath  = "/billing/dialplans/create"
	DialplanEditPath    = "/billing/dialplans/edit/"
	DialplanUpdatePath  = "/billing/dialplans/update/"
	DialplanDestroyPath = "/billing/dialplans/destroy/"
	DialplanAddDIDPath  = "/billing/dialplans/did_assign_to_dp/"
)

// dialplanRoutes registers the dial plan pages and the DID edit page's two
// dial plan moves.
func (s *Pages) dialplanRoutes(small echo.MiddlewareFunc) {
	e := s.echo
	e.GET(DialplanListPath, s.handleDialplanList, s.RequireLogin)
	e.GET(DialplanNewPath, s.handleDialplanNew, s.RequireLogin)
	e.POST(DialplanCreatePath, s.handleDialplanCreate, small, s.RequireLogin)
	e.GET(DialplanEditPath+":id", s.handleDialplanEdit, s.RequireLogin)
	e.POST(DialplanUpdatePath+":id", s.handleDialplanUpdate, small, s.RequireLogin)
	e.POST(DialplanDestroyPath+":id", s.handleDialplanDestroy, small, s.RequireLogin)
	e.POST(DialplanAddDIDPath+":id", s.handleDialplanAddDID, small, s.RequireLogin)
	e.POST(DIDEditPath+":id/dialplan", s.handleDIDToDialplan, small, s.RequireLogin)
	e.POST(DIDEditPath+":id/dialplan_free", s.handleDIDOffDialplan, small, s.RequireLogin)
	e.GET(IntervalPagePath, s.handleIntervalPage, s.RequireLogin)
	e.POST(IntervalAssignPath, s.handleIntervalAssign, small, s.RequireLogin)
}

// dialplanSection is one type's plans on the list.
type dialplanSection struct {
	Title     string
	Type      string
	HasDevice bool
	ReadOnly  bool // made on other MOR pages, shown only
	Plans     []dialplanListRow
}

// dialplanListRow is a plan on the list: up to 10 DIDs are links, more
// are one link to the DID list filtered by the plan.
type dialplanListRow struct {
	store.DialplanRow
	ManyDIDs string // "N DID(s)", "" for 10 or fewer
}

// dialplanListMax is how many DIDs a row links one by one.
const dialplanListMax = 10

// refusedPage answers a caller the dial plan pages refuse (403).
func (s *Pages) refusedPage(c echo.Context, err error) error {
	text, ok := s.shownText(c, err)
	if !ok {
		return s.PageFault(c, err)
	}
	return s.PageError(c, http.StatusForbidden, text, nil)
}

// handleDialplanList is the list, in MOR's sections.
func (s *Pages) handleDialplanList(c echo.Context) error {
	caller := ViewerOf(c).caller
	if err := domain.ManageDialplans(caller); err != nil {
		return s.refusedPage(c, err)
	}
	rows, err := s.store.DialplansOf(c.Request().Context(), caller.Scope())
	if err != nil {
		return s.PageFault(c, err)
	}
	var sections []dialplanSection
	for _, dt := range domain.DialplanTypes {
		sec := dialplanSection{Title: dt.Section, Type: dt.Type, HasDevice: dt.HasDevice, ReadOnly: !dt.Creatable}
		for _, r := range rows {
			if r.DPType != dt.Type {
				continue
			}
			row := dialplanListRow{DialplanRow: r}
			if len(r.DIDs) > dialplanListMax {
				row.ManyDIDs = itoa(int64(len(r.DIDs))) + " DID(s)"
			}
			sec.Plans = append(sec.Plans, row)
		}
		if dt.Creatable || len(sec.Plans) > 0 {
			sections = append(sections, sec)
		}
	}
	return s.Page(c, http.StatusOK, "dialplans_list", "Dial Plans", "dialplans", sections)
}

// dialplanFormPage is the new and edit pages' data.
type dialplanFormPage struct {
	Plan      domain.Dialplan
	New       bool
	Types     []domain.DialplanType
	HasDevice bool
	Devices   []store.DeviceChoice
	DIDs      []store.DIDRef // on the plan (edit)
	FreeDIDs  []store.DIDRef // the owner's free DIDs (edit)
}

// formDialplan reads a create or update form.
func formDialplan(c echo.Context) domain.DialplanForm {
	form, _ := c.FormParams()
	_, has := form["dialplan[name]"]
	return domain.DialplanForm{Name: form.Get("dialplan[name]"), HasName: has, DPType: form.Get("dialplan[dptype]")}
}

// dialplanForm renders the new or edit form for plan, with the caller's
// devices (and, editing, the plan's DIDs and the owner's free ones).
func (s *Pages) dialplanForm(c echo.Context, status int, plan domain.Dialplan, isNew bool) error {
	ctx := c.Request().Context()
	caller := ViewerOf(c).caller
	data := dialplanFormPage{Plan: plan, New: isNew, Types: domain.DialplanTypes}
	dt, _ := domain.LookupDialplanType(plan.DPType)
	data.HasDevice = isNew || dt.HasDevice
	var err error
	if data.Devices, err = s.store.DeviceChoices(ctx, caller); err != nil {
		return s.PageFault(c, err)
	}
	if !isNew {
		if data.DIDs, data.FreeDIDs, err = s.dialplanDIDs(ctx, plan); err != nil {
			return s.PageFault(c, err)
		}
	}
	title := "New Dial Plan"
	if !isNew {
		title = "Edit Dial Plan"
	}
	return s.Page(c, status, "dialplan_form", title, "dialplans", data)
}

// dialplanDIDs are the DIDs on plan and the free DIDs of its owner's pool.
func (s *Pages) dialplanDIDs(ctx context.Context, plan domain.Dialplan) (on, free []store.DIDRef, err error) {
	rows, err := s.store.DialplansOf(ctx, plan.UserID)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range rows {
		if r.ID == plan.ID {
			on = r.DIDs
		}
	}
	free, err = s.store.FreeDIDsInPool(ctx, plan.UserID)
	return on, free, err
}

// handleDialplanNew is the create form.
func (s *Pages) handleDialplanNew(c echo.Context) error {
	if err := domain.ManageDialplans(ViewerOf(c).caller); err != nil {
		return s.refusedPage(c, err)
	}
	return s.dialplanForm(c, http.StatusOK, domain.Dialplan{DPType: domain.DPCallingCard}, true)
}

// dialplanRefused flashes a refusal: the form again for "Please enter
// name" (the values kept), else the list; a fault is the 500 page.
func (s *Pages) dialplanRefused(c echo.Context, err error, again func() error) error {
	text, ok := s.shownText(c, err)
	switch {
	case !ok:
		return s.PageFault(c, err)
	case errors.Is(err, domain.ErrNotAuthView):
		return s.PageError(c, http.StatusForbidden, text, nil)
	case errors.Is(err, domain.ErrDialplanNameBlank) && again != nil:
		s.sessions.setFlash(ViewerOf(c).sess, flash{Text: text})
		return again()
	}
	return s.FlashAndRedirect(c, DialplanListPath, text, false)
}

// handleDialplanCreate is the create form's post.
func (s *Pages) handleDialplanCreate(c echo.Context) error {
	f := formDialplan(c)
	_, err := s.store.CreateDialplan(c.Request().Context(), ViewerOf(c).caller, f, c.FormValue("users_device"))
	if err != nil {
		return s.dialplanRefused(c, err, func() error {
			return s.dialplanForm(c, http.StatusOK, domain.Dialplan{Name: f.Name, DPType: f.DPType}, true)
		})
	}
	return s.FlashAndRedirect(c, DialplanListPath, domain.TextDialplanCreated, true)
}

// handleDialplanEdit is the edit form.
func (s *Pages) handleDialplanEdit(c echo.Context) error {
	plan, err := s.viewerDialplan(c)
	if err != nil {
		return s.dialplanRefused(c, err, nil)
	}
	return s.dialplanForm(c, http.StatusOK, *plan, false)
}

// viewerDialplan is the plan of the path's id after the load checks.
func (s *Pages) viewerDialplan(c echo.Context) (*domain.Dialplan, error) {
	return s.store.DialplanInScope(c.Request().Context(), ViewerOf(c).caller, c.Param("id"))
}

// handleDialplanUpdate is the edit form's post.
func (s *Pages) handleDialplanUpdate(c echo.Context) error {
	f := formDialplan(c)
	_, err := s.store.UpdateDialplan(c.Request().Context(), ViewerOf(c).caller, c.Param("id"), f, c.FormValue("users_device"))
	if err != nil {
		return s.dialplanRefused(c, err, func() error {
			plan, err := s.viewerDialplan(c)
			if err != nil {
				return s.dialplanRefused(c, err, nil)
			}
			plan.Name = f.Name
			return s.dialplanForm(c, http.StatusOK, *plan, false)
		})
	}
	return s.FlashAndRedirect(c, DialplanListPath, domain.TextDialplanUpdated, true)
}

// handleDialplanDestroy is the list's delete.
func (s *Pages) handleDialplanDestroy(c echo.Context) error {
	plan, err := s.store.DeleteDialplan(c.Request().Context(), ViewerOf(c).caller, c.Param("id"))
	if err != nil {
		return s.dialplanRefused(c, err, nil)
	}
	return s.FlashAndRedirect(c, DialplanListPath, domain.TextDialplanDeletedPfx+plan.Name, true)
}

// handleDialplanAddDID is the edit page's "Add new DID".
func (s *Pages) handleDialplanAddDID(c echo.Context) error {
	_, plan, err := s.store.AddDIDToDialplan(c.Request().Context(), ViewerOf(c).caller, c.Param("id"), c.FormValue("did_id"))
	back := DialplanEditPath + itoa(plan.ID)
	switch {
	case err == nil:
		return s.FlashAndRedirect(c, back, domain.TextDIDOnDialplanPrefix+plan.Name, true)
	case plan.ID == 0:
		return s.dialplanRefused(c, err, nil)
	}
	text, ok := s.shownText(c, err)
	if !ok {
		return s.PageFault(c, err)
	}
	return s.FlashAndRedirect(c, back, text, false)
}

// handleDIDToDialplan is the DID edit page's "Assign to Dial Plan".
func (s *Pages) handleDIDToDialplan(c echo.Context) error {
	_, plan, err := s.store.PutDIDOnDialplan(c.Request().Context(), ViewerOf(c).caller, c.Param("id"), c.FormValue("dp_id"))
	return s.didDialplanAnswer(c, err, domain.TextDIDOnDialplanPrefix+plan.Name)
}

// handleDIDOffDialplan is the DID edit page's "Make DID free".
func (s *Pages) handleDIDOffDialplan(c echo.Context) error {
	_, err := s.store.TakeDIDOffDialplan(c.Request().Context(), ViewerOf(c).caller, c.Param("id"))
	return s.didDialplanAnswer(c, err, domain.TextDIDMadeAvailable)
}

// didDialplanAnswer flashes a DID edit page move's outcome on that page
// (the DID list for a DID the viewer may not reach; the 403 page for a
// viewer the move refuses).
func (s *Pages) didDialplanAnswer(c echo.Context, err error, success string) error {
	back := DIDEditPath + c.Param("id")
	if err == nil {
		return s.FlashAndRedirect(c, back, success, true)
	}
	text, ok := s.shownText(c, err)
	switch {
	case !ok:
		return s.PageFault(c, err)
	case errors.Is(err, domain.ErrNotAuthView):
		return s.PageError(c, http.StatusForbidden, text, nil)
	case errors.Is(err, domain.ErrDIDNotFound):
		back = DIDListPath
	}
	return s.FlashAndRedirect(c, back, text, false)
}

// didDialplanBox is the DID edit page's dial plan section: the plan the
// DID is on, and the two moves when they are open to the viewer.
type didDialplanBox struct {
	PlanName  string
	CanAssign bool
	Groups    []dialplanGroup // the viewer's plans by type, for Assign
	CanFree   bool
}

// dialplanGroup is one type's plans in the Assign select.
type dialplanGroup struct {
	Title string
	Plans []store.DialplanRow
}

// didDialplanBox fills the section for d; nil when there is nothing to
// show. Assign is offered for a free DID with no user in the viewer's own
// pool when he has a plan; Make DID free for a DID active on a plan.
func (s *Pages) didDialplanBox(ctx context.Context, c domain.Caller, d domain.DID) (*didDialplanBox, error) {
	box := &didDialplanBox{}
	if d.DialplanID != 0 {
		plan, err := s.store.DialplanByID(ctx, d.DialplanID)
		if err != nil {
			return nil, err
		}
		box.PlanName = plan.Name
	}
	if domain.DIDDialplanRight(c) != nil {
		return box, nil
	}
	box.CanFree = d.Status == domain.StatusActive && d.DialplanID != 0
	if d.Status != domain.StatusFree || d.UserID != 0 || d.ResellerID != c.Scope() {
		return box, nil
	}
	plans, err := s.store.DialplansOf(ctx, c.Scope())
	if err != nil {
		return nil, err
	}
	for _, dt := range domain.DialplanTypes {
		g := dialplanGroup{Title: dt.Section}
		for _, p := range plans {
			if p.DPType == dt.Type {
				g.Plans = append(g.Plans, p)
			}
		}
		if len(g.Plans) > 0 {
			box.Groups = append(box.Groups, g)
		}
	}
	box.CanAssign = len(box.Groups) > 0
	return box, nil
}
