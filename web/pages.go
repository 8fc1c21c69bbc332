package web

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"morlite/api"
	"morlite/domain"
)

// The pages under /billing/: server-rendered html/template, one small
// stylesheet, no scripts. Each page is a template file in web/templates that
// defines "title" and "content"; layout.html wraps them.

//go:embed templates/*.html static/*
var webFiles embed.FS

// pageCSP lets pages use their own stylesheet and images and post forms to
// themselves, and nothing else: no scripts at all.
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Paths of the pages that other pages link to.
const (
	LoginPath  = "/billing/callc/login"
	LogoutPath = "/billing/callc/logout"
	HomePath   = "/billing/callc/main"
)

// pages holds each page's parsed template set (layout + the page).
var pages = parsePages()

func parsePages() map[string]*template.Template {
	names, err := fs.Glob(webFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		out[base] = template.Must(template.New("layout.html").ParseFS(webFiles, "templates/layout.html", n))
	}
	return out
}

// pageData is what every page template gets: the viewer, the CSRF token for
// its forms, a flash message, and the page's own data in Data.
type pageData struct {
	Title string
	User  *domain.User
	CSRF  string
	Flash *flash
	Nav   string // the navigation entry to highlight
	Data  any
	// Sandbox says the viewer is the admin and sandbox mode is on: the
	// Requests link shows.
	Sandbox bool
}

// webRoutes registers the pages.
func (s *Pages) webRoutes() {
	e := s.echo
	e.GET("/billing/static/:file", handleStatic)
	e.GET(LoginPath, s.handleLoginForm)
	small := s.LimitForm(api.MaxBodyBytes, "Request too large")
	e.POST(LoginPath, s.handleLogin, small)
	e.POST(LogoutPath, s.handleLogout, small, s.RequireLogin)
	e.GET(HomePath, s.handleHome, s.RequireLogin)
	// DID pages (dids.go, did_edit.go, did_moves.go).
	// An accountant needs his API counterpart's right (rights.go).
	dids, devices, users := s.requireRight(didPageRight), s.requireRight(devicePageRight), s.requireRight(userPageRight)
	e.GET(DIDListPath, s.handleDIDList, s.RequireLogin, dids)
	e.GET(DIDEditPath+":id", s.handleDIDEdit, s.RequireLogin, dids)
	e.POST(DIDEditPath+":id/:move", s.handleDIDMove, small, s.RequireLogin, dids)
	// Device page, user list, Generate hash (devices.go, users.go, hash.go).
	e.GET("/billing/devices/edit/:id", s.handleDevicePage, s.RequireLogin, devices)
	e.GET("/billing/users/list", s.handleUserList, s.RequireLogin, users)
	e.GET(HashPagePath, s.handleHashForm, s.RequireLogin)
	e.POST(HashPagePath, s.handleHashCompute,
		s.LimitForm(maxHashForm, "Request too large: Generate hash takes a URI of at most 64 KiB"), s.RequireLogin)
	s.dialplanRoutes(small)
	e.GET("/billing", redirectTo(HomePath))
	e.GET("/billing/", redirectTo(HomePath))
}

func redirectTo(path string) echo.HandlerFunc {
	return func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, path) }
}

// handleStatic serves the embedded stylesheet.
func handleStatic(c echo.Context) error {
	name := c.Param("file")
	data, err := webFiles.ReadFile("static/" + name)
	if err != nil || strings.Contains(name, "/") {
		return echo.ErrNotFound
	}
	ctype := "application/octet-stream"
	switch {
	case strings.HasSuffix(name, ".css"):
		ctype = "text/css; charset=utf-8"
	case strings.HasSuffix(name, ".png"):
		ctype = "image/png"
	}
	return c.Blob(http.StatusOK, ctype, data)
}

// LimitForm answers 413 with a page for a form body over max bytes, and
// caps what a body without a length may send (a form read past the cap
// reads as empty, so its CSRF token is missing). Every page post has one,
// so that nobody, logged in or not, can make the server parse a huge form.
func (s *Pages) LimitForm(max int64, text string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.ContentLength > max {
				return s.PageError(c, http.StatusRequestEntityTooLarge, text, nil)
			}
			r.Body = http.MaxBytesReader(c.Response(), r.Body, max)
			return next(c)
		}
	}
}

// RequireLogin lets a logged-in admin, accountant or reseller through and
// sends anyone else to the login page. A form post must carry the session's
// CSRF token.
func (s *Pages) RequireLogin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		wu, err := s.SessionUser(c)
		if err != nil {
			return s.PageFault(c, err)
		}
		if wu == nil {
			if c.Request().Method != http.MethodGet {
				return s.PageError(c, http.StatusForbidden, "Please log in", nil)
			}
			return c.Redirect(http.StatusSeeOther, LoginPath+"?"+url.Values{"return_to": {c.Request().URL.RequestURI()}}.Encode())
		}
		if c.Request().Method != http.MethodGet && !TokensEqual(SentCSRF(c), wu.sess.csrf) {
			return s.PageError(c, http.StatusForbidden, TextBadCSRF, nil)
		}
		c.Set("web", wu)
		return next(c)
	}
}

// ViewerOf is the logged-in user RequireLogin found, nil on a page without it.
func ViewerOf(c echo.Context) *Viewer {
	wu, _ := c.Get("web").(*Viewer)
	return wu
}

// Page renders a page template in the layout, with the viewer's CSRF token
// and pending flash message.
func (s *Pages) Page(c echo.Context, status int, name, title, nav string, data any) error {
	t, ok := pages[name]
	if !ok {
		panic("no page template " + name)
	}
	pd := pageData{Title: title, Nav: nav, Data: data}
	if wu := ViewerOf(c); wu != nil {
		pd.User, pd.CSRF, pd.Flash = wu.user, wu.sess.csrf, s.sessions.takeFlash(wu.sess)
		pd.Sandbox = s.sandbox && wu.user.UserType == domain.Admin
	}
	if pd.CSRF == "" {
		pd.CSRF, _ = c.Get(csrfField).(string)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, pd); err != nil {
		s.log.Error("page template", "page", name, "err", err)
		return c.String(http.StatusInternalServerError, "Internal error\n")
	}
	c.Response().Header().Set("Content-Security-Policy", pageCSP)
	return c.HTMLBlob(status, b.Bytes())
}

// PageError renders a short error page; a cause is logged, never shown.
func (s *Pages) PageError(c echo.Context, status int, text string, cause error) error {
	if cause != nil {
		s.log.Error("page failed", "path", c.Request().URL.Path, "err", cause)
		api.NoteFault(s.store, s.log, cause)
	}
	return s.Page(c, status, "error", text, "", text)
}

// PageFault is the 500 page of a fault: cause (if not logged already) is
// logged, the page says only "Internal error". A read or write the store
// shed (domain.ErrBusy) is no fault: a 503 "Server busy" page with
// Retry-After, as the API answers it.
func (s *Pages) PageFault(c echo.Context, cause error) error {
	if errors.Is(cause, domain.ErrBusy) {
		c.Response().Header().Set("Retry-After", "1")
		return s.PageError(c, http.StatusServiceUnavailable, domain.ErrBusy.Message, nil)
	}
	return s.PageError(c, http.StatusInternalServerError, "Internal error", cause)
}

// FlashAndRedirect keeps text for the viewer's next page and sends him to
// path (post/redirect/get: a reload does not repeat the move).
func (s *Pages) FlashAndRedirect(c echo.Context, path, text string, ok bool) error {
	if wu := ViewerOf(c); wu != nil {
		s.sessions.setFlash(wu.sess, flash{Text: text, OK: ok})
	}
	return c.Redirect(http.StatusSeeOther, path)
}

// handleHome is the start page after login: who you are and where to go.
func (s *Pages) handleHome(c echo.Context) error {
	return s.Page(c, http.StatusOK, "home", "Start", "home", nil)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
