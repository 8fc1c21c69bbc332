package sandbox

import (
	"bytes"
	"cmp"
	"net/http"

	"github.com/labstack/echo/v4"

	"morlite/api"
	"morlite/domain"
)

// How a fault rule that fired is applied to its request: before or after
// the method, with its delay, its answer or no answer at all.

// acts says the rule replaces the answer (error, status or drop), rather
// than only delaying it.
func (f *FaultRule) acts() bool { return f.Error != "" || f.Status != 0 || f.Drop }

// interceptFault is the API's interceptor in sandbox mode: a rule that
// fires on the call takes it over (runFault).
func (s *Sandbox) interceptFault(c echo.Context, call *api.Call) (bool, error) {
	f := s.faults.fire(call.Method(), call.Params())
	if f == nil {
		return false, nil
	}
	return true, s.runFault(c, call, f)
}

// runFault answers a request a rule fired on. Before: wait the delay
// without holding the gate, then answer the fault (the method does not
// run) or, for a delay alone, run the method. After: run the method with
// its answer held back, let the gate go (its work is committed), wait, then
// send that answer or the fault in its place.
func (s *Sandbox) runFault(c echo.Context, call *api.Call, f *FaultRule) error {
	call.MarkFault(f.ID)
	hold := gateHoldOf(c)
	if f.When == faultAfter {
		return s.runFaultAfter(c, call, f, hold)
	}
	if f.DelayMS > 0 {
		hold.release()
		sleepFor(c, f.DelayMS)
		hold.take()
	}
	if !f.acts() {
		return call.Run(c)
	}
	return answerFault(c, call, f)
}

// runFaultAfter is runFault for a rule with "when": "after".
func (s *Sandbox) runFaultAfter(c echo.Context, call *api.Call, f *FaultRule, hold *gateHold) error {
	orig := c.Response()
	held := &heldAnswer{header: orig.Header().Clone()}
	c.SetResponse(echo.NewResponse(held, s.echo))
	err := call.Run(c)
	c.SetResponse(orig)
	if err != nil {
		return err
	}
	hold.release()
	sleepFor(c, f.DelayMS)
	if !f.acts() {
		return held.sendTo(orig)
	}
	return answerFault(c, call, f)
}

// faultStatusTexts is the MOR envelope text of each status a rule may answer.
var faultStatusTexts = map[int]string{
	http.StatusInternalServerError: domain.ErrInternal.Message,
	http.StatusBadGateway:          domain.ErrInternal.Message,
	http.StatusServiceUnavailable:  domain.ErrBusy.Message,
}

// answerFault answers the rule's action in place of the method's answer:
// the method's own error envelope with the rule's text (HTTP 200, as MOR
// answers errors), a status with MOR's envelope, or no answer at all (the
// connection is closed: net/http's ErrAbortHandler).
func answerFault(c echo.Context, call *api.Call, f *FaultRule) error {
	switch {
	case f.Drop:
		call.Drop()
	case f.Error != "":
		return call.Refuse(c, f.Error)
	}
	if f.Status == http.StatusServiceUnavailable {
		c.Response().Header().Set("Retry-After", "1")
	}
	return call.Fail(c, f.Status, faultStatusTexts[f.Status])
}

// heldAnswer is an http.ResponseWriter that keeps the answer in memory,
// for an "after" rule to send later or replace.
type heldAnswer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (h *heldAnswer) Header() http.Header { return h.header }

func (h *heldAnswer) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}

func (h *heldAnswer) Write(b []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return h.body.Write(b)
}

// sendTo writes the held answer, its headers included, to w.
func (h *heldAnswer) sendTo(w *echo.Response) error {
	hdr := w.Header()
	clear(hdr)
	for k, v := range h.header {
		hdr[k] = v
	}
	w.WriteHeader(cmp.Or(h.status, http.StatusOK))
	_, err := w.Write(h.body.Bytes())
	return err
}
