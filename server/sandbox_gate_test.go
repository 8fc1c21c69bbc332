package server

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// didsGetCount is how many DIDs a dids_get answer lists, or its error.
func didsGetCount(body string) (int, error) {
	var page struct {
		DIDs []struct {
			Number string `xml:"did"`
		} `xml:"dids>did"`
	}
	if err := xml.Unmarshal([]byte(body), &page); err != nil {
		return 0, fmt.Errorf("not XML: %v", err)
	}
	return len(page.DIDs), nil
}

// TestResetWaitsForRequestsInFlight proves the gate: a reset waits for a
// request in flight, and a request that comes while the reset waits runs
// after it and sees the reset world.
func TestResetWaitsForRequestsInFlight(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	entered, release := make(chan struct{}), make(chan struct{})
	e.srv.echo.GET("/billing/test/hold", func(c echo.Context) error {
		close(entered)
		<-release
		return c.String(http.StatusOK, "held")
	})
	lookup := func() string {
		return e.post("dids_get", sign("dids_get", "admin", "search_did_number", "37060000001")).Body.String()
	}
	fresh := lookup()
	if got := e.call("did_device_assign", "admin", "did", "37060000001", "device_id", "2"); got != "Device assigned to DID" {
		t.Fatal(got)
	}
	if lookup() == fresh {
		t.Fatal("the assignment does not show in dids_get")
	}
	hold := httptest.NewRequest(http.MethodGet, "/billing/test/hold", nil)
	go e.srv.ServeHTTP(httptest.NewRecorder(), hold)
	<-entered
	resetDone := make(chan int, 1)
	go func() { resetDone <- e.sandboxCall(http.MethodPost, sandboxResetPath, "secret").Code }()
	waitForWriter(t, e.srv)
	select {
	case code := <-resetDone:
		t.Fatalf("the reset (HTTP %d) did not wait for the request in flight", code)
	case <-time.After(100 * time.Millisecond):
	}
	later := make(chan string, 1)
	go func() { later <- lookup() }()
	select {
	case <-later:
		t.Fatal("a request ran while a reset was waiting")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if code := <-resetDone; code != http.StatusOK {
		t.Fatalf("reset: HTTP %d", code)
	}
	if got := <-later; got != fresh {
		t.Fatalf("the request that waited saw the old world:\n%s\nwant\n%s", got, fresh)
	}
}

// waitForWriter waits until a reset holds or waits for the gate: then no
// new request may take it.
func waitForWriter(t *testing.T, s *Server) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.gate.TryRLock() {
		s.gate.RUnlock()
		if time.Now().After(deadline) {
			t.Fatal("the reset never asked for the gate")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestResetUnderConcurrentTraffic hammers the API (dids_get, users_get,
// device_details_get, an assign/unassign writer) and a page while resets
// run in a loop: every answer is one a whole world gives, never an error
// that only a half-loaded database could cause.
func TestResetUnderConcurrentTraffic(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	w := e.browser()
	w.login("admin", demoLogins["admin"])
	stop := make(chan struct{})
	errs := make(chan error, 100)
	var wg sync.WaitGroup
	counts := make([]int, 5)
	for i, check := range []func() error{
		func() error { return checkDIDsGet(e) },
		func() error { return checkUsersGet(e) },
		func() error { return checkDeviceDetails(e) },
		func() error { return checkHomePage(w) },
		func() error { return checkWriter(e) },
	} {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				counts[i]++
				if err := check(); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		})
	}
	resets := 0
	for start := time.Now(); resets < 10 || time.Since(start) < 2*time.Second; resets++ {
		e.reset("secret")
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i, n := range counts {
		if n < 5 {
			t.Errorf("checker %d ran only %d times during %d resets", i, n, resets)
		}
	}
	t.Logf("%d resets; requests per checker %v", resets, counts)
	if problems, err := e.st.Check(context.Background()); err != nil || len(problems) > 0 {
		t.Fatalf("database after the resets: %v %v", err, problems)
	}
}

func checkDIDsGet(e *env) error {
	rec := e.post("dids_get", sign("dids_get", "admin"))
	n, err := didsGetCount(rec.Body.String())
	if rec.Code != http.StatusOK || err != nil || n != 14 {
		return fmt.Errorf("dids_get: HTTP %d, %d DIDs (%v): %.300s", rec.Code, n, err, rec.Body)
	}
	return nil
}

func checkUsersGet(e *env) error {
	rec := e.post("users_get", signUsersGet("admin", "admin1"))
	if n := strings.Count(rec.Body.String(), "<user>"); rec.Code != http.StatusOK || n != 14 {
		return fmt.Errorf("users_get: HTTP %d, %d users: %.300s", rec.Code, n, rec.Body)
	}
	return nil
}

func checkDeviceDetails(e *env) error {
	rec := e.post("device_details_get", sign("device_details_get", "admin", "device_id", "1"))
	if body := rec.Body.String(); rec.Code != http.StatusOK || !strings.Contains(body, "PBX") || strings.Contains(body, "<error>") {
		return fmt.Errorf("device_details_get: HTTP %d: %.300s", rec.Code, body)
	}
	return nil
}

func checkHomePage(w *webClient) error {
	resp, err := w.http.Get(w.base + homePath)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "Welcome, admin") {
		return fmt.Errorf("start page: HTTP %d (%v): %.300s", resp.StatusCode, err, b)
	}
	return nil
}

// writerAnswers are the answers the writer's moves may get from a whole
// world, whichever state the DID is in.
var writerAnswers = map[string]bool{
	"Device assigned to DID": true, "DID is not free": true,
	"Device was unassigned from DID": true, "DID is already free": true,
}

func checkWriter(e *env) error {
	for _, req := range []struct {
		method string
		kv     []string
	}{
		{"did_device_assign", []string{"did", "37060000001", "device_id", "2"}},
		{"did_device_unassign", []string{"did", "37060000001"}},
	} {
		rec := e.post(req.method, sign(req.method, "admin", req.kv...))
		a, err := parseWriterAnswer(rec.Body.String())
		if rec.Code != http.StatusOK || err != nil || !writerAnswers[a] {
			return fmt.Errorf("%s: HTTP %d %q (%v)", req.method, rec.Code, a, err)
		}
	}
	return nil
}

// parseWriterAnswer is answerText without a *testing.T (it runs off the
// test's goroutine).
func parseWriterAnswer(body string) (string, error) {
	var a answer
	if err := xml.Unmarshal([]byte(body), &a); err != nil {
		return "", err
	}
	return a.Success + a.Nested + a.Error, nil
}
