package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"morlite/domain"
)

// An Interceptor sees every request once it has been read (its method
// name made current, its parameters parsed) and before the pipeline's
// checks. It returns taken false to let the request go on, or answers it
// (or lets it go on later, through Call.Run) and returns taken true with
// the error its answer gave. The API knows no more of what intercepts it.
type Interceptor func(c echo.Context, call *Call) (taken bool, err error)

// Intercept makes fn the API's interceptor.
func (s *API) Intercept(fn Interceptor) { s.intercept = fn }

// Call is one intercepted request.
type Call struct {
	api *API
	r   *request
}

// Method is the request's method name (current, or as sent when unknown).
func (c *Call) Method() string { return c.r.method }

// Params are the request's parameters, as read.
func (c *Call) Params() domain.Params { return c.r.params }

// MarkFault records the id of the rule that took the request over, for the
// observers.
func (c *Call) MarkFault(id string) { c.r.fault = id }

// Run runs the rest of the pipeline and the method, as if not intercepted.
func (c *Call) Run(ec echo.Context) error { return c.api.runMethod(ec, c.r) }

// Refuse answers text as the method's own refusal: its error envelope,
// HTTP 200, as MOR answers errors.
func (c *Call) Refuse(ec echo.Context, text string) error {
	c.r.gzip = false
	err := &domain.Error{Code: domain.CodeRefused, Message: text}
	return c.api.respondError(ec, c.r, c.api.EnvelopeOf(c.r.method), err)
}

// Fail answers status with text in MOR's status envelope.
func (c *Call) Fail(ec echo.Context, status int, text string) error {
	c.r.gzip = false
	c.r.answer = text
	return respond(ec, c.r, status, render(XMLDecl, statusPage("error", text)))
}

// Drop closes the connection with no answer (net/http's ErrAbortHandler);
// it does not return.
func (c *Call) Drop() {
	c.r.dropped = true
	panic(http.ErrAbortHandler)
}
