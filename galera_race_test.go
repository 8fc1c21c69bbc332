//go:build galera

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"morlite/domain"
)

// galeraRace is one race: the DID's state in the fixture, the racers, and
// the exact number of winners (-1 when the order decides).
type galeraRace struct {
	name    string
	start   string
	racers  []galeraRacer
	winners int
	one     bool // every racer through instance 1 (one node's own locks decide)
}

// galeraRacer is one kind of request: n of them, the i-th with params(did,
// i); a loser must answer one of loses; a winner's move must be one the
// rules allow from the state it found (legal).
type galeraRacer struct {
	method string
	n      int
	params func(d raceTarget, i int) []string
	loses  []string
	legal  func(before map[string]string) bool
}

// raceTarget is the DID a race goes for.
type raceTarget struct {
	id     int64
	number string
}

// galeraRaces are the races: 100 racers each, spread over the instances.
func galeraRaces() []galeraRace {
	return []galeraRace{
		{"TrunkAssign", "status: reserved, user_id: 5", []galeraRacer{assignRacerG("did_trunk_device_assign", 100)}, 1, false},
		{"TrunkAssignOneNode", "status: reserved, user_id: 5", []galeraRacer{assignRacerG("did_trunk_device_assign", 100)}, 1, true},
		{"DeviceAssignFree", "status: free", []galeraRacer{assignRacerG("did_device_assign", 100)}, 1, false},
		{"DeviceAssignReserved", "status: reserved, user_id: 5", []galeraRacer{assignRacerG("did_device_assign", 100)}, 1, false},
		{"AssignUnassign", "status: free", []galeraRacer{assignRacerG("did_device_assign", 34),
			assignRacerG("did_trunk_device_assign", 33), unassignRacerG(33)}, -1, false},
		{"AssignUnassignCloseTerminate", "status: active, user_id: 5, device_id: 1", []galeraRacer{
			assignRacerG("did_device_assign", 25), unassignRacerG(25), closeRacerG(25), terminateRacerG(25)}, -1, false},
	}
}

// raceNumber is race DID id's number.
func raceNumber(id int) string { return fmt.Sprintf("3707%07d", id) }

func assignRacerG(method string, n int) galeraRacer {
	loses := []string{"DID is not free", "DID is terminated"}
	if method == "did_trunk_device_assign" {
		loses = append(loses, "DID must be reserved for a User")
	}
	return galeraRacer{method, n, func(d raceTarget, i int) []string {
		return []string{"device_id", fmt.Sprint(i + 2), "did", d.number}
	}, loses, func(b map[string]string) bool {
		return b["status"] == "reserved" && b["user_id"] == "5" || b["status"] == "free" && method == "did_device_assign"
	}}
}

func unassignRacerG(n int) galeraRacer {
	return galeraRacer{"did_device_unassign", n, func(d raceTarget, _ int) []string { return []string{"did", d.number} },
		[]string{"DID is already free", "DID is terminated"},
		func(b map[string]string) bool { return b["status"] == "active" && b["dialplan_id"] == "0" }}
}

func closeRacerG(n int) galeraRacer {
	return galeraRacer{"did_close", n, func(d raceTarget, _ int) []string { return []string{"dids_id", fmt.Sprint(d.id)} },
		[]string{"DID is already closed.", "DID is not assigned to Device."},
		func(b map[string]string) bool { return b["status"] == "active" && b["device_id"] != "0" }}
}

func terminateRacerG(n int) galeraRacer {
	return galeraRacer{"did_terminate", n, func(d raceTarget, _ int) []string { return []string{"dids_id", fmt.Sprint(d.id)} },
		[]string{"DID was not terminated. Only Free or Closed DIDs can be terminate"},
		func(b map[string]string) bool {
			return b["status"] == "free" && b["reseller_id"] == "0" || b["status"] == "closed"
		}}
}

// galeraSuccess lists the racers' success texts.
var galeraSuccess = []string{"Device assigned to DID", "Device was unassigned from DID", "DID successfully closed",
	"DID successfully terminated"}

// races runs every race: its racers are sent at once, racer i to instance
// i mod 3 (or all to instance 1). Every answer must be a success or a loser's text (a 503 or an
// internal error fails: no node is down); the winners must be exactly one
// (or, in a mix, what some serial order allows, proved by replaying the
// action log of node 1); and every node must pass the invariant check.
func (g *galera) races(t *testing.T) {
	st := g.openNode(t, 1)
	before, err := st.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range galeraRaces() {
		d := raceTarget{int64(i + 1), raceNumber(i + 1)}
		t.Run(r.name, func(t *testing.T) {
			initial := didState(t, before, d.id)
			wins := g.race(t, r, d)
			total := 0
			for _, n := range wins {
				total += n
			}
			over := galeraNodes
			if r.one {
				over = 1
			}
			t.Logf("%d racers through %d instance(s), wins %v", racerTotal(r.racers), over, wins)
			if r.winners >= 0 && total != r.winners {
				t.Errorf("%d winners, want %d", total, r.winners)
			}
			after, err := st.Export(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			replayRace(t, r.racers, d.id, initial, wins, after)
		})
	}
	after, err := st.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range domain.CheckDIDChanges(before, after) {
		t.Errorf("change rules: %v", p)
	}
	g.checkEveryNode(t)
}

// race fires one race's requests at once and returns the wins per method.
func (g *galera) race(t *testing.T, r galeraRace, d raceTarget) map[string]int {
	type shot struct {
		method, base string
		params       []string
		status       int
		text         string
		loses        []string
	}
	var shots []*shot
	for _, rc := range r.racers {
		for i := 0; i < rc.n; i++ {
			base := g.inst[len(shots)%len(g.inst)].base
			if r.one {
				base = g.inst[0].base
			}
			shots = append(shots, &shot{method: rc.method, base: base, params: rc.params(d, i), loses: rc.loses})
		}
	}
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 200}}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, s := range shots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			status, body, err := call(client, s.base, s.method, s.params...)
			s.status, s.text = status, answerText(body)
			if err != nil {
				s.text = err.Error()
			}
		}()
	}
	close(start)
	wg.Wait()
	wins, gaveWay := map[string]int{}, 0
	for _, s := range shots {
		switch {
		case s.status == 200 && slices.Contains(galeraSuccess, s.text):
			wins[s.method]++
		case gaveWayAnswer(s.method, s.status, s.text):
			gaveWay++
		case s.status != 200 || !slices.Contains(s.loses, s.text):
			t.Errorf("%s on %s: %d %q is neither a success nor a text the rules give a loser", s.method, s.base, s.status, s.text)
		}
	}
	if gaveWay > 0 {
		t.Logf("%d racers gave way to conflicting writes (their failure text, nothing changed)", gaveWay)
	}
	return wins
}

// gaveWayAnswer reports whether an answer is that of a write that kept
// losing to conflicting writes on other nodes and changed nothing: the
// method's failure text, or Server busy for a method that has none.
func gaveWayAnswer(method string, status int, text string) bool {
	switch method {
	case "did_trunk_device_assign", "did_device_assign":
		return status == 200 && text == "Device was not assigned"
	case "did_device_unassign":
		return status == 200 && text == "Failed to unassign DID"
	}
	return status == 503 && text == "Server busy"
}

// didState is a DID's moved columns in a world, as the action log writes
// them.
func didState(t *testing.T, w *domain.World, id int64) map[string]string {
	t.Helper()
	for _, d := range w.DIDs {
		if d.ID != id {
			continue
		}
		closed := ""
		if !d.ClosedTill.IsZero() {
			closed = d.ClosedTill.UTC().Format(domain.TimeLayout)
		}
		return map[string]string{"status": string(d.Status), "user_id": fmt.Sprint(d.UserID), "device_id": fmt.Sprint(d.DeviceID),
			"dialplan_id": fmt.Sprint(d.DialplanID), "reseller_id": fmt.Sprint(d.ResellerID), "closed_till": closed}
	}
	t.Fatalf("no DID %d", id)
	return nil
}

// replayRace replays the DID's action log rows: one row per answered win,
// each row's "before" the state the previous row left, each move legal for
// its method from there, and the last row's "after" the DID as stored.
func replayRace(t *testing.T, racers []galeraRacer, id int64, initial map[string]string, wins map[string]int, w *domain.World) {
	t.Helper()
	legal := map[string]func(map[string]string) bool{}
	for _, r := range racers {
		legal[r.method] = r.legal
	}
	cur, logged := maps.Clone(initial), map[string]int{}
	for _, a := range w.Actions {
		if a.TargetType != "did" || a.TargetID != id {
			continue
		}
		var data, data2 map[string]any
		if json.Unmarshal([]byte(a.Data), &data) != nil || json.Unmarshal([]byte(a.Data2), &data2) != nil {
			t.Fatalf("action %d: data %q / %q are not JSON objects", a.ID, a.Data, a.Data2)
		}
		for k, v := range data {
			if fmt.Sprint(v) != cur[k] {
				t.Errorf("action %d (%s): found %s = %v, the previous move left %q", a.ID, a.Action, k, v, cur[k])
			}
		}
		if ok := legal[a.Action]; ok == nil || !ok(cur) {
			t.Errorf("action %d: %s won from %v, which its rules do not allow", a.ID, a.Action, cur)
		}
		for k, v := range data2 {
			cur[k] = fmt.Sprint(v)
		}
		logged[a.Action]++
	}
	for _, r := range racers {
		if logged[r.method] != wins[r.method] {
			t.Errorf("%s: %d answered wins, %d action log rows", r.method, wins[r.method], logged[r.method])
		}
	}
	if now := didState(t, w, id); fmt.Sprint(now) != fmt.Sprint(cur) {
		t.Errorf("the DID is %v, the action log leaves it %v", now, cur)
	}
}

func racerTotal(racers []galeraRacer) int {
	n := 0
	for _, r := range racers {
		n += r.n
	}
	return n
}

// readYourWrites sets a DID's comment through one instance and reads it
// with dids_get through the next, 300 times round the three: every read
// must show the comment just written.
func (g *galera) readYourWrites(t *testing.T) {
	client := &http.Client{Timeout: 30 * time.Second}
	stale := 0
	const rounds = 300
	for i := 0; i < rounds; i++ {
		a, b := g.inst[i%len(g.inst)], g.inst[(i+1)%len(g.inst)]
		comment := fmt.Sprintf("ryw-%d", i)
		status, body, err := call(client, a.base, "did_details_update", "did_id", fmt.Sprint(rywDID), "comment", comment)
		if err != nil || status != 200 || answerText(body) != "DID details successfully updated" {
			t.Fatalf("write %d on %s: %d %q %v", i, a.base, status, answerText(body), err)
		}
		status, body, err = call(client, b.base, "dids_get", "search_did_number", rywNumber)
		if err != nil || status != 200 || element(body, "id") != fmt.Sprint(rywDID) {
			t.Fatalf("read %d on %s: %d %q %v", i, b.base, status, body, err)
		}
		if got := element(body, "comment"); got != comment {
			stale++
			if stale <= 5 {
				t.Errorf("round %d: wrote comment %q on %s, the next read on %s shows %q", i, comment, a.base, b.base, got)
			}
		}
	}
	t.Logf("%d writes, each read at once on another instance: %d stale reads", rounds, stale)
	if stale > 0 {
		t.Errorf("%d of %d reads on another instance missed the write just answered", stale, rounds)
	}
}

// The read-your-writes DID.
const (
	rywDID    = 90
	rywNumber = "37090000001"
)
