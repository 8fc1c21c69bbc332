package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"morlite/domain"
)

// The user list: the users users_get shows the viewer, with their owner,
// type and devices.

// userRow is one line of the user list.
type userRow struct {
	*domain.User
	Name    string // first and last name, "" when neither is set
	Owner   string // the owner's username, "" for the admin himself
	Devices []domain.Device
}

// handleUserList shows /billing/users/list: every user for the admin and
// accountants, his own users for a reseller (users_get's scope).
func (s *Pages) handleUserList(c echo.Context) error {
	ctx := c.Request().Context()
	wu := ViewerOf(c)
	users, err := s.store.ListUsers(ctx, wu.caller)
	if err != nil {
		return s.PageFault(c, err)
	}
	devices, err := s.store.DevicesInScope(ctx, wu.caller)
	if err != nil {
		return s.PageFault(c, err)
	}
	names := map[int64]string{wu.user.ID: wu.user.Username}
	for _, u := range users {
		names[u.ID] = u.Username
	}
	rows := make([]userRow, len(users))
	for i := range users {
		u := &users[i]
		rows[i] = userRow{User: u, Devices: devices[u.ID], Name: strings.TrimSpace(u.FirstName + " " + u.LastName)}
		if u.ID != domain.AdminID {
			rows[i].Owner = names[u.OwnerID]
		}
	}
	return s.Page(c, http.StatusOK, "users_list", "Users", "users", rows)
}
