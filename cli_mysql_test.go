package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"morlite/domain"
	"morlite/internal/mariadbtest"
)

// These tests run whatever engine the suites run on: they are of the MySQL
// engine itself (moving a world to it, several instances on one database,
// a database that goes away), and start their own MariaDB.

// TestMySQLMoveUp is the move from SQLite to MariaDB: a world with a
// history (a user registered with his password hash, DIDs moved, the action
// log) exported from SQLite and loaded into MariaDB exports again as the
// very same file: every row of every table kept.
func TestMySQLMoveUp(t *testing.T) {
	url := mariadbtest.URL(t)
	ctx := context.Background()
	lite := filepath.Join(t.TempDir(), "morlite.db")
	demo, err := os.ReadFile("fixtures/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	open := strings.Replace(string(demo), "allow_registration_over_api: false", "allow_registration_over_api: true", 1)
	base, _, stop := startServe(t, "--db", lite, "--fixtures", writeFixture(t, open))
	for _, q := range []string{seedQuery, registerQuery} {
		if body := postText(t, base+q); strings.Contains(body, "<error>") {
			t.Fatalf("%s: %s", q, body)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	var first, second bytes.Buffer
	if err := run(ctx, []string{"export", "--db", lite}, &first, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"password_hash", "actions:", "did_trunk_device_assign", "user_register", "newbie"} {
		if !strings.Contains(first.String(), want) {
			t.Fatalf("the SQLite export lacks %q; the round trip would prove less than it says:\n%s", want, first.String())
		}
	}
	fx := filepath.Join(t.TempDir(), "world.yaml")
	os.WriteFile(fx, first.Bytes(), 0o600)
	if err := run(ctx, []string{"load", "--db", url, "--fixtures", fx}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"export", "--db", url}, &second, io.Discard); err != nil {
		t.Fatal(err)
	}
	if first.String() != second.String() {
		t.Fatalf("the world changed on its way to MariaDB:\n%s\n---\n%s", first.String(), second.String())
	}
}

// registerQuery registers newbie under the demo's admin (uniquehash
// adm1nhash0), signed with the demo's key, so that the world holds a
// password hash made at run time.
var registerQuery = func() string {
	p := domain.Params{"id": "adm1nhash0", "username": "newbie", "password": "Newbie-pass-1",
		"password2": "Newbie-pass-1", "first_name": "New", "last_name": "Bie", "email": "newbie@example.com",
		"device_type": "SIP", "country_id": "123"}
	_, text := domain.HashInput("user_register", p, domain.Documented)
	v := url.Values{"hash": {domain.Hash(text, "secret")}}
	for k, x := range p {
		v.Set(k, x)
	}
	return "/billing/api/user_register?" + v.Encode()
}()

// TestMySQLServeSeedRequest: serve on MariaDB as on SQLite: the demo is
// loaded into a new database, a restart keeps a change, --reset reloads.
func TestMySQLServeSeedRequest(t *testing.T) {
	url := mariadbtest.URL(t)
	base, stderr, stop := startServe(t, "--db", url)
	if body := postText(t, base+seedQuery); !strings.Contains(body, "<success>Device assigned to DID</success>") {
		t.Fatalf("seed request: %s", body)
	}
	stop()
	if strings.Contains(stderr.String(), mariadbtest.Password) {
		t.Fatalf("the password is in the log:\n%s", stderr)
	}
	base, _, stop = startServe(t, "--db", url)
	if body := postText(t, base+seedQuery); !strings.Contains(body, "<error>DID is not free</error>") {
		t.Fatalf("after restart the assignment is gone: %s", body)
	}
	stop()
	base, _, stop = startServe(t, "--db", url, "--reset")
	defer stop()
	if body := postText(t, base+seedQuery); !strings.Contains(body, "Device assigned to DID") {
		t.Fatalf("--reset did not reload the demo: %s", body)
	}
}

// TestMySQLUnreachableAtStartup: exit status 2, the host and the driver's
// reason, never the password.
func TestMySQLUnreachableAtStartup(t *testing.T) {
	cmd := runMain(t, "serve --db mysql://morlite:"+mariadbtest.Password+"@127.0.0.1:1/morlite")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("exit: %v, want status 2; stderr:\n%s", err, stderr.String())
	}
	text := stderr.String()
	if !strings.Contains(text, "127.0.0.1:1") || !strings.Contains(text, "connection refused") || strings.Contains(text, mariadbtest.Password) {
		t.Fatalf("stderr %q: want the host and the reason, without the password", text)
	}
}

// raceLab is bob with n trunk devices and one reserved DID, and a
// reseller with his own key.
func raceLab(n int, key, resellerKey string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "settings: {allow_api: true, api_secret_key: %s}\nusers:\n", key)
	b.WriteString("  - {id: 0, username: admin, usertype: admin, password: admin1}\n")
	fmt.Fprintf(&b, "  - {id: 3, username: rs, usertype: reseller, owner_id: 0, api_secret_key: %s}\n", resellerKey)
	b.WriteString("  - {id: 5, username: bob, usertype: user, owner_id: 0}\ndevices:\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  - {id: %d, user_id: 5, name: \"t%d\", extension: \"%d\", istrunk: 1}\n", i, i, 100+i)
	}
	b.WriteString("dids:\n  - {id: 1, did: \"123456789\", status: reserved, user_id: 5}\n")
	return b.String()
}

// signed is an API query for method by u, signed with key as MOR hashes.
func signed(method, u, key string, kv ...string) string {
	q := "u=" + u
	p := domain.Params{}
	for i := 0; i+1 < len(kv); i += 2 {
		q += "&" + kv[i] + "=" + kv[i+1]
		p[kv[i]] = kv[i+1]
	}
	_, text := domain.HashInput(method, p, domain.Documented)
	return "/billing/api/" + method + "?" + q + "&hash=" + domain.Hash(text, key)
}

// TestMySQLTwoInstances: two morlite processes on one MariaDB database.
// 100 racers split across both go for one DID by each assign method:
// exactly one wins and the action log agrees. A change made through one
// (a sandbox reset to another key) is enforced by the other on its very
// next request.
func TestMySQLTwoInstances(t *testing.T) {
	const racers = 100
	url := mariadbtest.URL(t)
	labA := writeFixture(t, raceLab(racers, "key-a", "rs-a"))
	labB := writeFixture(t, raceLab(racers, "key-b", "rs-b"))
	a, _, stopA := startServe(t, "--db", url, "--fixtures", labA, "--sandbox=true")
	defer stopA()
	b, _, stopB := startServe(t, "--db", url, "--fixtures", labB, "--reset", "--sandbox=true")
	defer stopB()
	bases, key := []string{a, b}, "key-b" // B's fixture is in the database
	for _, method := range []string{"did_trunk_device_assign", "did_device_assign"} {
		t.Run(method, func(t *testing.T) {
			reset(t, a, key) // A's fixture again
			key = "key-a"
			answers := make([]string, racers)
			var wg sync.WaitGroup
			for i := range racers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					answers[i] = postText(t, bases[i%2]+signed(method, "admin", "key-a", "device_id", fmt.Sprint(i+1), "did", "123456789"))
				}()
			}
			wg.Wait()
			winners := 0
			for i, body := range answers {
				switch {
				case strings.Contains(body, "<success>Device assigned to DID</success>"):
					winners++
				case strings.Contains(body, "<error>DID is not free</error>"):
				default:
					t.Errorf("racer %d: %s", i, body)
				}
			}
			if winners != 1 {
				t.Fatalf("%d winners, want 1", winners)
			}
			assertOneAssignLogged(t, url, method)
		})
	}
	t.Run("ResetThroughTheOther", func(t *testing.T) {
		// Both instances have served key-a; B resets to its own fixture.
		reset(t, b, "key-a")
		for _, base := range bases {
			if body := postText(t, base+signed("dids_get", "admin", "key-a")); !strings.Contains(body, "Access Denied") && !strings.Contains(body, "Incorrect hash") {
				t.Errorf("%s still takes the old key: %s", base, body)
			}
			if body := postText(t, base+signed("dids_get", "admin", "key-b")); !strings.Contains(body, "123456789") {
				t.Errorf("%s refuses the new key: %s", base, body)
			}
			if body := postText(t, base+signed("dids_get", "rs", "rs-b")); strings.Contains(body, "Incorrect hash") {
				t.Errorf("%s refuses the reseller's new key: %s", base, body)
			}
		}
	})
	t.Run("EachChangeThroughTheOther", func(t *testing.T) { changesThroughTheOther(t, url, a, b, true) })
}

// reset posts a sandbox reset with the key in force.
func reset(t *testing.T, base, key string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/sandbox/reset", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reset through %s: HTTP %d %s", base, resp.StatusCode, body)
	}
}

// assertOneAssignLogged reads the action log: one row of method, for the DID.
func assertOneAssignLogged(t *testing.T, url, method string) {
	t.Helper()
	w := exportDB(t, url)
	n := 0
	for _, a := range w.Actions {
		if a.Action == method && a.TargetType == "did" && a.TargetID == 1 {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d %s rows in the action log, want 1", n, method)
	}
}

// TestMySQLDatabaseGoesAway: while the database is down, the API answers
// 503 Server busy with Retry-After in MOR's envelope (no driver text) and
// /healthz 503; once it is back, service resumes by itself.
func TestMySQLDatabaseGoesAway(t *testing.T) {
	mariadbtest.Shared(t) // fails or skips as any MariaDB test when there is none
	srv, err := mariadbtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	base, stderr, stop := startServe(t, "--db", srv.NewDatabase(t))
	defer stop()
	if body := postText(t, base+seedQuery); !strings.Contains(body, "Device assigned to DID") {
		t.Fatalf("seed request: %s", body)
	}
	srv.Kill()
	for _, q := range []string{seedQuery, signed("dids_get", "admin", "secret")} {
		resp, err := http.Post(base+q, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
			!strings.Contains(string(body), "<error>Server busy</error>") {
			t.Errorf("%s with the database down: HTTP %d Retry-After %q %s", q, resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
	}
	if code := getStatus(t, base+"/healthz"); code != http.StatusServiceUnavailable {
		t.Errorf("/healthz with the database down: HTTP %d", code)
	}
	if err := srv.Start(""); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for getStatus(t, base+"/healthz") != http.StatusOK || !strings.Contains(postText(t, base+signed("dids_get", "admin", "secret")), "123456789") {
		if time.Now().After(deadline) {
			t.Fatalf("service did not resume within 30s of the database's return:\n%s", stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if strings.Contains(stderr.String(), mariadbtest.Password) {
		t.Errorf("the password is in the log:\n%s", stderr)
	}
}

func getStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
