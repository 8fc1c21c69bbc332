package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"morlite/domain"
	"morlite/store"
)

// Web sessions live in memory: a restart logs everyone out, which suits a
// sandbox and a small deployment alike. The cookie holds only a random
// token; the session holds the user's id (the user is read again on every
// request, so a deleted or demoted user is logged out at once) and the
// CSRF token every form must send back.

const (
	// SessionCookie is the cookie that carries a page session's token.
	SessionCookie   = "morlite_session"
	loginCSRFCookie = "morlite_login_csrf"
	sessionLifetime = 12 * time.Hour
	// csrfField is the form field (or X-CSRF-Token header) with the token.
	csrfField = "csrf"
)

// session is one logged-in browser.
type session struct {
	token   string
	userID  int64
	csrf    string
	expires time.Time
	flash   *flash
}

// flash is a message shown once on the next page: MOR's texts after a move.
type flash struct {
	Text string
	OK   bool
}

// sessions is the in-memory session table.
type sessions struct {
	mu sync.Mutex
	m  map[string]*session
}

// randomToken returns 32 random bytes, URL-safe base64.
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// create starts a session for the user.
func (ss *sessions) create(userID int64) *session {
	sess := &session{token: randomToken(), userID: userID, csrf: randomToken(), expires: time.Now().Add(sessionLifetime)}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.m == nil {
		ss.m = map[string]*session{}
	}
	for t, old := range ss.m {
		if time.Now().After(old.expires) {
			delete(ss.m, t)
		}
	}
	ss.m[sess.token] = sess
	return sess
}

// get returns the live session with that token and extends it.
func (ss *sessions) get(token string) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	sess := ss.m[token]
	if sess == nil {
		return nil
	}
	if time.Now().After(sess.expires) {
		delete(ss.m, token)
		return nil
	}
	sess.expires = time.Now().Add(sessionLifetime)
	return sess
}

func (ss *sessions) remove(token string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, token)
}

// setFlash keeps a message for the session's next page.
func (ss *sessions) setFlash(sess *session, f flash) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	sess.flash = &f
}

// takeFlash returns and clears the session's message.
func (ss *sessions) takeFlash(sess *session) *flash {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	f := sess.flash
	sess.flash = nil
	return f
}

// setCookie writes an HttpOnly, SameSite=Strict cookie (Secure over TLS).
func setCookie(c echo.Context, name, value string, maxAge int) {
	c.SetCookie(&http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.Request().TLS != nil,
	})
}

// TokensEqual compares two tokens in constant time; empty never matches.
func TokensEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// SentCSRF is the CSRF token a request sent: the form field or the header.
func SentCSRF(c echo.Context) string {
	if v := c.Request().Header.Get("X-CSRF-Token"); v != "" {
		return v
	}
	return c.FormValue(csrfField)
}

// Viewer is who a page request is from.
type Viewer struct {
	sess   *session
	user   *domain.User
	caller domain.Caller
}

// User is the logged-in user.
func (v *Viewer) User() *domain.User { return v.user }

// CSRF is the CSRF token of the viewer's session.
func (v *Viewer) CSRF() string { return v.sess.csrf }

// SessionUser returns the logged-in user of the request's session cookie,
// nil when there is none, it expired, or its user may no longer log in.
func (s *Pages) SessionUser(c echo.Context) (*Viewer, error) {
	ck, err := c.Cookie(SessionCookie)
	if err != nil {
		return nil, nil
	}
	sess := s.sessions.get(ck.Value)
	if sess == nil {
		return nil, nil
	}
	u, err := s.store.UserByID(c.Request().Context(), sess.userID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if err != nil || !mayUseWeb(u) {
		s.sessions.remove(sess.token)
		return nil, nil
	}
	return &Viewer{sess: sess, user: u, caller: domain.Caller{User: u}}, nil
}

// mayUseWeb says who may log in to the pages: the admin, accountants and
// resellers who are not blocked (as MOR's own login refuses a blocked
// user). A plain user is refused.
func mayUseWeb(u *domain.User) bool {
	if u == nil || u.Blocked {
		return false
	}
	switch u.UserType {
	case domain.Admin, domain.Accountant, domain.Reseller:
		return true
	}
	return false
}
