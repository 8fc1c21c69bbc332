package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"morlite/internal/mariadbtest"
	"morlite/store"
	"morlite/web"
)

// changeLab is a small world whose every field the instances keep between
// requests can be set: the admin's key and password, whether the API is
// on, the reseller's type and key, the accountant's DID right.
type changeLab struct {
	key, adminPW, rsType, rsKey string
	apiOff                      bool
	accDIDs                     int
}

func (l changeLab) yaml() string {
	return fmt.Sprintf(`settings: {allow_api: %v, api_secret_key: %s}
users:
  - {id: 0, username: admin, usertype: admin, password: %s}
  - {id: 3, username: rs, usertype: %s, owner_id: 0, api_secret_key: %s}
  - {id: 4, username: acc, usertype: accountant, owner_id: 0, rights: {manage_dids_opt_1: %d, device_manage: 2, user_manage: 2}}
  - {id: 5, username: bob, usertype: user, owner_id: 0}
devices:
  - {id: 1, user_id: 5, name: "t1", extension: "101", istrunk: 1}
dids:
  - {id: 1, did: "123456789", status: reserved, user_id: 5}
`, !l.apiOff, l.key, l.adminPW, l.rsType, l.rsKey, l.accDIDs)
}

// changesThroughTheOther: B serves a request from the world it has kept;
// then a change of one kind is made through A (a snapshot restored through
// A's sandbox, with sandbox on, or a fixture load by `morlite load`), and
// B's very next request answers from the changed world.
func changesThroughTheOther(t *testing.T, dbURL, a, b string, sandbox bool) {
	base := changeLab{key: "k1", adminPW: "admin-pw-1", rsType: "reseller", rsKey: "rs1", accDIDs: 2}
	load := func(l changeLab) {
		t.Helper()
		path := writeFixture(t, l.yaml())
		if err := run(context.Background(), []string{"load", "--db", dbURL, "--fixtures", path, "--reset"}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
	}
	load(base)
	steps := []struct {
		name        string
		change      func(changeLab) changeLab
		before, now func(t *testing.T) // B's answers before and after
		// B's write right after the change (before its read), judged
		// with the new values; nil: the change concerns no API write.
		writeBefore, writeNow func(t *testing.T)
	}{
		{"APIKey", func(l changeLab) changeLab { l.key = "k2"; return l },
			answers(b, "admin", "k1", "123456789"), answers(b, "admin", "k1", "Incorrect hash"),
			writes(b, "admin", "k1", "Device assigned to DID"), writes(b, "admin", "k1", "Incorrect hash")},
		{"ResellerKey", func(l changeLab) changeLab { l.rsKey = "rs2"; return l },
			answers(b, "rs", "rs1", "No DIDs found"), answers(b, "rs", "rs1", "Incorrect hash"),
			writes(b, "rs", "rs1", rsAssign), writes(b, "rs", "rs1", "Incorrect hash")},
		{"UserType", func(l changeLab) changeLab { l.rsType = "user"; return l },
			answers(b, "rs", "rs2", "No DIDs found"), answers(b, "rs", "k2", "No DIDs found"),
			writes(b, "rs", "rs2", rsAssign), writes(b, "rs", "rs2", "Incorrect hash")},
		{"Right", func(l changeLab) changeLab { l.accDIDs = 0; return l },
			answers(b, "acc", "k2", "123456789"), answers(b, "acc", "k2", "You are not authorized to manage DIDs"),
			writes(b, "acc", "k2", "Device assigned to DID"), writes(b, "acc", "k2", "You are not authorized to manage DIDs")},
		{"Password", func(l changeLab) changeLab { l.adminPW = "admin-pw-2"; return l },
			logsIn(b, "admin-pw-1", http.StatusSeeOther), logsIn(b, "admin-pw-1", http.StatusUnauthorized), nil, nil},
		{"APIOff", func(l changeLab) changeLab { l.apiOff = true; return l },
			answers(b, "admin", "k2", "123456789"), answers(b, "admin", "k2", "API Requests are disabled"),
			writes(b, "admin", "k2", "Device assigned to DID"), writes(b, "admin", "k2", "API Requests are disabled")},
	}
	st, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			step.before(t)
			if step.writeBefore != nil {
				step.writeBefore(t)
			}
			next := step.change(base)
			if sandbox && i%2 == 0 { // a snapshot restored through A's sandbox
				name := fmt.Sprintf("change%d", i)
				snap := store.Snapshot{Name: name, Time: time.Now(), Body: []byte(next.yaml())}
				if err := st.SaveSnapshot(context.Background(), snap); err != nil {
					t.Fatal(err)
				}
				sandboxPost(t, a+"/sandbox/snapshots/"+name+"/restore", base.key)
			} else { // a fixture load by another process
				load(next)
			}
			if step.writeNow != nil {
				step.writeNow(t)
			}
			step.now(t)
			base = next
		})
	}
}

// TestMySQLChangesSeenWithoutSandbox: with the sandbox off, B answers
// dids_get from the settings and callers it keeps without first reading the
// world generation (the DID query reads it); each change loaded by another
// process is still seen by B's very next request.
func TestMySQLChangesSeenWithoutSandbox(t *testing.T) {
	dbURL := mariadbtest.URL(t)
	lab := writeFixture(t, changeLab{key: "k0", adminPW: "pw", rsType: "reseller", rsKey: "rs0"}.yaml())
	a, _, stopA := startServe(t, "--db", dbURL, "--fixtures", lab, "--sandbox=false")
	defer stopA()
	b, _, stopB := startServe(t, "--db", dbURL, "--sandbox=false")
	defer stopB()
	changesThroughTheOther(t, dbURL, a, b, false)
}

// answers checks that dids_get by u, signed with key, through base, holds
// want ("No DIDs found" for a caller without DIDs: past the hash check).
func answers(base, u, key, want string) func(t *testing.T) {
	return func(t *testing.T) {
		t.Helper()
		body := postText(t, base+signed("dids_get", u, key))
		if !strings.Contains(body, want) {
			t.Fatalf("dids_get by %s with key %s: want %q in\n%s", u, key, want, body)
		}
	}
}

// rsAssign is what the reseller's assignment of a DID of the admin's user
// answers: past the hash check.
const rsAssign = "Your are not authorized to use this Device"

// writes checks that did_trunk_device_assign of the lab's DID to its trunk
// by u, signed with key, through base, holds want; an assignment that
// succeeded is undone (through base too).
func writes(base, u, key, want string) func(t *testing.T) {
	return func(t *testing.T) {
		t.Helper()
		body := postText(t, base+signed("did_trunk_device_assign", u, key, "device_id", "1", "did", "123456789"))
		if !strings.Contains(body, want) {
			t.Fatalf("did_trunk_device_assign by %s with key %s: want %q in\n%s", u, key, want, body)
		}
		if strings.Contains(body, "Device assigned to DID") {
			body = postText(t, base+signed("did_device_unassign", u, key, "did", "123456789"))
			if !strings.Contains(body, "Device was unassigned from DID") {
				t.Fatalf("did_device_unassign by %s: %s", u, body)
			}
		}
	}
}

// logsIn checks the status of the admin's page login with password.
func logsIn(base, password string, want int) func(t *testing.T) {
	return func(t *testing.T) {
		t.Helper()
		form := url.Values{"login_username": {"admin"}, "login_psw": {password}, "csrf": {"tok"}}
		req, _ := http.NewRequest(http.MethodPost, base+web.LoginPath, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: "morlite_login_csrf", Value: "tok"})
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("login with %s: HTTP %d, want %d", password, resp.StatusCode, want)
		}
	}
}

// sandboxPost posts to a sandbox endpoint with the admin's key.
func sandboxPost(t *testing.T, endpoint, key string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, endpoint, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: HTTP %d", endpoint, resp.StatusCode)
	}
}

// TestMySQLDIDMoveStatements: with the sandbox off, an instance that keeps
// the world answers did_trunk_device_assign and did_device_unassign with
// five statements (START TRANSACTION and one locking read that carries the
// world generation; then UPDATE, the action's INSERT and COMMIT), counted
// by the server's Questions, in two round trips, counted by a proxy between
// the instance and the server.
func TestMySQLDIDMoveStatements(t *testing.T) {
	dbURL := mariadbtest.URL(t)
	proxy := mariadbtest.NewProxy(t, dbURL)
	lab := writeFixture(t, changeLab{key: "k0", adminPW: "pw", rsType: "reseller", rsKey: "rs0"}.yaml())
	b, _, stop := startServe(t, "--db", proxy.URL, "--fixtures", lab, "--sandbox=false")
	defer stop()
	db, err := mariadbtest.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	questions := func() int {
		t.Helper()
		var name string
		var n int
		if err := db.QueryRow("SHOW GLOBAL STATUS LIKE 'Questions'").Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	answers(b, "admin", "k0", "123456789")(t) // B keeps the world
	for _, tc := range []struct{ method, want string }{
		{"did_trunk_device_assign", "Device assigned to DID"}, {"did_device_unassign", "Device was unassigned from DID"},
	} {
		kv := []string{"did", "123456789"}
		if tc.method == "did_trunk_device_assign" {
			kv = append(kv, "device_id", "1")
		}
		before, trips := questions(), proxy.Commands()
		if body := postText(t, b+signed(tc.method, "admin", "k0", kv...)); !strings.Contains(body, tc.want) {
			t.Fatalf("%s: %s", tc.method, body)
		}
		if n := proxy.Commands() - trips; n != 2 {
			t.Errorf("%s: %d round trips, want 2", tc.method, n)
		}
		if n := questions() - before - 1; n != 5 { // less the SHOW STATUS itself
			t.Errorf("%s: %d statements, want 5", tc.method, n)
		}
	}
}
