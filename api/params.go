package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"morlite/domain"
)

// MaxBodyBytes is the largest request body (and query string) accepted;
// larger answers 413 "Request too large".
const MaxBodyBytes = 65536

// parseParams merges the query string and the body (form, multipart or
// JSON) into one parameter set: the body wins over the query, and within one
// source the last value of a repeated name wins. Errors are
// domain.ErrBadRequest and domain.ErrTooLarge; when only the body is at
// fault, the query's parameters are still returned (test=1 still applies
// to the answer's headers).
func parseParams(r *http.Request) (domain.Params, error) {
	if len(r.URL.RawQuery) > MaxBodyBytes || r.ContentLength > MaxBodyBytes {
		return nil, domain.ErrTooLarge
	}
	p := domain.Params{}
	// Rack's rule: ';' separates query parameters just as '&' does.
	if err := parseURLEncoded(p, r.URL.RawQuery, "&;"); err != nil {
		return nil, err
	}
	body, err := readBody(r)
	if err != nil {
		return p, err
	}
	if len(body) == 0 {
		return p, nil
	}
	bp := domain.Params{}
	if err := parseBody(bp, r.Header.Get("Content-Type"), body); err != nil {
		return p, err
	}
	for k, v := range bp {
		p[k] = v
	}
	return p, nil
}

// readBody reads at most MaxBodyBytes; a longer body is ErrTooLarge.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody { // the server's body of a request without one
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, domain.ErrTooLarge
		}
		return nil, domain.ErrBadRequest
	}
	if len(body) > MaxBodyBytes {
		return nil, domain.ErrTooLarge
	}
	return body, nil
}

// parseBody reads a body by its media type; other media types are ignored,
// as Rails ignores them.
func parseBody(p domain.Params, contentType string, body []byte) error {
	mt, mp, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		return parseURLEncoded(p, string(body), "&")
	case "multipart/form-data":
		return parseMultipart(p, body, mp["boundary"])
	case "application/json":
		return parseJSON(p, body)
	}
	return nil
}

// parseURLEncoded adds name=value pairs separated by any byte of seps.
func parseURLEncoded(p domain.Params, s, seps string) error {
	for s != "" {
		var pair string
		if i := strings.IndexAny(s, seps); i >= 0 {
			pair, s = s[:i], s[i+1:]
		} else {
			pair, s = s, ""
		}
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil || !utf8.ValidString(k) || !utf8.ValidString(v) {
			return domain.ErrBadRequest
		}
		p[k] = v
	}
	return nil
}

// parseMultipart adds every part's form name and content.
func parseMultipart(p domain.Params, body []byte, boundary string) error {
	if boundary == "" {
		return domain.ErrBadRequest
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return domain.ErrBadRequest
		}
		v, err := io.ReadAll(part)
		name := part.FormName()
		if err != nil || !utf8.Valid(v) || !utf8.ValidString(name) {
			return domain.ErrBadRequest
		}
		if name != "" {
			p[name] = string(v)
		}
	}
}

// parseJSON adds a flat object's members: strings as they are, numbers as
// their literal text, booleans as "1"/"0"; null is absent. Anything else is
// ErrBadRequest.
func parseJSON(p domain.Params, body []byte) error {
	if !utf8.Valid(body) {
		return domain.ErrBadRequest
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return domain.ErrBadRequest
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return domain.ErrBadRequest
		}
		v, err := dec.Token()
		if err != nil {
			return domain.ErrBadRequest
		}
		if err := setJSONValue(p, k.(string), v); err != nil {
			return err
		}
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return domain.ErrBadRequest
	}
	if _, err := dec.Token(); err != io.EOF {
		return domain.ErrBadRequest
	}
	return nil
}

func setJSONValue(p domain.Params, k string, v json.Token) error {
	switch v := v.(type) {
	case string:
		p[k] = v
	case json.Number:
		p[k] = string(v)
	case bool:
		p[k] = map[bool]string{true: "1", false: "0"}[v]
	case nil:
		delete(p, k)
	default: // an array or object
		return domain.ErrBadRequest
	}
	return nil
}
