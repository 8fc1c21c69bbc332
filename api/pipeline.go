package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"morlite/domain"
	"morlite/store"
)

// handleAPI runs MOR's pipeline for /billing/api/<method>[/<id>]: read the
// request, then API allowed, GET allowed, the hash, and the method's own
// checks. The first failing step answers.
func (s *API) handleAPI(c echo.Context) error {
	hr := c.Request()
	if strings.Contains(c.Param("id"), "/") {
		return echo.ErrNotFound
	}
	r := &request{ctx: store.OneRequest(hr.Context()), method: c.Param("method")}
	if s.baseline != nil {
		return respond(c, r, http.StatusOK, s.baseline)
	}
	defer s.observe(r, time.Now())
	r.method = Canonical(r.method)
	if optimisticMethods[r.method] && s.intercept == nil && s.store.Shared() {
		// The settings and the caller this instance keeps may serve a
		// read without first checking that the world has not moved;
		// respond checks before anything is answered (store.Confirm).
		r.ctx = store.OptimisticRequest(hr.Context())
		ctx := r.ctx
		r.confirm = func() bool { return s.store.Confirm(ctx) }
		err := s.serveAPI(c, r)
		if !errors.Is(err, errStale) {
			return err
		}
		r.again(store.OneRequest(hr.Context()))
		c.Response().Header().Del("Retry-After")
	}
	return s.serveAPI(c, r)
}

// optimisticMethods may run again from the start when the world moved under
// them (handleAPI): they change nothing, or change only DIDs in one write
// that commits only when the world had not moved (the store rolls it back
// otherwise, and a request whose write committed never runs again).
var optimisticMethods = map[string]bool{"dids_get": true, "did_device_assign": true,
	"did_trunk_device_assign": true, "did_device_unassign": true}

// errStale is an answer not given: the world moved under an optimistic
// request, which runs again.
var errStale = errors.New("api: the world moved during the request")

// serveAPI reads the request (once) and runs it.
func (s *API) serveAPI(c echo.Context, r *request) error {
	hr := c.Request()
	settings, err := s.store.Settings(r.ctx)
	if err != nil {
		return s.respondError(c, r, EnvStatus, err)
	}
	r.settings = settings
	if hr.Method != http.MethodGet && hr.Method != http.MethodPost {
		return s.respondError(c, r, EnvStatus, domain.ErrMethodNotAllowed)
	}
	if !r.read {
		r.read = true
		r.params, r.readErr = parseParams(hr)
		r.test = r.params.Get("test") == "1"
		if r.readErr == nil {
			usePathID(r, c.Param("id"))
			r.acceptGzip = acceptsGzip(hr.Header.Get("Accept-Encoding"))
		}
	}
	if r.readErr != nil {
		return s.respondError(c, r, EnvStatus, r.readErr)
	}
	if s.intercept != nil {
		if taken, err := s.intercept(c, &Call{api: s, r: r}); taken {
			return err
		}
	}
	return s.runMethod(c, r)
}

// runMethod is the rest of the pipeline (API allowed, GET allowed, the
// hash) and the method itself, once the request has been read.
func (s *API) runMethod(c echo.Context, r *request) error {
	if err := s.pipeline(r, c.Request().Method == http.MethodGet); err != nil {
		return s.respondError(c, r, EnvStatus, err)
	}
	m := s.methods[r.method]
	page, err := m.handle(r)
	if err != nil {
		return s.respondError(c, r, m.envelope, err)
	}
	decl := XMLDecl
	if r.decl != "" {
		decl = r.decl
	}
	r.answer = messageOf(page)
	return respond(c, r, http.StatusOK, render(decl, page))
}

// adminKeyMethods are checked with the admin's key whoever `u` names
// (user_register needs no `u`, as in MOR).
var adminKeyMethods = map[string]bool{"user_register": true}

// pathIDMethods take the trailing /<id> segment as their `id` parameter when
// the request does not send one (a parameter wins over the path); it is then
// hashed like a sent `id`, as MOR's router makes it a parameter.
var pathIDMethods = map[string]bool{"user_register": true}

func usePathID(r *request, id string) {
	if pathIDMethods[r.method] && id != "" && !r.params.Has("id") {
		r.params["id"] = id
	}
}

// pipeline runs the checks every method shares (API allowed, GET allowed,
// the method known, the hash) and identifies the caller.
func (s *API) pipeline(r *request, isGET bool) error {
	if !r.settings.AllowAPI {
		return domain.ErrAPIDisabled
	}
	if isGET && !r.settings.AllowGetAPI {
		return domain.ErrGETDisabled
	}
	if _, ok := s.methods[r.method]; !ok {
		return domain.ErrNoSuchAPI
	}
	caller, err := s.lookupUser(r, r.params.Get("u"))
	if err != nil {
		return err
	}
	r.caller = domain.Caller{User: caller}
	return s.checkHash(r)
}

// lookupUser returns the user with that username, nil when there is none.
func (s *API) lookupUser(r *request, username string) (*domain.User, error) {
	u, err := s.store.UserByUsername(r.ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return u, err
}

// secretFor returns the key and the "disable hash checking" flag that apply
// to the caller: the admin's for the admin, accountants and unknown callers;
// a reseller's own; a plain user's owner's.
func (s *API) secretFor(r *request) (string, bool, error) {
	u := r.caller.User
	if adminKeyMethods[r.method] {
		u = nil
	}
	if u != nil && u.UserType == domain.PlainUser && u.OwnerID != domain.AdminID {
		owner, err := s.store.UserByID(r.ctx, u.OwnerID)
		if err != nil {
			return "", false, err
		}
		u = owner
	}
	if u != nil && u.UserType == domain.Reseller {
		return u.APISecretKey, u.DisableHashChecking, nil
	}
	return r.settings.APISecretKey, r.settings.DisableHashChecking, nil
}

// checkHash is pipeline step 3. A failure is logged with the names that
// went into the expected hash string, never the secret or the hash.
func (s *API) checkHash(r *request) error {
	secret, disabled, err := s.secretFor(r)
	if err != nil {
		return err
	}
	if disabled {
		return nil
	}
	if secret == "" {
		return domain.ErrNoSecretKey
	}
	sent := r.params.Get("hash")
	names, text := domain.HashInput(r.method, r.params, domain.Documented)
	if domain.HashMatches(sent, domain.Hash(text, secret)) {
		return nil
	}
	attrs := []any{"method", r.method, "u", r.params.Get("u"), "hashed", names, "sent_length", len(sent)}
	if r.settings.HashMode == domain.HashCompatible && r.method != domain.UsersGetMethod {
		legacyNames, legacyText := domain.HashInput(r.method, r.params, domain.Legacy)
		if domain.HashMatches(sent, domain.Hash(legacyText, secret)) {
			return nil
		}
		attrs = append(attrs, "legacy_hashed", legacyNames)
	}
	s.log.Info("incorrect hash", attrs...)
	return domain.ErrIncorrectHash
}
