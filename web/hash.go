package web

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"morlite/api"
	"morlite/domain"
)

// Generate hash, as MOR's SETTINGS → Setup → Generate hash: paste a request
// URI, see what the API hashes and whether the URI's own hash matches. The
// form is posted (with the CSRF token) so that a typed key or a users_get
// password never lands in a URL or an access log. Without a typed key the
// page signs only with a key the viewer holds (pageKey).

const (
	// HashPagePath is the Generate hash page.
	HashPagePath = "/billing/functions/generate_hash"
	// MaxTypedKey bounds a typed secret key; MOR's keys are short.
	MaxTypedKey = 1024
)

// hashPage is the Generate hash page's data.
type hashPage struct {
	URI    string // as pasted, shown back in the form
	Typed  bool   // a key was typed
	Error  string
	Result *hashResult
}

// hashResult is one computed URI.
type hashResult struct {
	Method     string
	Alias      string // the name pasted when it is an old alias of Method
	Known      bool   // morlite answers Method
	Documented hashedForm
	Legacy     hashedForm
	Sent       string // the URI's own hash, "" when none
	Match      string // "documented", "legacy" or ""
	KeyNote    string // which key was used, never the key itself
	Warnings   []string
	Fixed      string // the URI with the documented hash
}

// hashedForm is one hash form: the names hashed in order, their values
// concatenated (the key is never part of it) and the hash.
type hashedForm struct {
	Key   string // "documented" or "legacy"
	Label string
	Names []string
	Text  string
	Hash  string
}

// maxHashForm bounds the posted form: a 64 KiB URI percent-encoded, a key
// and the token. A larger body is refused before it is parsed.
const maxHashForm = 4*api.MaxBodyBytes + 2*MaxTypedKey

// handleHashForm shows the empty form.
func (s *Pages) handleHashForm(c echo.Context) error {
	return s.Page(c, http.StatusOK, "generate_hash", "Generate hash", "hash", hashPage{})
}

// handleHashCompute hashes the posted URI. Bad input is a message on the
// page (HTTP 400), never an error page.
func (s *Pages) handleHashCompute(c echo.Context) error {
	raw, typed := c.FormValue("uri"), c.FormValue("secret")
	data := hashPage{URI: raw, Typed: typed != ""}
	if len(raw) > api.MaxBodyBytes {
		data.URI = ""
		data.Error = "The URI is longer than 64 KiB, more than the API accepts."
		return s.Page(c, http.StatusBadRequest, "generate_hash", "Generate hash", "hash", data)
	}
	if len(typed) > MaxTypedKey {
		data.Error = "The secret key is longer than 1 KiB."
		return s.Page(c, http.StatusBadRequest, "generate_hash", "Generate hash", "hash", data)
	}
	pu, err := parseRequestURI(raw)
	if err != nil {
		data.Error = err.Error()
		return s.Page(c, http.StatusBadRequest, "generate_hash", "Generate hash", "hash", data)
	}
	res, err := s.hashURI(c, pu, typed)
	if errors.Is(err, errTypeKey) {
		data.Error = err.Error()
		return s.Page(c, http.StatusBadRequest, "generate_hash", "Generate hash", "hash", data)
	}
	if err != nil {
		return s.PageFault(c, err)
	}
	data.Result = res
	return s.Page(c, http.StatusOK, "generate_hash", "Generate hash", "hash", data)
}

// hashURI computes both forms with the key that applies and compares them
// with the URI's own hash.
func (s *Pages) hashURI(c echo.Context, pu *pastedURI, typed string) (*hashResult, error) {
	settings, err := s.store.Settings(c.Request().Context())
	if err != nil {
		return nil, err
	}
	res := &hashResult{Method: pu.method, Alias: pu.alias, Sent: pu.params.Get("hash")}
	res.Known = s.api.Serves(pu.method)
	key, disabled, err := s.pageKey(c, settings, pu, typed, res)
	if err != nil {
		return nil, err
	}
	res.Documented = hashForm(pu, domain.Documented, key)
	res.Legacy = hashForm(pu, domain.Legacy, key)
	switch {
	case domain.HashMatches(res.Sent, res.Documented.Hash):
		res.Match = "documented"
	case domain.HashMatches(res.Sent, res.Legacy.Hash):
		res.Match = "legacy"
		if settings.HashMode != domain.HashCompatible {
			res.Warnings = append(res.Warnings, "This server runs hash_mode strict: it accepts only the documented form and answers this URI Incorrect hash.")
		}
	}
	if disabled {
		res.Warnings = append(res.Warnings, "Hash checking is disabled for this key: the API accepts any hash.")
	} else if key == "" {
		res.Warnings = append(res.Warnings, "The key is empty: with hash checking on, the API answers "+domain.ErrNoSecretKey.Message+".")
	}
	if !res.Known {
		res.Warnings = append(res.Warnings, "morlite has no API method "+pu.method+": the API answers "+domain.ErrNoSuchAPI.Message+".")
	}
	res.Fixed = pu.withHash(res.Documented.Hash)
	return res, nil
}

// Forms lists both forms for the page's table.
func (r *hashResult) Forms() []hashedForm { return []hashedForm{r.Documented, r.Legacy} }

func hashForm(pu *pastedURI, form domain.HashForm, key string) hashedForm {
	names, text := domain.HashInput(pu.method, pu.params, form)
	f := hashedForm{Key: "documented", Label: "Documented", Names: names, Text: text, Hash: domain.Hash(text, key)}
	if form == domain.Legacy {
		f.Key, f.Label = "legacy", "Legacy (older MOR servers; accepted with hash_mode: compatible)"
	}
	return f
}

// pageKey picks the key: the typed one; else a key the viewer himself
// holds, never another's: the admin's key for the admin, his own for a
// reseller. MOR's hash covers neither u nor the method, so a hash made with
// a key signs that request for every caller of the key: signing with a key
// the viewer does not hold would make the page an oracle for it. An
// accountant holds no key and must type one (errTypeKey). It fills
// res.KeyNote and warns when the API checks the URI with another key.
func (s *Pages) pageKey(c echo.Context, settings domain.Settings, pu *pastedURI, typed string, res *hashResult) (string, bool, error) {
	if typed != "" {
		res.KeyNote = "the key you typed"
		return typed, false, nil
	}
	wu := ViewerOf(c)
	if !wu.caller.Is(domain.Admin) && !wu.caller.Is(domain.Reseller) {
		return "", false, errTypeKey
	}
	applied, err := s.api.KeyFor(c.Request().Context(), pu.method, pu.params, settings)
	if err != nil {
		return "", false, err
	}
	key, disabled := settings.APISecretKey, settings.DisableHashChecking
	res.KeyNote = "the admin's API secret key"
	if wu.caller.Is(domain.Reseller) {
		key, disabled = wu.user.APISecretKey, wu.user.DisableHashChecking
		res.KeyNote = "your own API secret key"
	}
	if subtle.ConstantTimeCompare([]byte(applied), []byte(key)) != 1 {
		res.Warnings = append(res.Warnings, "u does not name you or one of your users (or the method is checked with another key): the API checks this request with a key that is not yours, so this page can only tell whether the hash was made with your key.")
	}
	return key, disabled, nil
}

// errTypeKey is the page's message to a viewer who holds no key.
var errTypeKey = errors.New("Type the API secret key: the page signs only with a key you hold (the admin's for the admin, a reseller's own), and accountants hold none.")

// pastedURI is a request URI taken apart as the API reads it.
type pastedURI struct {
	prefix string // scheme, host and path, to rebuild the URI with
	query  string // the raw query string
	method string // canonical name
	alias  string
	params domain.Params
}

// errNoMethod says where the method goes.
var errNoMethod = errors.New("No API method in the URI: paste /billing/api/<method>?u=...&hash=... (or a full http:// URL).")

// parseRequestURI reads a pasted URI: /billing/api/<method>?query, a full
// http(s) URL, or just <method>?query. Errors are messages for the page.
func parseRequestURI(raw string) (*pastedURI, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("Paste a request URI first.")
	}
	if strings.IndexFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return nil, errors.New("Not a URI: it contains spaces or control characters (a URI has them percent-encoded).")
	}
	raw, _, _ = strings.Cut(raw, "#")
	path, query, _ := strings.Cut(raw, "?")
	origin, path, err := splitOrigin(path)
	if err != nil {
		return nil, err
	}
	pu := &pastedURI{query: query, params: domain.Params{}}
	pathID, err := pu.readPath(origin, path)
	if err != nil {
		return nil, err
	}
	if api.ParseQuery(pu.params, query) != nil {
		return nil, errors.New("Bad query string: a percent-escape is malformed or decodes to invalid UTF-8 (the API answers " + domain.ErrBadRequest.Message + ").")
	}
	if api.TakesPathID(pu.method) && pathID != "" && !pu.params.Has("id") {
		pu.params["id"] = pathID
	}
	return pu, nil
}

// splitOrigin takes "http(s)://host" off a full URL.
func splitOrigin(path string) (origin, rest string, err error) {
	scheme, after, ok := strings.Cut(path, "://")
	if !ok {
		return "", path, nil
	}
	if s := strings.ToLower(scheme); s != "http" && s != "https" {
		return "", "", errors.New("Not a request URI: a full URL starts with http:// or https://.")
	}
	host, p, _ := strings.Cut(after, "/")
	if host == "" {
		return "", "", errors.New("Not a URI: the URL has no host.")
	}
	return scheme + "://" + host, "/" + p, nil
}

// readPath finds the method: the segment after "api" (and an optional
// trailing id), or a lone segment naming the method. It returns the id.
func (pu *pastedURI) readPath(origin, path string) (string, error) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	i := 0
	for i < len(segs) && segs[i] != "api" {
		i++
	}
	pu.prefix = origin + path
	switch {
	case i+1 < len(segs) && i+3 >= len(segs):
		segs = segs[i+1:]
	case i == len(segs) && len(segs) == 1 && segs[0] != "":
		pu.prefix = origin + "/billing/api/" + segs[0]
	default:
		return "", errNoMethod
	}
	method, err := url.PathUnescape(segs[0])
	if err != nil || !methodName(method) {
		return "", errors.New("Bad method in the path: want letters, digits and underscores, as in /billing/api/did_trunk_device_assign.")
	}
	pu.method = method
	if canonical := api.Canonical(method); canonical != method {
		pu.method, pu.alias = canonical, method
	}
	if len(segs) < 2 {
		return "", nil
	}
	id, err := url.PathUnescape(segs[1])
	if err != nil {
		return "", errors.New("Bad path: a percent-escape after the method is malformed.")
	}
	return id, nil
}

// methodName reports whether s can be an API method name.
func methodName(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// withHash returns the URI with every hash parameter set to h (appended
// when it has none); the other parameters keep their order and spelling.
func (pu *pastedURI) withHash(h string) string {
	var b strings.Builder
	found := false
	rest := pu.query
	for rest != "" {
		i := strings.IndexAny(rest, "&;")
		pair, sep := rest, ""
		if i >= 0 {
			pair, sep, rest = rest[:i], rest[i:i+1], rest[i+1:]
		} else {
			rest = ""
		}
		if k, _, _ := strings.Cut(pair, "="); unescapedIs(k, "hash") {
			pair, found = "hash="+h, true
		}
		b.WriteString(pair + sep)
	}
	q := b.String()
	if !found {
		if q != "" && !strings.HasSuffix(q, "&") && !strings.HasSuffix(q, ";") {
			q += "&"
		}
		q += "hash=" + h
	}
	return pu.prefix + "?" + q
}

func unescapedIs(raw, name string) bool {
	k, err := url.QueryUnescape(raw)
	return err == nil && k == name
}
