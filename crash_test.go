//go:build crash

package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"morlite/domain"
	"morlite/store"
)

// Crash test sizes: run with `go test -tags crash -run TestCrashDurability -v .`
const (
	crashClients   = 32
	crashPerClient = 4
	crashRounds    = 12
	// each round's traffic lasts at most this long; the kill comes earlier
	crashRoundMax = 4 * time.Second
)

// crashReq is one write a client sent: which DID, which method, and the
// status and device the DID has after it.
type crashReq struct {
	client int
	did    int64
	number string
	method string
	status domain.Status
	device int64
}

// crashClient is one keep-alive client and what it knows of its DIDs.
type crashClient struct {
	id       int
	http     *http.Client
	status   map[int64]domain.Status // its DIDs as the database last showed them
	answered []crashReq              // successes answered this round, in order
	inflight *crashReq               // the request the kill interrupted, if any
	errors   []string                // answers other than success (there should be none)
	// busyIsUnknown: Server busy may answer a write whose outcome is
	// unknown (the database went away mid-commit), so it ends the round
	// with that write in flight rather than being sent again.
	busyIsUnknown bool
}

// TestCrashDurability builds the real binary, drives 32 keep-alive clients
// doing assign / unassign cycles over HTTP, SIGKILLs the server at a random
// moment, restarts it on the same file and proves that every answered
// success is in the database (the action log has a row for it, in order),
// nothing beyond one in-flight request per client was applied, no change is
// half-applied, and SQLite's integrity and foreign-key checks are clean.
func TestCrashDurability(t *testing.T) {
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	db := filepath.Join(dir, "crash.db")
	fixture := writeFixture(t, crashFixture(crashClients, crashPerClient))
	srv := startBinary(t, bin, "--db", db, "--fixtures", fixture)
	clients := make([]*crashClient, crashClients)
	for c := range clients {
		clients[c] = &crashClient{id: c, status: map[int64]domain.Status{},
			http: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}}
		for k := 0; k < crashPerClient; k++ {
			clients[c].status[crashDIDID(c, k, crashPerClient)] = domain.StatusReserved
		}
	}
	seen := map[int64]int{} // per DID: action rows already accounted for
	verified, inflightApplied := 0, 0
	for round := 1; round <= crashRounds; round++ {
		killAfter := time.Duration(150+rand.IntN(1000)) * time.Millisecond
		drive(clients, srv.base, killAfter, srv.kill)
		srv = startBinary(t, bin, "--db", db)
		n, applied := verifyCrash(t, db, clients, seen)
		verified += n
		inflightApplied += applied
		t.Logf("round %d: killed after %v; %d answered writes verified, %d in-flight writes found applied", round, killAfter, n, applied)
		if t.Failed() {
			break
		}
	}
	srv.stop(t)
	t.Logf("crash durability: %d rounds survived, %d answered writes verified, %d in-flight writes applied, %d clients",
		crashRounds, verified, inflightApplied, crashClients)
}

// drive runs every client against base and calls kill after killAfter;
// it returns when every client has stopped.
func drive(clients []*crashClient, base string, killAfter time.Duration, kill func()) {
	var wg sync.WaitGroup
	deadline := time.Now().Add(crashRoundMax)
	for _, c := range clients {
		c.answered, c.inflight, c.errors = nil, nil, nil
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run(base, deadline)
		}()
	}
	time.Sleep(killAfter)
	kill()
	wg.Wait()
}

// run sends writes one after the other, cycling through the client's DIDs,
// until one gets no answer (the server died) or the deadline passes.
func (c *crashClient) run(base string, deadline time.Time) {
	k := 0
	for i := 0; i < 100000 && time.Now().Before(deadline); i++ {
		req := c.next(k % crashPerClient)
		k++
		did := req.did
		text, err := c.send(base, req)
		switch {
		case err != nil, text == "Server busy" && c.busyIsUnknown:
			c.inflight = &req
			return
		case text == "Server busy":
			// shed before it ran (the write queue is full): send it again
			time.Sleep(10 * time.Millisecond)
			k--
		case text == "Device assigned to DID" || text == "Device was unassigned from DID":
			c.answered = append(c.answered, req)
			c.status[did] = req.status
		default:
			c.errors = append(c.errors, fmt.Sprintf("DID %d %s: %q", did, req.method, text))
			return
		}
	}
}

// next is the write that moves a DID on: a reserved DID goes to the
// client's trunk, a free one to it with did_device_assign, an active one
// is unassigned.
func (c *crashClient) next(k int) crashReq {
	did, number, dev := crashDIDID(c.id, k, crashPerClient), crashNumber(c.id, k), int64(c.id+1)
	switch c.status[did] {
	case domain.StatusReserved:
		return crashReq{c.id, did, number, "did_trunk_device_assign", domain.StatusActive, dev}
	case domain.StatusFree:
		return crashReq{c.id, did, number, "did_device_assign", domain.StatusActive, dev}
	}
	return crashReq{c.id, did, number, "did_device_unassign", domain.StatusFree, 0}
}

// send posts one signed request and returns the answer's text.
func (c *crashClient) send(base string, r crashReq) (string, error) {
	p := domain.Params{"u": "admin", "did": r.number}
	if r.method != "did_device_unassign" {
		p["device_id"] = fmt.Sprint(r.device)
	}
	_, text := domain.HashInput(r.method, p, domain.Documented)
	q := url.Values{"hash": {domain.Hash(text, crashSecret)}}
	for name, v := range p {
		q.Set(name, v)
	}
	resp, err := c.http.Post(base+"/billing/api/"+r.method+"?"+q.Encode(), "", nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	return crashAnswerText(string(body)), nil
}

// crashAnswerText is the text of a status envelope.
func crashAnswerText(body string) string {
	for _, tag := range []string{"success", "error"} {
		if _, rest, ok := strings.Cut(body, "<"+tag+">"); ok {
			text, _, _ := strings.Cut(rest, "</"+tag+">")
			return text
		}
	}
	return body
}

// verifyCrash opens the restarted server's database and checks, for every
// client, that its DIDs' new action log rows are exactly its answered
// successes in order, plus at most its one in-flight request, and that each
// DID is as the last of them left it. It returns the answered writes
// verified and the in-flight writes found applied.
func verifyCrash(t *testing.T, db string, clients []*crashClient, seen map[int64]int) (int, int) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatalf("reopen after the kill: %v", err)
	}
	defer st.Close()
	problems, err := st.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("after the kill: %v", p)
	}
	w, err := st.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[int64][]domain.Action{}
	for _, a := range w.Actions {
		rows[a.TargetID] = append(rows[a.TargetID], a)
	}
	dids := map[int64]domain.DID{}
	for _, d := range w.DIDs {
		dids[d.ID] = d
	}
	verified, applied := 0, 0
	for _, c := range clients {
		for _, e := range c.errors {
			t.Errorf("client %d: unexpected answer %s", c.id, e)
		}
		n, a := c.verify(t.Errorf, rows, dids, seen)
		verified, applied = verified+n, applied+a
	}
	return verified, applied
}

// verify checks one client's DIDs and resets its view from the database.
// Each problem found goes to report.
func (c *crashClient) verify(report func(string, ...any), rows map[int64][]domain.Action, dids map[int64]domain.DID, seen map[int64]int) (int, int) {
	want := map[int64][]crashReq{}
	for _, r := range c.answered {
		want[r.did] = append(want[r.did], r)
	}
	applied := 0
	for did := range c.status {
		got := rows[did][seen[did]:]
		exp := want[did]
		if c.inflight != nil && c.inflight.did == did && len(got) == len(exp)+1 {
			exp = append(exp, *c.inflight)
			applied++
		}
		if len(got) != len(exp) {
			report("client %d DID %d: %d new action rows, %d answered successes (in flight: %v)", c.id, did, len(got), len(want[did]), c.inflight)
			continue
		}
		for i, a := range got {
			if !logged(a, exp[i]) {
				report("client %d DID %d: action row %d is %s %s, the client's write %d was %+v", c.id, did, a.ID, a.Action, a.Data2, i, exp[i])
			}
		}
		d := dids[did]
		if len(exp) > 0 {
			last := exp[len(exp)-1]
			if d.Status != last.status || d.DeviceID != last.device {
				report("client %d DID %d: row is %s on device %d, the last write left %s on %d", c.id, did, d.Status, d.DeviceID, last.status, last.device)
			}
		}
		seen[did] = len(rows[did])
		c.status[did] = d.Status
	}
	return len(c.answered), applied
}

// logged reports whether an action log row records the request.
func logged(a domain.Action, r crashReq) bool {
	want := fmt.Sprintf(`"status":"%s"`, r.status)
	if r.status == domain.StatusActive && !strings.Contains(a.Data2, fmt.Sprintf(`"device_id":%d`, r.device)) {
		return false
	}
	return a.Action == r.method && a.TargetType == "did" && strings.Contains(a.Data2, want)
}

// TestCrashVerifierCatchesLoss feeds the verifier a lost answered write, a
// write applied twice, a half-applied row and an extra write on a DID the
// client had nothing in flight for: it must report each, and accept the
// honest cases (the in-flight write applied or not).
func TestCrashVerifierCatchesLoss(t *testing.T) {
	assign := crashReq{0, 1, crashNumber(0, 0), "did_trunk_device_assign", domain.StatusActive, 1}
	unassign := crashReq{0, 1, crashNumber(0, 0), "did_device_unassign", domain.StatusFree, 0}
	row := func(id int64, r crashReq) domain.Action {
		return domain.Action{ID: id, TargetType: "did", TargetID: r.did, Action: r.method,
			Data2: fmt.Sprintf(`{"device_id":%d,"status":"%s"}`, r.device, r.status)}
	}
	active := domain.DID{ID: 1, Status: domain.StatusActive, DeviceID: 1, UserID: 5}
	free := domain.DID{ID: 1, Status: domain.StatusFree}
	tests := []struct {
		name     string
		answered []crashReq
		inflight *crashReq
		rows     []domain.Action
		did      domain.DID
		problems int
	}{
		{"AllLogged", []crashReq{assign, unassign}, nil, []domain.Action{row(1, assign), row(2, unassign)}, free, 0},
		{"InFlightApplied", []crashReq{assign}, &unassign, []domain.Action{row(1, assign), row(2, unassign)}, free, 0},
		{"InFlightLost", []crashReq{assign}, &unassign, []domain.Action{row(1, assign)}, active, 0},
		{"AnsweredLost", []crashReq{assign, unassign}, nil, []domain.Action{row(1, assign)}, active, 1},
		{"AppliedTwice", []crashReq{assign}, nil, []domain.Action{row(1, assign), row(2, assign)}, active, 1},
		{"ExtraWithoutInFlight", []crashReq{assign}, nil, []domain.Action{row(1, assign), row(2, unassign)}, free, 1},
		{"HalfApplied", []crashReq{assign, unassign}, nil, []domain.Action{row(1, assign), row(2, unassign)}, active, 1},
		{"WrongOrder", []crashReq{assign, unassign}, nil, []domain.Action{row(1, unassign), row(2, assign)}, free, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &crashClient{status: map[int64]domain.Status{1: domain.StatusReserved}, answered: tt.answered, inflight: tt.inflight}
			var got []string
			report := func(format string, a ...any) { got = append(got, fmt.Sprintf(format, a...)) }
			c.verify(report, map[int64][]domain.Action{1: tt.rows}, map[int64]domain.DID{1: tt.did}, map[int64]int{})
			if len(got) != tt.problems {
				t.Fatalf("%d problems %q, want %d", len(got), got, tt.problems)
			}
		})
	}
}
