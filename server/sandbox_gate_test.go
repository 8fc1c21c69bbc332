package server

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"morlite/api"
	"morlite/domain"
	"morlite/fixtures"
	"morlite/ops"
	"morlite/sandbox"
	"morlite/web"
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
	arrived := arrivals(e)
	entered, release := make(chan struct{}), make(chan struct{})
	letGo := sync.OnceFunc(func() { close(release) })
	defer letGo() // a failure below must not leave the held request (and the reset) hanging
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
	go func() { resetDone <- e.sandboxCall(http.MethodPost, sandbox.ResetPath, "secret").Code }()
	waitForWriter(t, e.srv) // the reset waits for the gate: it cannot hold it
	select {
	case code := <-resetDone:
		t.Fatalf("the reset (HTTP %d) did not wait for the request in flight", code)
	default:
	}
	drain(arrived) // every earlier request has passed the point that reports
	later := make(chan string, 1)
	go func() { later <- lookup() }()
	<-arrived
	// A request that ran now would see the assigned DID, which the check
	// after the reset catches; this window only makes it fail sooner.
	select {
	case <-later:
		t.Fatal("a request ran while a reset was waiting")
	case <-time.After(100 * time.Millisecond):
	}
	letGo()
	if code := <-resetDone; code != http.StatusOK {
		t.Fatalf("reset: HTTP %d", code)
	}
	if got := <-later; got != fresh {
		t.Fatalf("the request that waited saw the old world:\n%s\nwant\n%s", got, fresh)
	}
}

// arrivals reports each request's path as the server receives it, before
// routing and before the gate, so that a test knows a request it sent in
// the background has reached the server. Call it before any request.
func arrivals(e *env) <-chan string {
	ch := make(chan string, 100)
	e.srv.echo.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			select {
			case ch <- c.Request().URL.Path:
			default:
			}
			return next(c)
		}
	})
	return ch
}

// drain empties ch.
func drain(ch <-chan string) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// waitForWriter waits until a reset holds or waits for the gate: then no
// new request may take it.
func waitForWriter(t *testing.T, s *Server) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.sandbox.Gate().TryRLock() {
		s.sandbox.Gate().RUnlock()
		if time.Now().After(deadline) {
			t.Fatal("the reset never asked for the gate")
		}
		time.Sleep(time.Millisecond)
	}
}

// hammer runs check until stop closes, counting the runs in n and sending
// errors to errs while it has room.
func hammer(stop <-chan struct{}, errs chan<- error, n *atomic.Int64, check func() error) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		n.Add(1)
		if err := check(); err != nil {
			select {
			case errs <- err:
			default:
			}
		}
	}
}

func checkHomePage(w *webClient) error {
	resp, err := w.HTTP.Get(w.Base + web.HomePath)
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

// checkWriter assigns and unassigns a DID signed with key: a whole world
// either refuses the hash (the other world's key) or answers as its DID's
// state allows; one that read the settings of one world and the DIDs of the
// other answers "DID was not found".
func checkWriter(e *env, key, did string) error {
	for _, req := range []struct {
		method string
		kv     []string
	}{
		{"did_device_assign", []string{"did", did, "device_id", "2"}},
		{"did_device_unassign", []string{"did", did}},
	} {
		rec := e.post(req.method, signWith(key, req.method, "admin", req.kv...))
		a, err := parseWriterAnswer(rec.Body.String())
		if rec.Code != http.StatusOK || err != nil || !writerAnswers[a] && a != domain.ErrIncorrectHash.Message {
			return fmt.Errorf("%s with key %s: HTTP %d %q (%v)", req.method, key, rec.Code, a, err)
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

// twoWorlds is newEnv in sandbox mode where each reset loads the other of
// two worlds: the demo (key "secret", DIDs 3706…) and a variant of it (key
// "secret-b", DIDs 3716…). keys[i] is the admin's key after i resets.
func twoWorlds(t *testing.T) (*env, [2]string) {
	t.Helper()
	e := newEnv(t, demoYAML)
	a := prehashed(t, demoYAML)
	b := strings.Replace(a, "api_secret_key: secret\n", "api_secret_key: secret-b\n", 1)
	b = strings.ReplaceAll(b, `did: "3706`, `did: "3716`)
	if strings.Count(b, `did: "3716`) != 13 || !strings.Contains(b, "api_secret_key: secret-b\n") {
		t.Fatal("the demo changed: the variant world is not what this test expects")
	}
	var resets atomic.Int64
	reload := func() (*domain.World, error) {
		text := a
		if resets.Add(1)%2 == 1 {
			text = b
		}
		return fixtures.Parse("test.yaml", []byte(text), sandboxNow)
	}
	e.srv = New(e.st, slog.New(slog.NewTextHandler(lockedWriter{e}, nil)), WithSandbox("two worlds", reload))
	return e, [2]string{"secret", "secret-b"}
}

// checkOneWorld asks dids_get signed with key: a whole world either refuses
// the hash (the other world's key) or lists its own 14 DIDs; a request that
// read the settings of one world and the DIDs of the other (a reset without
// the gate, between its two reads) lists the other world's DIDs.
func checkOneWorld(e *env, key, own, other string) error {
	rec := e.post("dids_get", signWith(key, "dids_get", "admin"))
	body := rec.Body.String()
	if a, err := parseWriterAnswer(body); err == nil && a == domain.ErrIncorrectHash.Message {
		return nil
	}
	n, err := didsGetCount(body)
	if rec.Code != http.StatusOK || err != nil || n != 14 || !strings.Contains(body, own) || strings.Contains(body, other) {
		return fmt.Errorf("dids_get with key %s: HTTP %d, %d DIDs (%v), half of a reset: %.300s", key, rec.Code, n, err, body)
	}
	return nil
}

// TestResetBetweenTwoWorldsNeverMixesThem: while resets swap two worlds
// that differ in the admin's key and in every DID number, no request reads
// its settings in one world and its DIDs in the other, whether it reads
// (dids_get) or writes (assign and unassign); and a page keeps answering
// whole (its session survives every reset). Without the gate each read is
// still consistent (one SQLite transaction) and this test is the one that
// fails.
func TestResetBetweenTwoWorldsNeverMixesThem(t *testing.T) {
	e, keys := twoWorlds(t)
	w := e.browser()
	w.Login("admin", demoLogins["admin"])
	checks := []func() error{func() error { return checkHomePage(w) }}
	for i := range 4 {
		key, own, other := keys[i%2], "<did>37060000001</did>", "<did>37160000001</did>"
		if i%2 == 1 {
			own, other = other, own
		}
		checks = append(checks, func() error { return checkOneWorld(e, key, own, other) })
	}
	for i, did := range []string{"37060000001", "37160000001"} {
		checks = append(checks, func() error { return checkWriter(e, keys[i], did) })
	}
	underResets(t, 20, 20, func(i int) {
		if rec := e.sandboxCall(http.MethodPost, sandbox.ResetPath, keys[i%2]); rec.Code != http.StatusOK {
			t.Fatalf("reset %d: HTTP %d %s", i+1, rec.Code, rec.Body)
		}
	}, checks...)
}

// underResets runs each check in a loop on its own goroutine while reset(i)
// runs for i = 0, 1, ...: at least minResets times and 2 s, and until each
// check has run minRuns times (however slow the machine; a minute at most),
// then reports the checks' errors.
func underResets(t *testing.T, minRuns, minResets int, reset func(i int), checks ...func() error) {
	t.Helper()
	stop := make(chan struct{})
	errs := make(chan error, 100)
	var wg sync.WaitGroup
	counts := make([]atomic.Int64, len(checks))
	for i, check := range checks {
		wg.Go(func() { hammer(stop, errs, &counts[i], check) })
	}
	stopAll := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopAll() // a reset that fails the test stops the checks too
	ranEnough := func() bool {
		for i := range counts {
			if counts[i].Load() < int64(minRuns) {
				return false
			}
		}
		return true
	}
	resets, start := 0, time.Now()
	for ; resets < minResets || time.Since(start) < 2*time.Second || !ranEnough(); resets++ {
		if time.Since(start) > time.Minute {
			t.Errorf("the checks did not run %d times each in a minute of resets", minRuns)
			break
		}
		reset(resets)
	}
	stopAll()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	ran := make([]int64, len(counts))
	for i := range counts {
		ran[i] = counts[i].Load()
	}
	t.Logf("%d resets; requests per checker %v", resets, ran)
}

// TestResetDoesNotWaitForASlowUpload: a client still sending its body holds
// no gate, so a reset (and the requests behind it) need not wait for it;
// the upload, once sent, is answered from the reset world.
func TestResetDoesNotWaitForASlowUpload(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	if got := e.call("did_device_assign", "admin", "did", "37060000001", "device_id", "2"); got != "Device assigned to DID" {
		t.Fatal(got)
	}
	body := sign("did_device_assign", "admin", "did", "37060000001", "device_id", "2").Encode()
	pr, pw := io.Pipe()
	req := httptest.NewRequest(http.MethodPost, "/billing/api/did_device_assign", pr)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	answered := make(chan struct{})
	go func() { e.srv.ServeHTTP(rec, req); close(answered) }()
	if _, err := pw.Write([]byte(body[:5])); err != nil { // returns once the server reads
		t.Fatal(err)
	}
	reset := make(chan int, 1)
	go func() { reset <- e.sandboxCall(http.MethodPost, sandbox.ResetPath, "secret").Code }()
	select {
	case code := <-reset:
		if code != http.StatusOK {
			t.Fatalf("reset: HTTP %d", code)
		}
	case <-time.After(5 * time.Second):
		pw.Close()
		t.Fatal("the reset waits for a client still sending its body")
	}
	if _, err := pw.Write([]byte(body[5:])); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	<-answered
	if got := answerText(t, rec.Body.String()); got != "Device assigned to DID" {
		t.Fatalf("the upload was answered %q, want the reset world's answer", got)
	}
}

// brokenBody sends some bytes, then fails.
type brokenBody struct{ sent bool }

func (b *brokenBody) Read(p []byte) (int, error) {
	if b.sent {
		return 0, errors.New("connection reset")
	}
	b.sent = true
	return copy(p, "u=admin&"), nil
}

// TestReadAheadKeepsTheBodyRules: in sandbox mode (bodies read before the
// gate) a body of api.MaxBodyBytes is read whole, a longer one is too large, and
// a body that fails mid-way is a bad request, as without sandbox mode.
func TestReadAheadKeepsTheBodyRules(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	form := sign("dids_get", "admin", "search_did_number", "37060000001").Encode() + "&pad="
	whole := form + strings.Repeat("x", api.MaxBodyBytes-len(form))
	for _, tc := range []struct {
		body io.Reader
		code int
		want string
	}{
		{strings.NewReader(whole), http.StatusOK, "<did>37060000001</did>"},
		{strings.NewReader(whole + "x"), http.StatusRequestEntityTooLarge, "Request too large"},
		{&brokenBody{}, http.StatusBadRequest, "Invalid request body"},
	} {
		req := httptest.NewRequest(http.MethodPost, "/billing/api/dids_get", tc.body)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if rec := e.do(req); rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("HTTP %d, want %d and %q: %.300s", rec.Code, tc.code, tc.want, rec.Body)
		}
	}
}

// TestProbesPassTheGate: while a reset holds the gate, /healthz and
// /metrics still answer (a probe must not hang on a long reset), and an
// API request waits for the end.
func TestProbesPassTheGate(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	arrived := arrivals(e)
	e.srv.sandbox.Gate().Lock()
	for _, path := range []string{ops.HealthPath, ops.MetricsPath} {
		done := make(chan int, 1)
		go func() { done <- e.get(path).Code }()
		select {
		case code := <-done:
			if code != http.StatusOK {
				t.Errorf("%s during a reset: HTTP %d", path, code)
			}
		case <-time.After(5 * time.Second):
			e.srv.sandbox.Gate().Unlock()
			t.Fatalf("%s waits for the reset", path)
		}
	}
	drain(arrived)
	api := make(chan string, 1)
	go func() { api <- e.call("did_device_assign", "admin", "did", "37060000001", "device_id", "2") }()
	<-arrived
	select {
	case got := <-api:
		e.srv.sandbox.Gate().Unlock()
		t.Fatalf("an API request ran during a reset: %q", got)
	case <-time.After(100 * time.Millisecond):
	}
	if d := e.did("37060000001"); d.Status != domain.StatusFree {
		t.Errorf("the DID changed during a reset: %+v", d)
	}
	e.srv.sandbox.Gate().Unlock()
	if got := <-api; got != "Device assigned to DID" {
		t.Fatalf("after the reset: %q", got)
	}
}
