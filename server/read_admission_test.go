package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"morlite/store"
	"morlite/web"
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
	a := e.loginAs("admin").Get(web.DIDListPath)
	wantPage(t, a, http.StatusServiceUnavailable, "<title>Server busy · morlite</title>")
	if a.Header.Get("Retry-After") != "1" {
		t.Errorf("page Retry-After %q", a.Header.Get("Retry-After"))
	}
}

// TestReadShedAnswersBusy: while every read slot is held (as a flood of
// reads would hold them), each API read is answered within its bounded
// wait as a shed write is: HTTP 503, Retry-After: 1, MOR's envelope with
// Server busy; each page is a 503 Server busy page. A scan, in its own
// lane, is still answered; freed, everything is answered as before.
func TestReadShedAnswersBusy(t *testing.T) {
	const wait = 50 * time.Millisecond
	e := newEnv(t, demoYAML, store.WithReadLimits(store.LaneLimits{Wait: wait}))
	reads := map[string]url.Values{
		"dids_get":           sign("dids_get", "admin", "search_did_number", "37060000021"),
		"devices_get":        sign("devices_get", "admin", "user_id", "0"),
		"device_details_get": sign("device_details_get", "admin", "device_id", "2"),
		"users_get":          signUsersGet("admin", demoLogins["admin"]),
		"user_details_get":   sign("user_details_get", "admin", "user_id", "0"),
	}
	pages := []string{"/billing/users/list", "/billing/devices/edit/2", web.DIDEditPath + "1", web.DialplanListPath}
	w := e.loginAs("admin")
	answered := func() {
		t.Helper()
		for method, v := range reads {
			if rec := e.post(method, v); rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "Server busy") {
				t.Errorf("%s: HTTP %d: %s", method, rec.Code, rec.Body)
			}
		}
		for _, p := range pages {
			if a := w.Get(p); a.Status != http.StatusOK {
				t.Errorf("%s: HTTP %d", p, a.Status)
			}
		}
	}
	answered()

	release := e.st.HoldReads()
	for method, v := range reads {
		start := time.Now()
		rec := e.post(method, v)
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" || answerText(t, rec.Body.String()) != "Server busy" {
			t.Errorf("%s with reads held: HTTP %d, Retry-After %q: %s", method, rec.Code, rec.Header().Get("Retry-After"), rec.Body)
		}
		if took := time.Since(start); took > wait+5*time.Second {
			t.Errorf("%s answered after %v, past its wait of %v", method, took, wait)
		}
	}
	// The settings and the caller come from memory (on MySQL, with the
	// world generation read by the scan's own query): only the scan lane.
	wantScan := "37060000020 37060000021"
	if got := e.list("admin", "search_did_number", "3706000002%"); got != wantScan {
		t.Errorf("a scan with reads held: %q, want %q", got, wantScan)
	}
	for _, p := range pages {
		a := w.Get(p)
		wantPage(t, a, http.StatusServiceUnavailable, "<title>Server busy · morlite</title>")
		if a.Header.Get("Retry-After") != "1" {
			t.Errorf("%s: Retry-After %q", p, a.Header.Get("Retry-After"))
		}
	}
	release()
	answered()
	if log := e.logText(); strings.Contains(log, "level=ERROR") {
		t.Errorf("shed reads logged as faults:\n%s", log)
	}
}
