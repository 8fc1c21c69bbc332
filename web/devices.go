package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"morlite/api"
	"morlite/domain"
	"morlite/store"
)

// The device page: a device as MOR's GUI names it (TYPE/name), its user,
// its trunk flag and authentication, and the DIDs and dial plans on it.

// devicePage is the device page's data.
type devicePage struct {
	Device     *domain.Device
	User       *domain.User
	Reseller   string // the username of the user's reseller, "" when the admin's
	Trunk      string
	Auth       string
	CallerName string
	CallerNum  string
	DIDs       []deviceDID
	Dialplans  []*domain.Dialplan
}

// deviceDID is one DID on the device page.
type deviceDID struct {
	*domain.DID
	StatusText string
}

// handleDevicePage shows /billing/devices/edit/<id>. The admin and
// accountants see any device, a reseller the devices of his own users (the
// scope device_details_get applies to him); anything else is "Device was
// not found", so another reseller's device looks like a missing one.
func (s *Pages) handleDevicePage(c echo.Context) error {
	ctx := c.Request().Context()
	notFound := func() error {
		return s.PageError(c, http.StatusNotFound, domain.ErrDeviceNotFound.Message, nil)
	}
	id, ok := domain.ParseID(c.Param("id"))
	if !ok {
		return notFound()
	}
	dl, err := s.store.DeviceLinks(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !mayViewUser(ViewerOf(c).caller, dl.User)) {
		return notFound()
	}
	if err != nil {
		return s.PageFault(c, err)
	}
	return s.Page(c, http.StatusOK, "device_edit", "Device "+dl.Device.Label(), "users", newDevicePage(dl))
}

// mayViewUser says whether a page may show user u (and his devices) to c:
// the admin and accountants see everyone, a reseller his own users.
func mayViewUser(c domain.Caller, u *domain.User) bool {
	return c.Scope() == domain.AdminID || c.Owns(u)
}

func newDevicePage(dl *store.DeviceLinks) devicePage {
	d := dl.Device
	p := devicePage{Device: d, User: dl.User, Trunk: trunkText(d), Auth: authText(d), Dialplans: dl.Dialplans}
	if dl.Reseller != nil {
		p.Reseller = dl.Reseller.Username
	}
	p.CallerName, p.CallerNum = domain.ParseCallerID(d.CallerID)
	for _, did := range dl.DIDs {
		p.DIDs = append(p.DIDs, deviceDID{DID: did, StatusText: api.StatusWord(did.Status)})
	}
	return p
}

// trunkText is device_update's `trunk` in words: 0 no, 1 yes, 2 yes with ANI.
func trunkText(d *domain.Device) string {
	switch {
	case d.IsTrunk && d.ANI:
		return "Yes, with ANI"
	case d.IsTrunk:
		return "Yes"
	}
	return "No"
}

// authText is device_update's `authentication`: a device on host "dynamic"
// registers with its username and secret; any other host authenticates by IP.
func authText(d *domain.Device) string {
	if d.Host == "" || d.Host == "dynamic" {
		return "Dynamic (username and secret)"
	}
	return "IP authentication"
}
