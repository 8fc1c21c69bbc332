package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"morlite/domain"
	"morlite/store"
)

// The interval page (MOR: DIDs → Bulk management → Assign Dial Plan): every
// free DID of a number interval onto one of the admin's dial plans.

// Paths of the interval page and its action.
const (
	IntervalPagePath   = "/billing/dids/dids_interval_assign_dialplan"
	IntervalAssignPath = "/billing/dids/assign_to_dp"
)

// intervalPage is the interval page's data, with the outcome of a post.
type intervalPage struct {
	From, Till string
	Quantity   int  // DIDs in the interval
	Counted    bool // From and Till are a good interval
	Plans      []store.DialplanRow
	PlanID     string
	Status     string // green
	Notice     string // red
	Reasons    []string
}

// handleIntervalPage shows the interval form; with from and till, the
// interval and how many DIDs it holds.
func (s *Pages) handleIntervalPage(c echo.Context) error {
	return s.intervalPage(c, intervalPage{From: c.QueryParam("from"), Till: c.QueryParam("till")})
}

// intervalPage renders the page for data after the rights check.
func (s *Pages) intervalPage(c echo.Context, data intervalPage) error {
	if err := domain.IntervalRight(ViewerOf(c).caller); err != nil {
		return s.refusedPage(c, err)
	}
	ctx := c.Request().Context()
	var err error
	if domain.CheckInterval(data.From, data.Till) == "" {
		data.Counted = true
		if data.Quantity, err = s.store.IntervalCount(ctx, data.From, data.Till); err != nil {
			return s.PageFault(c, err)
		}
	}
	if data.Plans, err = s.store.DialplansOf(ctx, domain.AdminID); err != nil {
		return s.PageFault(c, err)
	}
	return s.Page(c, http.StatusOK, "dids_interval", "Assign Dial Plan", "dids", data)
}

// handleIntervalAssign is the interval form's post.
func (s *Pages) handleIntervalAssign(c echo.Context) error {
	data := intervalPage{From: c.FormValue("from"), Till: c.FormValue("till"), PlanID: c.FormValue("dp_id")}
	res, err := s.store.AssignIntervalToDialplan(c.Request().Context(), ViewerOf(c).caller, data.From, data.Till, data.PlanID)
	var refused *domain.IntervalRefused
	switch {
	case errors.As(err, &refused):
		data.Notice, data.Reasons = refused.Error(), []string{refused.Line}
	case errors.Is(err, domain.ErrNotAuthView) || errors.Is(err, domain.ErrNoRightsEdit):
		return s.refusedPage(c, err)
	case err != nil:
		text, ok := s.shownText(c, err)
		if !ok {
			return s.PageFault(c, err)
		}
		data.Notice = text
	default:
		data.Status, data.Notice, data.Reasons = res.Texts()
		if data.Notice == "" {
			return s.FlashAndRedirect(c, DIDListPath, data.Status, true)
		}
	}
	return s.intervalPage(c, data)
}
