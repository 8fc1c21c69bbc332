package api

import (
	"log/slog"
	"net/http"
	"time"

	"morlite/domain"
	"morlite/store"
)

// Observation is one answered API request as the request journal and the
// metrics see it. Params are the parameters as read, secrets included: an
// observer that keeps or shows them must mask them (as the journal does: secretParam).
type Observation struct {
	Time    time.Time
	Method  string // the canonical method name, as asked for when unknown
	Known   bool   // the method is one morlite serves
	Caller  string // the `u` parameter as sent
	Params  domain.Params
	Answer  string // MOR's message text; "" for an answer that carries data
	Status  int    // the HTTP status
	Latency time.Duration
	Body    []byte // the answer as sent (before compression)
	// Fault is the id of the sandbox fault rule that fired on the request;
	// Status is 0 when it closed the connection with no answer.
	Fault string
}

// Observer receives every answered API request, on the request's goroutine:
// it must be quick and safe for concurrent use.
type Observer func(Observation)

// NoteFault hands a fault to the store, which remembers one that found the
// database file damaged: /healthz reports it from then on. It is logged
// once, loudly. A nil err is no fault.
func NoteFault(st *store.Store, log *slog.Logger, err error) {
	if st == nil || err == nil {
		return
	}
	if at, _ := st.Corruption(); at.IsZero() && st.NoteError(err) {
		log.Error("the database file is damaged: /healthz now reports it; stop the server and run morlite check", "err", err)
	}
}

// observe hands the finished request to every observer.
func (s *API) observe(r *request, start time.Time) {
	if len(s.observers) == 0 {
		return
	}
	_, known := s.methods[r.method]
	if r.status == 0 && !r.dropped {
		// A panic is unwinding: the panic's recovery answers MOR's 500 next.
		r.status, r.answer = http.StatusInternalServerError, domain.ErrInternal.Message
	}
	o := Observation{
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
