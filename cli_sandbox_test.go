package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"morlite/domain"
	"morlite/store"
)

// sandboxStatus sends a sandbox request with the demo's admin key and
// returns the HTTP status and body.
func sandboxStatus(t *testing.T, method, url string) (int, string) {
	t.Helper()
	return bearerStatus(t, method, url, "")
}

// bearerStatus sends method url with the demo's bearer key (and host as
// the Host header, unless empty), and returns the status and body.
func bearerStatus(t *testing.T, method, url, host string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	req.Header.Set("Authorization", "Bearer secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestSandboxAutoWithTheDemo: serving the demo turns sandbox mode on, also
// after a restart on the same database; a reset brings the seed's DID back.
func TestSandboxAutoWithTheDemo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "morlite.db")
	base, stderr, stop := startServe(t, "--db", db)
	if !strings.Contains(stderr.String(), "sandbox mode is on: POST /sandbox/reset reloads the embedded demo") {
		t.Fatalf("no sandbox line in the log:\n%s", stderr)
	}
	if body := postText(t, base+seedQuery); !strings.Contains(body, "Device assigned to DID") {
		t.Fatalf("seed request: %s", body)
	}
	if code, body := sandboxStatus(t, http.MethodGet, base+"/sandbox/requests?method=did_trunk_device_assign"); code != http.StatusOK ||
		!strings.Contains(body, `"answer":"Device assigned to DID"`) || strings.Contains(body, "bc2f114099d16656d37e45fd9e8744cb9386d462") {
		t.Fatalf("journal: HTTP %d %s", code, body)
	}
	stop()

	base, stderr, stop = startServe(t, "--db", db)
	defer stop()
	if !strings.Contains(stderr.String(), "sandbox mode is on") {
		t.Fatalf("a restart on the demo's database turned sandbox mode off:\n%s", stderr)
	}
	if body := postText(t, base+seedQuery); !strings.Contains(body, "DID is not free") {
		t.Fatalf("after restart: %s", body)
	}
	if code, body := sandboxStatus(t, http.MethodPost, base+"/sandbox/reset"); code != http.StatusOK || !strings.Contains(body, `"status":"reset"`) {
		t.Fatalf("reset: HTTP %d %s", code, body)
	}
	if body := postText(t, base+seedQuery); !strings.Contains(body, "Device assigned to DID") {
		t.Fatalf("the reset did not bring the demo back: %s", body)
	}
}

// labFixture is a small world with the demo's admin key.
const labFixture = `settings: {allow_api: true, api_secret_key: secret}
users:
  - {id: 0, username: admin, usertype: admin, password: admin1}
  - {id: 5, username: bob, usertype: user, owner_id: 0}
devices:
  - {id: 1, user_id: 5, name: "101", extension: "101", istrunk: 1}
dids:
  - {id: 1, did: "123456789", status: reserved, user_id: 5}
`

const labQuery = "/billing/api/did_trunk_device_assign?u=admin&did=123456789&device_id=1&hash=cb9dff0d59f7ffaf036d55b57c817bf528edb54a"

func TestSandboxFlag(t *testing.T) {
	dir := t.TempDir()
	fx := writeFixture(t, labFixture)
	for _, tc := range []struct {
		name string
		args []string
		on   string // what the log says a reset reloads; "" for off
	}{
		{"FixturesAutoOff", []string{"--db", filepath.Join(dir, "a.db"), "--fixtures", fx}, ""},
		{"FixturesForcedOn", []string{"--db", filepath.Join(dir, "b.db"), "--fixtures", fx, "--sandbox=true"}, "the fixture file " + fx},
		{"DemoForcedOff", []string{"--db", filepath.Join(dir, "c.db"), "--sandbox", "false"}, ""},
		{"LoadedDatabaseForcedOn", []string{"--db", loadedDB(t, fx), "--sandbox=1"}, "the database's contents as they were at startup"},
		{"LoadedDatabaseAutoOff", []string{"--db", loadedDB(t, fx)}, ""},
		{"FixturesSwitchOn", []string{"--db", filepath.Join(dir, "d.db"), "--fixtures", fx, "--sandbox"}, "the fixture file " + fx},
		{"FixturesSwitchBeforeFlagOn", []string{"--db", filepath.Join(dir, "e.db"), "--sandbox", "--fixtures", fx}, "the fixture file " + fx},
		{"FixturesSpacedAutoOff", []string{"--db", filepath.Join(dir, "f.db"), "--fixtures", fx, "--sandbox", "auto"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, stderr, stop := startServe(t, tc.args...)
			defer stop()
			code, _ := sandboxStatus(t, http.MethodGet, base+"/sandbox/requests")
			if tc.on == "" {
				if code != http.StatusNotFound || strings.Contains(stderr.String(), "sandbox mode is on") {
					t.Fatalf("sandbox off: HTTP %d, log:\n%s", code, stderr)
				}
				return
			}
			if code != http.StatusOK || !strings.Contains(stderr.String(), "reloads "+tc.on) {
				t.Fatalf("sandbox on: HTTP %d, log:\n%s", code, stderr)
			}
			if !strings.Contains(tc.name, "Demo") {
				checkLabReset(t, base)
			}
		})
	}
}

// loadedDB is a database `morlite load` filled from fx.
func loadedDB(t *testing.T, fx string) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "loaded.db")
	if err := run(context.Background(), []string{"load", "--db", db, "--fixtures", fx}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	return db
}

// checkLabReset assigns the lab's DID, resets, and assigns it again.
func checkLabReset(t *testing.T, base string) {
	t.Helper()
	if body := postText(t, base+labQuery); !strings.Contains(body, "Device assigned to DID") {
		t.Fatalf("lab request: %s", body)
	}
	if body := postText(t, base+labQuery); !strings.Contains(body, "DID is not free") {
		t.Fatalf("lab request again: %s", body)
	}
	if code, body := sandboxStatus(t, http.MethodPost, base+"/sandbox/reset"); code != http.StatusOK || body != `{"dids":1,"status":"reset","users":2}`+"\n" {
		t.Fatalf("reset: HTTP %d %s", code, body)
	}
	if body := postText(t, base+labQuery); !strings.Contains(body, "Device assigned to DID") {
		t.Fatalf("after reset: %s", body)
	}
}

func TestSandboxEnvironment(t *testing.T) {
	t.Setenv("MORLITE_SANDBOX", "false")
	base, _, stop := startServe(t, "--db", filepath.Join(t.TempDir(), "x.db"))
	code, _ := sandboxStatus(t, http.MethodGet, base+"/sandbox/requests")
	stop()
	if code != http.StatusNotFound {
		t.Fatalf("MORLITE_SANDBOX=false: HTTP %d", code)
	}
	t.Setenv("MORLITE_SANDBOX", "")
	t.Setenv("MORLITE_JOURNAL_SIZE", "1")
	base, _, stop = startServe(t, "--db", filepath.Join(t.TempDir(), "y.db"))
	defer stop()
	postText(t, base+seedQuery)
	postText(t, base+"/billing/api/dids_get?u=admin")
	if code, body := sandboxStatus(t, http.MethodGet, base+"/sandbox/requests"); code != http.StatusOK || strings.Count(body, `"id":`) != 1 || !strings.Contains(body, `"method":"dids_get"`) {
		t.Fatalf("MORLITE_JOURNAL_SIZE=1: HTTP %d %s", code, body)
	}
}

func TestSandboxFlagRefusals(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--sandbox", "maybe"}, {"--sandbox="}, {"--journal-size", "-1"}, {"--journal-size", "lots"},
	} {
		var ue usageError
		err := run(context.Background(), append([]string{"serve", "--db", filepath.Join(dir, "r.db"), "--addr", "127.0.0.1:0"}, args...), io.Discard, io.Discard)
		if !errors.As(err, &ue) {
			t.Errorf("serve %v = %v, want a refusal", args, err)
		}
	}
	p := runMain(t, "serve --db "+filepath.Join(dir, "m.db")+" --addr 127.0.0.1:0 --sandbox=maybe")
	var ee *exec.ExitError
	if err := p.Run(); !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("--sandbox=maybe exits with %v, want status 2", err)
	}
}

// TestSandboxAutoFixtureNamedDemo: a database loaded from a fixture file
// that happens to be called "demo" is not the demo: auto leaves sandbox
// mode (and so a reset that wipes it) off.
func TestSandboxAutoFixtureNamedDemo(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "demo"), []byte(labFixture), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	db := filepath.Join(dir, "lab.db")
	if err := run(context.Background(), []string{"load", "--db", db, "--fixtures", "demo"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	base, stderr, stop := startServe(t, "--db", db)
	defer stop()
	if code, _ := sandboxStatus(t, http.MethodGet, base+"/sandbox/requests"); code != http.StatusNotFound || strings.Contains(stderr.String(), "sandbox mode is on") {
		t.Fatalf("a fixture file named demo turned sandbox mode on: HTTP %d, log:\n%s", code, stderr)
	}
}

// TestSandboxFlagsOverEnvironment: a flag wins over its variable, and
// --journal-size 0 keeps sandbox mode (the reset) with an empty journal.
func TestSandboxFlagsOverEnvironment(t *testing.T) {
	t.Setenv("MORLITE_SANDBOX", "true")
	t.Setenv("MORLITE_JOURNAL_SIZE", "5")
	base, stderr, stop := startServe(t, "--db", filepath.Join(t.TempDir(), "x.db"), "--sandbox=false")
	code, _ := sandboxStatus(t, http.MethodGet, base+"/sandbox/requests")
	stop()
	if code != http.StatusNotFound || strings.Contains(stderr.String(), "sandbox mode is on") {
		t.Fatalf("--sandbox=false under MORLITE_SANDBOX=true: HTTP %d, log:\n%s", code, stderr)
	}
	base, stderr, stop = startServe(t, "--db", filepath.Join(t.TempDir(), "y.db"), "--journal-size", "0")
	defer stop()
	if !strings.Contains(stderr.String(), "journal_size=0") {
		t.Fatalf("--journal-size 0 under MORLITE_JOURNAL_SIZE=5: log:\n%s", stderr)
	}
	postText(t, base+seedQuery)
	if code, body := sandboxStatus(t, http.MethodGet, base+"/sandbox/requests"); code != http.StatusOK || body != "[]\n" {
		t.Fatalf("journal with --journal-size 0: HTTP %d %q", code, body)
	}
	if code, body := sandboxStatus(t, http.MethodPost, base+"/sandbox/reset"); code != http.StatusOK || !strings.Contains(body, `"status":"reset"`) {
		t.Fatalf("reset with --journal-size 0: HTTP %d %s", code, body)
	}
	if body := postText(t, base+seedQuery); !strings.Contains(body, "Device assigned to DID") {
		t.Fatalf("the reset did not bring the demo back: %s", body)
	}
}

// TestResetCountsRelativeDatesFromTheReset: a closed DID without closed_till
// is closed until days_for_did_close days from its load; after a reset, from
// the reset, not from the server's start.
func TestResetCountsRelativeDatesFromTheReset(t *testing.T) {
	fx := writeFixture(t, strings.Replace(labFixture, "dids:\n", "dids:\n  - {id: 2, did: \"123456780\", status: closed, device_id: 1}\n", 1))
	db := filepath.Join(t.TempDir(), "morlite.db")
	base, _, serving := startServe(t, "--db", db, "--fixtures", fx, "--sandbox=true")
	stop := sync.OnceValue(serving)
	defer stop()
	started := time.Now()
	// The default closed_till is to the second: let the clock pass one.
	for !time.Now().Truncate(time.Second).After(started) {
		time.Sleep(20 * time.Millisecond)
	}
	resetAt := time.Now().UTC().Truncate(time.Second)
	if code, body := sandboxStatus(t, http.MethodPost, base+"/sandbox/reset"); code != http.StatusOK {
		t.Fatalf("reset: HTTP %d %s", code, body)
	}
	doneAt := time.Now().UTC()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	w := exportDB(t, db)
	const days = 90 // days_for_did_close's default; the fixture sets none
	for _, d := range w.DIDs {
		if d.Number != "123456780" {
			continue
		}
		if got := d.ClosedTill; got.Before(resetAt.AddDate(0, 0, days)) || got.After(doneAt.AddDate(0, 0, days)) {
			t.Fatalf("closed_till %v, want %d days from the reset (%v)", got, days, resetAt)
		}
		return
	}
	t.Fatal("the closed DID is gone")
}

// exportDB opens the database at db (a file or a mysql:// URL) and returns
// its world as export writes it.
func exportDB(t *testing.T, db string) *domain.World {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w, err := st.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return w
}
