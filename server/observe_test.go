package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"morlite/api"
	"morlite/domain"
)

// observed builds the env's server again with an observer that keeps what
// it sees.
func observed(e *env) func() []api.Observation {
	var mu sync.Mutex
	var seen []api.Observation
	e.srv = New(e.st, slog.New(slog.NewTextHandler(io.Discard, nil)), WithObserver(func(o api.Observation) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, o)
	}))
	return func() []api.Observation {
		mu.Lock()
		defer mu.Unlock()
		return append([]api.Observation(nil), seen...)
	}
}

func TestObserverSeesEveryAnswer(t *testing.T) {
	e := newEnv(t, demoYAML)
	seen := observed(e)
	e.call("did_device_assign", "admin", "did", "37060000001", "device_id", "2")
	e.call("did_device_assign", "admin", "did", "37060000001", "device_id", "2")
	e.post("dids_get", sign("dids_get", "admin"))
	e.post("no_such_method", sign("no_such_method", "admin"))
	e.do(httptest.NewRequest(http.MethodGet, "/billing/api/dids_get?u=admin", nil))
	e.do(httptest.NewRequest(http.MethodPost, "/billing/api/dids_get?u=%zz", nil))
	e.do(httptest.NewRequest(http.MethodGet, "/billing/callc/login", nil)) // a page: not an API request

	want := []struct {
		method string
		known  bool
		answer string
		status int
	}{
		{"did_device_assign", true, "Device assigned to DID", 200},
		{"did_device_assign", true, "DID is not free", 200},
		{"dids_get", true, "", 200},
		{"no_such_method", false, "There is no such API", 200},
		{"dids_get", true, domain.ErrGETDisabled.Message, 200},
		{"dids_get", true, "Invalid request body", 400},
	}
	got := seen()
	if len(got) != len(want) {
		t.Fatalf("%d observations, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		o := got[i]
		if o.Method != w.method || o.Known != w.known || o.Answer != w.answer || o.Status != w.status {
			t.Errorf("#%d: %s known=%v %q %d, want %s known=%v %q %d", i, o.Method, o.Known, o.Answer, o.Status,
				w.method, w.known, w.answer, w.status)
		}
		if o.Time.IsZero() || o.Latency <= 0 || len(o.Body) == 0 {
			t.Errorf("#%d: time %v latency %v body %d bytes", i, o.Time, o.Latency, len(o.Body))
		}
	}
	if got[0].Caller != "admin" || got[0].Params.Get("did") != "37060000001" {
		t.Errorf("caller %q params %v", got[0].Caller, got[0].Params)
	}
	if !strings.Contains(string(got[2].Body), "<did>37060000001</did>") || got[2].Params.Get("hash") == "" {
		t.Errorf("body of dids_get: %s", got[2].Body)
	}
}
