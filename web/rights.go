package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"morlite/domain"
)

// Accountants see on the pages what their rights let the API show them:
// each page asks the right its API counterpart asks, and refuses with a 403
// page carrying that method's MOR text. The admin and resellers pass (a
// reseller's scope is applied by the page itself).

// pageRight is the accountant right a page needs (at least 1, read) and
// the text its API counterpart refuses with.
type pageRight struct {
	right string
	text  string
}

var (
	// devicePageRight: device_details_get and devices_get.
	devicePageRight = pageRight{domain.RightDeviceManage, domain.ErrNotAuthView.Message}
	// userPageRight: users_get.
	userPageRight = pageRight{domain.RightUserManage, domain.ErrAccessDenied.Message}
	// didPageRight: dids_get.
	didPageRight = pageRight{domain.RightManageDIDs, domain.ErrNotAuthDIDsMgr.Message}
)

// requireRight refuses an accountant whose right is below 1. It runs after
// RequireLogin.
func (s *Pages) requireRight(pr pageRight) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if wu := ViewerOf(c); wu == nil || wu.caller.Is(domain.Accountant) && wu.user.Right(pr.right) < 1 {
				return s.PageError(c, http.StatusForbidden, pr.text, nil)
			}
			return next(c)
		}
	}
}
