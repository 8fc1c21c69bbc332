package server

import (
	"net/http"
	"time"

	"morlite/api"
	"morlite/domain"
)

// observe hands the finished request to every observer.
func (s *Server) observe(r *request, start time.Time) {
	if len(s.observers) == 0 {
		return
	}
	_, known := s.methods[r.method]
	if r.status == 0 && !r.dropped {
		// A panic is unwinding: recoverPanics answers MOR's 500 next.
		r.status, r.answer = http.StatusInternalServerError, domain.ErrInternal.Message
	}
	o := api.Observation{
		Time:    start,
		Method:  r.method,
		Known:   known,
		Caller:  r.params.Get("u"),
		Params:  r.params,
		Answer:  r.answer,
		Status:  r.status,
		Latency: time.Since(start),
		Body:    r.body,
		Fault:   r.fault,
	}
	if r.dropped {
		o.Status = 0
	}
	for _, fn := range s.observers {
		fn(o)
	}
}

// messageOf is the message of a status answer (<status><success>…),
// "" for an answer that carries data.
func messageOf(page *node) string {
	if page.name != "page" || len(page.kids) != 1 {
		return ""
	}
	st := page.kids[0]
	if st.name != "status" || len(st.kids) != 1 || len(st.kids[0].kids) != 0 {
		return ""
	}
	return st.kids[0].text
}

// noteFault hands a fault to the store (see api.NoteFault).
func (s *Server) noteFault(err error) {
	if s.store != nil {
		api.NoteFault(s.store, s.log, err)
	}
}
