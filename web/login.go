package web

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
	TextBadLogin   = "Wrong username or password"
	TextNotAllowed = "Only the admin, accountants and resellers may log in here"
	TextBlocked    = "This user is blocked"
	// TextBadCSRF refuses a form (the login form's, or any other page's)
	// that does not carry the session's CSRF token.
	TextBadCSRF = "Invalid or missing CSRF token: reload the page and try again"
)

// loginForm is the login page's data.
type loginForm struct {
	Username string
	ReturnTo string
	Error    string
}

// handleLoginForm shows the login page with a fresh login CSRF token (a
// cookie and the same value in the form: no session exists yet).
func (s *Pages) handleLoginForm(c echo.Context) error {
	if wu, err := s.SessionUser(c); err == nil && wu != nil {
		return c.Redirect(http.StatusSeeOther, safeReturn(c.QueryParam("return_to")))
	}
	return s.loginPage(c, http.StatusOK, loginForm{ReturnTo: safeReturn(c.QueryParam("return_to"))})
}

func (s *Pages) loginPage(c echo.Context, status int, f loginForm) error {
	token := randomToken()
	setCookie(c, loginCSRFCookie, token, 3600)
	c.Set(csrfField, token)
	return s.Page(c, status, "login", "Log in", "", f)
}

// handleLogin checks the login CSRF token, the username and password (with
// MOR's bcrypt hashes) and the user's type, then starts a session.
func (s *Pages) handleLogin(c echo.Context) error {
	f := loginForm{Username: c.FormValue("login_username"), ReturnTo: safeReturn(c.FormValue("return_to"))}
	ck, err := c.Cookie(loginCSRFCookie)
	if err != nil || !TokensEqual(SentCSRF(c), ck.Value) {
		return s.PageError(c, http.StatusForbidden, TextBadCSRF, nil)
	}
	addr := c.Request().RemoteAddr
	if wait := s.logins.locked(f.Username, addr); wait > 0 {
		return s.loginLockedPage(c, f, wait)
	}
	u, err := s.store.UserByUsername(c.Request().Context(), f.Username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return s.PageFault(c, err)
	}
	if !s.logins.acquire() {
		return s.loginBusyPage(c, f)
	}
	// Failures counted while this attempt waited for its slot lock it too:
	// a burst of attempts must not all pass the check made before the wait.
	if wait := s.logins.locked(f.Username, addr); wait > 0 {
		s.logins.release()
		return s.loginLockedPage(c, f, wait)
	}
	ok := passwordOK(u, c.FormValue("login_psw"))
	s.logins.release()
	if !ok {
		s.logins.failed(f.Username, addr)
		f.Error = TextBadLogin
		return s.loginPage(c, http.StatusUnauthorized, f)
	}
	s.logins.succeeded(f.Username, addr)
	if !mayUseWeb(u) {
		f.Error = TextNotAllowed
		if u.Blocked {
			f.Error = TextBlocked
		}
		return s.loginPage(c, http.StatusForbidden, f)
	}
	sess := s.sessions.create(u.ID)
	setCookie(c, SessionCookie, sess.token, 0)
	setCookie(c, loginCSRFCookie, "", -1)
	return c.Redirect(http.StatusSeeOther, f.ReturnTo)
}

// dummyUser has a real bcrypt hash, so that an unknown username or an
// empty password costs as much time as a wrong password.
var dummyUser = &domain.User{PasswordHash: "$2a$10$uG7kk4iK4FKt2zWkZaq1iOPwuP.iVT1LzQWkjl/wIK2AeVZsVCqja"}

// comparePassword is the one bcrypt comparison a login makes; tests count
// its calls.
var comparePassword = store.PasswordMatches

// passwordOK makes exactly one bcrypt comparison whatever the username and
// password, so that a failure's cost tells nothing.
func passwordOK(u *domain.User, password string) bool {
	if u == nil || u.PasswordHash == "" || password == "" {
		comparePassword(dummyUser, password)
		return false
	}
	return comparePassword(u, password)
}

// safeReturn keeps a return_to path only when it is one of our pages.
func safeReturn(p string) string {
	if !strings.HasPrefix(p, "/billing/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") ||
		strings.HasPrefix(p, "/billing/api/") || strings.HasPrefix(p, LoginPath) {
		return HomePath
	}
	return p
}

// handleLogout ends the session (a form post with the CSRF token).
func (s *Pages) handleLogout(c echo.Context) error {
	s.sessions.remove(ViewerOf(c).sess.token)
	setCookie(c, SessionCookie, "", -1)
	return c.Redirect(http.StatusSeeOther, LoginPath)
}
