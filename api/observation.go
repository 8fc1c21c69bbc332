package api

import (
	"log/slog"
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
