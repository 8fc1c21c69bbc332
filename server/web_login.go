package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"morlite/domain"
	"morlite/store"
)

// Login texts.
const (
	textBadLogin   = "Wrong username or password"
	textNotAllowed = "Only the admin, accountants and resellers may log in here"
	textBlocked    = "This user is blocked"
)

// loginForm is the login page's data.
type loginForm struct {
	Username string
	ReturnTo string
	Error    string
}

// handleLoginForm shows the login page with a fresh login CSRF token (a
// cookie and the same value in the form: no session exists yet).
func (s *Server) handleLoginForm(c echo.Context) error {
	if wu, err := s.sessionUser(c); err == nil && wu != nil {
		return c.Redirect(http.StatusSeeOther, safeReturn(c.QueryParam("return_to")))
	}
	return s.loginPage(c, http.StatusOK, loginForm{ReturnTo: safeReturn(c.QueryParam("return_to"))})
}

func (s *Server) loginPage(c echo.Context, status int, f loginForm) error {
	token := randomToken()
	setCookie(c, loginCSRFCookie, token, 3600)
	c.Set(csrfField, token)
	return s.page(c, status, "login", "Log in", "", f)
}

// handleLogin checks the login CSRF token, the username and password (with
// MOR's bcrypt hashes) and the user's type, then starts a session.
func (s *Server) handleLogin(c echo.Context) error {
	f := loginForm{Username: c.FormValue("login_username"), ReturnTo: safeReturn(c.FormValue("return_to"))}
	ck, err := c.Cookie(loginCSRFCookie)
	if err != nil || !tokensEqual(sentCSRF(c), ck.Value) {
		return s.pageError(c, http.StatusForbidden, "Invalid or missing CSRF token: reload the page and try again", nil)
	}
	u, err := s.store.UserByUsername(c.Request().Context(), f.Username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return s.pageFault(c, err)
	}
	if !passwordOK(u, c.FormValue("login_psw")) {
		f.Error = textBadLogin
		return s.loginPage(c, http.StatusUnauthorized, f)
	}
	if !mayUseWeb(u) {
		f.Error = textNotAllowed
		if u.Blocked {
			f.Error = textBlocked
		}
		return s.loginPage(c, http.StatusForbidden, f)
	}
	sess := s.sessions.create(u.ID)
	setCookie(c, sessionCookie, sess.token, 0)
	setCookie(c, loginCSRFCookie, "", -1)
	return c.Redirect(http.StatusSeeOther, f.ReturnTo)
}

// dummyUser has a real bcrypt hash, so that an unknown username costs as
// much time as a wrong password.
var dummyUser = &domain.User{PasswordHash: "$2a$10$uG7kk4iK4FKt2zWkZaq1iOPwuP.iVT1LzQWkjl/wIK2AeVZsVCqja"}

func passwordOK(u *domain.User, password string) bool {
	if u == nil {
		store.PasswordMatches(dummyUser, password)
		return false
	}
	return password != "" && store.PasswordMatches(u, password)
}

// safeReturn keeps a return_to path only when it is one of our pages.
func safeReturn(p string) string {
	if !strings.HasPrefix(p, "/billing/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") ||
		strings.HasPrefix(p, "/billing/api/") || strings.HasPrefix(p, loginPath) {
		return homePath
	}
	return p
}

// handleLogout ends the session (a form post with the CSRF token).
func (s *Server) handleLogout(c echo.Context) error {
	s.sessions.remove(viewer(c).sess.token)
	setCookie(c, sessionCookie, "", -1)
	return c.Redirect(http.StatusSeeOther, loginPath)
}
