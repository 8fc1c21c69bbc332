package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"morlite/domain"
	"morlite/store"
)

// Envelope is the shape a method's own errors take.
type Envelope int

const (
	// EnvStatus is <page><status><error>X</error></status></page>.
	EnvStatus Envelope = iota
	// EnvPage is <page><error>X</error></page>.
	EnvPage
	// EnvBare is <error>X</error> right after the declaration.
	EnvBare
)

// httpStatus maps an error's code to its HTTP status: every MOR answer is
// 200; only transport faults are not.
var httpStatus = map[domain.Code]int{
	domain.CodeRefused:          http.StatusOK,
	domain.CodeBadRequest:       http.StatusBadRequest,
	domain.CodeTooLarge:         http.StatusRequestEntityTooLarge,
	domain.CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	domain.CodeBusy:             http.StatusServiceUnavailable,
	domain.CodeInternal:         http.StatusInternalServerError,
}

// respond writes an XML answer with MOR's headers: an attachment
// named mor_api_response.html (or .xml with xml_api_extension), inline with
// test=1.
func respond(c echo.Context, r *request, status int, body []byte) error {
	if r.confirm != nil && !r.confirm() {
		return errStale
	}
	r.status, r.body = status, body
	h := c.Response().Header()
	xmlExt := r.settings.XMLAPIExtension
	switch {
	case r.test && xmlExt:
		h.Set("Content-Type", "application/xml; charset=utf-8")
	case xmlExt:
		h.Set("Content-Type", "text/xml; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="mor_api_response.xml"`)
	case r.test:
		h.Set("Content-Type", "text/html; charset=utf-8")
	default:
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="mor_api_response.html"`)
	}
	if r.gzip {
		return writeGzip(c, status, body)
	}
	c.Response().WriteHeader(status)
	_, err := c.Response().Write(body)
	return err
}

// respondError is the one place a domain error becomes MOR's envelope.
// Anything that is not a *domain.Error is logged and answered as a 500
// "Internal error", and a domain error wrapping a cause is answered with its
// text and the cause logged; transport faults always use the status envelope.
func (s *API) respondError(c echo.Context, r *request, env Envelope, err error) error {
	if r.confirm != nil && !r.confirm() {
		return errStale // nothing logged for an answer not given
	}
	de := domain.AsError(err)
	if de == domain.ErrInternal && store.Unavailable(err) {
		// The database dropped the connection or cannot be reached: the
		// client may try again in a moment.
		de = domain.ErrBusy
	}
	if error(de) != err {
		// A wrapped cause (a failed write, a driver error) is for the
		// operator's eyes only.
		s.log.Error("request failed", "method", r.method, "answer", de.Message, "err", err)
		NoteFault(s.store, s.log, err)
	}
	if de.Code != domain.CodeRefused {
		env = EnvStatus
	}
	if de.Code == domain.CodeBusy {
		c.Response().Header().Set("Retry-After", "1")
	}
	r.answer = de.Message
	var root *node
	switch env {
	case EnvPage:
		root = tree("page", el("error", de.Message))
	case EnvBare:
		root = el("error", de.Message)
	default:
		root = statusPage("error", de.Message)
	}
	return respond(c, r, httpStatus[de.Code], render(XMLDecl, root))
}
