package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"morlite/ops"
)

// get sends a GET for path through the real router.
func (e *env) get(path string) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// wantSecureHeaders are the headers every answer must carry, written out
// here rather than read from SecureHeaders, so that a header dropped from
// (or loosened in) the production map fails the tests.
var wantSecureHeaders = map[string]string{
	"X-Content-Type-Options":  "nosniff",
	"X-Frame-Options":         "DENY",
	"Referrer-Policy":         "no-referrer",
	"Cache-Control":           "no-store",
	"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}

// assertSecureHeaders checks an answer carries every secure header.
func assertSecureHeaders(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	for name, want := range wantSecureHeaders {
		if got := rec.Header().Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestHealthzOK(t *testing.T) {
	e := newEnv(t, demoYAML)
	before := e.st.WriteStats()
	rec := e.get("/healthz")
	if rec.Code != http.StatusOK {
		t.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
	}
	latest := latestMigration(t, e)
	want := fmt.Sprintf(`{"status":"ok","database":"ok","migrations":"current","version":%d,"latest":%d}`+"\n", latest, latest)
	if rec.Body.String() != want {
		t.Fatalf("body %q, want %q", rec.Body, want)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	assertSecureHeaders(t, rec)
	if after := e.st.WriteStats(); after != before {
		t.Errorf("a health check wrote: %+v -> %+v", before, after)
	}
}

// latestMigration is the schema version a fresh database is at, checked
// against the migration files embedded in the binary.
func latestMigration(t *testing.T, e *env) int64 {
	t.Helper()
	applied, latest, err := e.st.SchemaVersion(context.Background())
	if err != nil || applied != latest || latest < 1 {
		t.Fatalf("schema version %d of %d: %v", applied, latest, err)
	}
	return latest
}

// TestHealthzFailing: each broken part is named with a 503, its cause
// logged and never answered.
func TestHealthzFailing(t *testing.T) {
	latest := latestMigration(t, newEnv(t, demoYAML))
	cases := []struct {
		name, want string
		breakIt    func(e *env)
	}{
		{"SchemaBehind", fmt.Sprintf(`{"status":"unavailable","database":"ok","migrations":"behind","version":%d,"latest":%d}`, latest-1, latest),
			func(e *env) { e.exec(fmt.Sprintf("DELETE FROM goose_db_version WHERE version_id = %d", latest)) }},
		{"SchemaAhead", fmt.Sprintf(`{"status":"unavailable","database":"ok","migrations":"ahead","version":99,"latest":%d}`, latest),
			func(e *env) { e.exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (99, 1)") }},
		{"VersionTableGone", `{"status":"unavailable","database":"ok","migrations":"unreadable"}`,
			func(e *env) { e.exec("ALTER TABLE goose_db_version RENAME TO old_versions") }},
		{"DatabaseClosed", `{"status":"unavailable","database":"unreachable","migrations":"unknown"}`,
			func(e *env) { e.st.Close() }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, demoYAML)
			c.breakIt(e)
			rec := e.get("/healthz")
			if rec.Code != http.StatusServiceUnavailable {
				t.Fatalf("HTTP %d, want 503: %s", rec.Code, rec.Body)
			}
			if got := strings.TrimSpace(rec.Body.String()); got != c.want {
				t.Fatalf("body %s\nwant %s", got, c.want)
			}
			assertSecureHeaders(t, rec)
			if !strings.Contains(e.logText(), "health: ") {
				t.Errorf("the cause was not logged: %s", e.logText())
			}
		})
	}
}

// TestHealthzWriterStuck: a writer busy past the health check's timeout
// makes the database unreachable; the check passes again once it is done.
func TestHealthzWriterStuck(t *testing.T) {
	sqliteOnly(t, "SQLite's one writer connection, which a held write holds")
	e := newEnv(t, demoYAML)
	defer func(d time.Duration) { ops.HealthTimeout = d }(ops.HealthTimeout)
	ops.HealthTimeout = 50 * time.Millisecond
	// This update stops inside its transaction, on the writer's connection,
	// until released.
	e.exec(`CREATE TRIGGER slow AFTER UPDATE ON dids WHEN NEW.comment = 'slow' BEGIN
		SELECT test_block('healthz-writer-stuck');
	END`)
	entered, release := holdBlock(t, "healthz-writer-stuck")
	done := make(chan string)
	go func() { done <- e.call("did_details_update", "admin", "did_id", "2", "comment", "slow") }()
	<-entered
	start := time.Now()
	rec := e.get("/healthz")
	want := `{"status":"unavailable","database":"unreachable","migrations":"unknown"}`
	if rec.Code != http.StatusServiceUnavailable || strings.TrimSpace(rec.Body.String()) != want {
		t.Errorf("HTTP %d %s, want 503 %s", rec.Code, rec.Body, want)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("the check took %v, past its timeout", took)
	}
	release()
	if got := <-done; got != "DID details successfully updated" {
		t.Fatalf("slow write answered %q", got)
	}
	// The check after the write gets the real timeout: 50 ms is too short
	// for even a trivial read on a loaded machine.
	ops.HealthTimeout = 5 * time.Second
	if rec := e.get("/healthz"); rec.Code != http.StatusOK {
		t.Fatalf("after the write: HTTP %d %s", rec.Code, rec.Body)
	}
}

// scrape returns /metrics' text, checking its status and headers.
func (e *env) scrape() string {
	e.t.Helper()
	rec := e.get("/metrics")
	if rec.Code != http.StatusOK {
		e.t.Fatalf("/metrics: HTTP %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		e.t.Errorf("/metrics Content-Type %q", ct)
	}
	assertSecureHeaders(e.t, rec)
	return rec.Body.String()
}

// samples returns the sample lines of a scrape whose series name is name
// (with its labels, if any), sorted.
func samples(text, name string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, name+" ") || strings.HasPrefix(l, name+"{") {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

// value returns the value of the one sample line named exactly series.
func value(t *testing.T, text, series string) float64 {
	t.Helper()
	for _, l := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", l, err)
			}
			return f
		}
	}
	t.Fatalf("no sample %s in the scrape", series)
	return 0
}

// TestMetricsAfterAPICalls: each answered API request is counted by method
// and answer text, timed, and the writes it made show in the store's
// metrics; scraping itself is not counted.
func TestMetricsAfterAPICalls(t *testing.T) {
	e := newEnv(t, demoYAML)
	mustAnswer := func(got, want string) {
		t.Helper()
		if got != want {
			t.Fatalf("answer %q, want %q", got, want)
		}
	}
	e.get("/healthz")
	e.scrape()
	mustAnswer(e.call("did_trunk_device_assign", "username", "did", "123456789", "device_id", "1"), "Device assigned to DID")
	mustAnswer(e.call("did_details_update", "admin", "did_id", "2", "did_user_id", "3"), "DID details successfully updated")
	for range 2 {
		if l, body := e.usersGet(signUsersGet("admin", "admin1")); len(l.Users) == 0 {
			t.Fatalf("users_get listed no one: %s", body)
		}
	}
	bad := signUsersGet("admin", "admin1")
	bad.Set("hash", "0000")
	mustAnswer(answerText(t, e.post("users_get", bad).Body.String()), "Incorrect hash")
	mustAnswer(e.call("no_such_method", "admin"), "There is no such API")
	get := e.get("/billing/api/users_get?" + signUsersGet("admin", "admin1").Encode())
	mustAnswer(answerText(t, get.Body.String()), "GET Requests are disabled")

	text := e.scrape()
	want := []string{
		`morlite_api_requests_total{answer="DID details successfully updated",method="did_details_update"} 1`,
		`morlite_api_requests_total{answer="Device assigned to DID",method="did_trunk_device_assign"} 1`,
		`morlite_api_requests_total{answer="GET Requests are disabled",method="users_get"} 1`,
		`morlite_api_requests_total{answer="Incorrect hash",method="users_get"} 1`,
		`morlite_api_requests_total{answer="There is no such API",method="unknown"} 1`,
		`morlite_api_requests_total{answer="ok",method="users_get"} 2`,
	}
	if got := samples(text, "morlite_api_requests_total"); !slices.Equal(got, want) {
		t.Fatalf("request counters:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for method, n := range map[string]float64{"users_get": 4, "unknown": 1, "did_trunk_device_assign": 1, "dids_get": 0} {
		if got := value(t, text, `morlite_api_request_duration_seconds_count{method="`+method+`"}`); got != n {
			t.Errorf("%s timed %v times, want %v", method, got, n)
		}
	}
	value(t, text, `morlite_api_request_duration_seconds_bucket{method="users_get",le="+Inf"}`)

	// The two writes ran one after the other: two batches of one.
	for series, n := range map[string]float64{
		`morlite_store_write_batch_size_bucket{le="1"}`:    2,
		`morlite_store_write_batch_size_bucket{le="128"}`:  2,
		`morlite_store_write_batch_size_bucket{le="+Inf"}`: 2,
		`morlite_store_write_batch_size_count`:             2,
		`morlite_store_write_batch_size_sum`:               2,
		`morlite_store_writes_total`:                       2,
		`morlite_store_write_batches_total`:                2,
		`morlite_store_writes_shed_total`:                  0,
	} {
		if got := value(t, text, series); got != n {
			t.Errorf("%s = %v, want %v", series, got, n)
		}
	}
	if size := value(t, text, "morlite_database_size_bytes"); size <= 0 {
		t.Errorf("database size %v", size)
	}
	value(t, text, "go_goroutines")
}

// methodLabel finds the method label of a request counter line.
var methodLabel = regexp.MustCompile(`method="([^"]*)"`)

// TestMetricsUnknownMethodsBounded: however many method names clients
// make up, they share the one "unknown" label.
func TestMetricsUnknownMethodsBounded(t *testing.T) {
	e := newEnv(t, demoYAML)
	const n = 2000
	for i := range n {
		e.post(fmt.Sprintf("made_up_%d", i), sign("x", "admin"))
	}
	text := e.scrape()
	methods := map[string]bool{}
	for _, l := range samples(text, "morlite_api_request_duration_seconds_count") {
		methods[methodLabel.FindStringSubmatch(l)[1]] = true
	}
	if len(methods) != len(e.srv.api.Methods())+1 || !methods["unknown"] {
		t.Fatalf("%d method labels, want the %d served methods and unknown", len(methods), len(e.srv.api.Methods()))
	}
	want := []string{fmt.Sprintf(`morlite_api_requests_total{answer="There is no such API",method="unknown"} %d`, n)}
	if got := samples(text, "morlite_api_requests_total"); !slices.Equal(got, want) {
		t.Fatalf("request counters %q, want %q", got, want)
	}
}

// TestOpsRoutesOutsideTheAPI: the ops endpoints answer GET only, and a
// baseline server (no database) has none.
func TestOpsRoutesOutsideTheAPI(t *testing.T) {
	e := newEnv(t, demoYAML)
	for _, path := range []string{"/healthz", "/metrics"} {
		rec := e.do(httptest.NewRequest(http.MethodPost, path, nil))
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("POST %s: HTTP %d, want 405", path, rec.Code)
		}
		rec = httptest.NewRecorder()
		NewBaseline(slog.New(slog.DiscardHandler)).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("baseline GET %s: HTTP %d, want 404", path, rec.Code)
		}
	}
	if got := samples(e.scrape(), "morlite_api_requests_total"); len(got) != 0 {
		t.Fatalf("ops requests were counted as API requests: %q", got)
	}
}
