package server

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"morlite/api"
)

// TestHTTPServerLimits pins the http.Server's timeouts and header limit: a
// slow or stalled client cannot hold a connection, a huge header is refused.
func TestHTTPServerLimits(t *testing.T) {
	e := newEnv(t, demoYAML)
	hs := e.srv.HTTPServer("127.0.0.1:0")
	for name, got := range map[string]time.Duration{
		"ReadHeaderTimeout": hs.ReadHeaderTimeout, "ReadTimeout": hs.ReadTimeout,
		"WriteTimeout": hs.WriteTimeout, "IdleTimeout": hs.IdleTimeout,
	} {
		want := map[string]time.Duration{"ReadHeaderTimeout": 10 * time.Second, "ReadTimeout": 30 * time.Second,
			"WriteTimeout": 30 * time.Second, "IdleTimeout": 120 * time.Second}[name]
		if got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if hs.MaxHeaderBytes != 1<<20 {
		t.Errorf("MaxHeaderBytes = %d, want 1 MiB", hs.MaxHeaderBytes)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(ln)
	defer hs.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/billing/api/did_device_assign", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 2<<20))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("a 2 MiB header: HTTP %d, want 431", resp.StatusCode)
	}
}

// panicky registers a method that panics, as a bug in a handler would.
func panicky(e *env) {
	e.srv.api.Intercept(func(c echo.Context, call *api.Call) (bool, error) {
		if call.Method() == "panic_test" {
			panic("boom: secret detail of a bug")
		}
		return false, nil
	})
}

const internalErrorPage = api.XMLDecl + "\n<page>\n  <status>\n    <error>Internal error</error>\n  </status>\n</page>\n"

// TestPanicAnswersMOREnvelope: a panicking method answers 500 with MOR's
// envelope and "Internal error", logs the panic, and the server goes on.
func TestPanicAnswersMOREnvelope(t *testing.T) {
	e := newEnv(t, demoYAML)
	panicky(e)
	rec := e.post("panic_test", sign("panic_test", "admin"))
	if rec.Code != http.StatusInternalServerError || rec.Body.String() != internalErrorPage {
		t.Fatalf("HTTP %d %q, want 500 %q", rec.Code, rec.Body.String(), internalErrorPage)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if !strings.Contains(e.logText(), "boom: secret detail of a bug") {
		t.Errorf("the panic is not in the log:\n%s", e.logText())
	}
	if got := e.call("did_device_unassign", "admin", "did", "37060000006"); got != "Device was unassigned from DID" {
		t.Fatalf("after the panic: %q", got)
	}
}

// TestSecureHeadersOnEveryAnswer sends one request of each kind of answer
// and expects every secure header on each.
func TestSecureHeadersOnEveryAnswer(t *testing.T) {
	e := newEnv(t, demoYAML)
	panicky(e)
	big := bytes.Repeat([]byte("a"), api.MaxBodyBytes+1)
	path := "/billing/api/"
	reqs := map[string]*http.Request{
		"Success":   httptest.NewRequest(http.MethodPost, path+"did_device_unassign?"+sign("did_device_unassign", "admin", "did", "37060000006").Encode(), nil),
		"Error":     httptest.NewRequest(http.MethodPost, path+"did_device_unassign?u=admin", nil),
		"NoSuchAPI": httptest.NewRequest(http.MethodPost, path+"nope", nil),
		"NotFound":  httptest.NewRequest(http.MethodGet, "/elsewhere", nil),
		"Verb405":   httptest.NewRequest(http.MethodPut, path+"did_device_assign", nil),
		"Body400":   jsonRequest(path+"did_device_assign", `{"u": [1]}`),
		"Body413":   httptest.NewRequest(http.MethodPost, path+"did_device_assign", bytes.NewReader(big)),
		"Panic500":  httptest.NewRequest(http.MethodPost, path+"panic_test?"+sign("panic_test", "admin").Encode(), nil),
	}
	wantCode := map[string]int{"Success": 200, "Error": 200, "NoSuchAPI": 200, "NotFound": 404, "Verb405": 405,
		"Body400": 400, "Body413": 413, "Panic500": 500}
	for name, req := range reqs {
		t.Run(name, func(t *testing.T) {
			rec := e.do(req)
			if rec.Code != wantCode[name] {
				t.Fatalf("HTTP %d, want %d: %s", rec.Code, wantCode[name], rec.Body)
			}
			assertSecureHeaders(t, rec)
		})
	}
}

func jsonRequest(target, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}
