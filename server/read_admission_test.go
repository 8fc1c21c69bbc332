package server

import (
	"net/http"
	"testing"
	"time"

	"morlite/store"
)

// TestScanShedAnswersBusy: a dids_get scan the store sheds is answered as
// a shed write is: HTTP 503, Retry-After: 1, MOR's envelope with Server
// busy; the DID list page says the same with a 503 page. An exact-number
// dids_get is not a scan and is answered.
func TestScanShedAnswersBusy(t *testing.T) {
	e := newEnv(t, demoYAML, store.WithScanLimits(store.LaneLimits{Timeout: time.Nanosecond}))
	rec := e.post("dids_get", sign("dids_get", "admin", "search_did_number", "3706%"))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" || answerText(t, rec.Body.String()) != "Server busy" {
		t.Errorf("shed scan: HTTP %d, Retry-After %q: %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	if got := e.list("admin", "search_did_number", "37060000021"); got != "37060000021" {
		t.Errorf("exact lookup: %q", got)
	}
	a := e.loginAs("admin").get(didListPath)
	wantPage(t, a, http.StatusServiceUnavailable, "<title>Server busy · morlite</title>")
	if a.header.Get("Retry-After") != "1" {
		t.Errorf("page Retry-After %q", a.header.Get("Retry-After"))
	}
}
