package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"morlite/domain"
)

// raceDID is the one DID every racer of a case goes for.
const raceDID = "123456789"

// raceWorld is bob with n trunk devices and the one DID in the given
// state (a fixture line's fields after the number).
func raceWorld(n int, didState string) string {
	fixture := raceFixture(n)
	return strings.Replace(fixture, `status: reserved, user_id: 5}`, didState+"}", 1)
}

// state is a DID's moved columns as the action log writes them.
type state map[string]string

// racer is one kind of request in a race: n of them are sent, the i-th
// with params(i); a loser must answer one of loses; a winner's move must
// be one the rules allow from the state it found (legal).
type racer struct {
	method string
	n      int
	params func(i int) []string
	loses  []string
	legal  func(before state) bool
}

// Racers by method. To race another method when it lands, add it here and
// list it in a case of TestRaceOneDID.
func assignRacer(method string, n int) racer {
	loses := []string{"DID is not free", "DID is terminated"}
	if method == "did_trunk_device_assign" {
		loses = append(loses, "DID must be reserved for a User")
	}
	return racer{method, n, func(i int) []string { return []string{"device_id", fmt.Sprint(i + 2), "did", raceDID} }, loses,
		func(b state) bool {
			return b["status"] == "reserved" && b["user_id"] == "5" ||
				b["status"] == "free" && method == "did_device_assign"
		}}
}

func unassignRacer(n int) racer {
	return racer{"did_device_unassign", n, func(int) []string { return []string{"did", raceDID} },
		[]string{"DID is already free", "DID is terminated"},
		func(b state) bool { return b["status"] == "active" && b["dialplan_id"] == "0" }}
}

func closeRacer(n int) racer {
	return racer{"did_close", n, func(int) []string { return []string{"dids_id", "1"} },
		[]string{"DID is already closed.", "DID is not assigned to Device."},
		func(b state) bool { return b["status"] == "active" && b["device_id"] != "0" }}
}

func terminateRacer(n int) racer {
	return racer{"did_terminate", n, func(int) []string { return []string{"dids_id", "1"} },
		[]string{"DID was not terminated. Only Free or Closed DIDs can be terminate"},
		func(b state) bool { return b["status"] == "free" && b["reseller_id"] == "0" || b["status"] == "closed" }}
}

const (
	startReserved = "status: reserved, user_id: 5"
	startFree     = "status: free"
	startActive   = "status: active, device_id: 1"
)

// TestRaceOneDID sends 100 concurrent requests at one DID over real HTTP:
// the winners must be exactly those some serial order of the requests
// allows (each win logged, each logged move legal from the state before it,
// every loser answering a text the rules give), and the whole database must
// keep the DID invariants (domain.CheckDIDInvariants) afterwards.
func TestRaceOneDID(t *testing.T) {
	tests := []struct {
		name   string
		start  string
		racers []racer
		// winners is the exact number of winners, or -1 when the order
		// decides: then at least one, for every case starts where some
		// racer may win and no loser changes the DID.
		winners int
	}{
		{"TrunkAssign100Devices", startReserved, []racer{assignRacer("did_trunk_device_assign", 100)}, 1},
		{"DeviceAssign100Devices", startFree, []racer{assignRacer("did_device_assign", 100)}, 1},
		{"DeviceAssignReserved100Devices", startReserved, []racer{assignRacer("did_device_assign", 100)}, 1},
		{"AssignVsUnassign", startActive, []racer{assignRacer("did_device_assign", 50), unassignRacer(50)}, -1},
		{"TrunkAssignVsUnassign", startReserved, []racer{assignRacer("did_trunk_device_assign", 50), unassignRacer(50)}, -1},
		{"ThreeMethods", startFree, []racer{assignRacer("did_device_assign", 34),
			assignRacer("did_trunk_device_assign", 33), unassignRacer(33)}, -1},
		{"AssignUnassignCloseTerminate", startActive, []racer{assignRacer("did_device_assign", 25), unassignRacer(25),
			closeRacer(25), terminateRacer(25)}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, raceWorld(101, tt.start))
			for _, r := range tt.racers {
				if !e.srv.api.Serves(r.method) {
					t.Fatalf("%s is not in the method registry", r.method)
				}
			}
			initial := e.didState()
			before, err := e.st.Export(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			wins := race(t, e, tt.racers)
			t.Logf("%d racers, wins %v", racerCount(tt.racers), wins)
			total := 0
			for _, n := range wins {
				total += n
			}
			if tt.winners >= 0 && total != tt.winners {
				t.Fatalf("%d winners, want %d", total, tt.winners)
			}
			if tt.winners < 0 && total == 0 {
				t.Fatal("no winner: the first request that found the DID in a state its rules allow should have won")
			}
			e.checkRaceLog(tt.racers, initial, wins)
			e.checkInvariants(before)
		})
	}
}

// race fires every racer's requests at once and returns the wins per
// method; any answer that is neither a success nor an allowed loss fails,
// "Server busy" included: a race's few hundred requests are far below the
// write queue's 512, so none may be shed.
func race(t *testing.T, e *env, racers []racer) map[string]int {
	t.Helper()
	ts := httptest.NewServer(e.srv)
	defer ts.Close()
	type shot struct {
		r    racer
		v    url.Values
		text string
	}
	var shots []*shot
	for _, r := range racers {
		for i := 0; i < r.n; i++ {
			shots = append(shots, &shot{r: r, v: sign(r.method, "admin", r.params(i)...)})
		}
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	client := &http.Client{Timeout: time.Minute}
	for _, s := range shots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := s.v
			<-start
			resp, err := client.Post(ts.URL+"/billing/api/"+s.r.method+"?"+v.Encode(), "", nil)
			if err != nil {
				s.text = err.Error()
				return
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			s.text = fmt.Sprintf("%d %s", resp.StatusCode, answerTextOrRaw(string(body)))
		}()
	}
	close(start)
	wg.Wait()
	wins := map[string]int{}
	for _, s := range shots {
		switch text := strings.TrimPrefix(s.text, "200 "); {
		case strings.Contains(s.text, "<success>") || isSuccess(text):
			wins[s.r.method]++
		case !slices.Contains(s.r.loses, text):
			t.Errorf("%s: answer %q is neither a success nor a text the rules give a loser", s.r.method, s.text)
		}
	}
	return wins
}

// isSuccess reports whether an answer text is one of the success texts.
func isSuccess(text string) bool {
	for _, s := range []string{"Device assigned to DID", "Device was unassigned from DID", "DID successfully closed",
		"DID successfully terminated"} {
		if text == s {
			return true
		}
	}
	return false
}

// didState is the race DID's moved columns now.
func (e *env) didState() state {
	e.t.Helper()
	d := e.did(raceDID)
	closed := ""
	if !d.ClosedTill.IsZero() {
		closed = d.ClosedTill.UTC().Format(domain.TimeLayout)
	}
	return state{"status": string(d.Status), "user_id": fmt.Sprint(d.UserID), "device_id": fmt.Sprint(d.DeviceID),
		"dialplan_id": fmt.Sprint(d.DialplanID), "reseller_id": fmt.Sprint(d.ResellerID), "closed_till": closed}
}

// checkRaceLog replays the action log: there is one row per win, with the
// wins per method; each row's "before" is the state the previous row left,
// its move is legal for its method from there, and the last row's "after"
// is the DID as stored.
func (e *env) checkRaceLog(racers []racer, initial state, wins map[string]int) {
	e.t.Helper()
	w, err := e.st.Export(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	legal := map[string]func(state) bool{}
	for _, r := range racers {
		legal[r.method] = r.legal
	}
	cur, logged := maps.Clone(initial), map[string]int{}
	for _, a := range w.Actions {
		var data, data2 map[string]any
		if json.Unmarshal([]byte(a.Data), &data) != nil || json.Unmarshal([]byte(a.Data2), &data2) != nil {
			e.t.Fatalf("action %d: data %q / %q are not JSON objects", a.ID, a.Data, a.Data2)
		}
		for k, v := range data {
			if fmt.Sprint(v) != cur[k] {
				e.t.Errorf("action %d (%s): found %s = %v, the previous move left %q", a.ID, a.Action, k, v, cur[k])
			}
		}
		if ok := legal[a.Action]; ok == nil || !ok(cur) {
			e.t.Errorf("action %d: %s won from %v, which its rules do not allow", a.ID, a.Action, cur)
		}
		for k, v := range data2 {
			cur[k] = fmt.Sprint(v)
		}
		logged[a.Action]++
	}
	for _, r := range racers {
		if logged[r.method] != wins[r.method] {
			e.t.Errorf("%s: %d answered wins, %d action log rows", r.method, wins[r.method], logged[r.method])
		}
	}
	if now := e.didState(); fmt.Sprint(now) != fmt.Sprint(cur) {
		e.t.Errorf("the DID is %v, the action log leaves it %v", now, cur)
	}
}

// checkInvariants runs the one invariant check on the whole database, and
// the change rules against the state before.
func (e *env) checkInvariants(before *domain.World) {
	e.t.Helper()
	problems, err := e.st.Check(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	after, err := e.st.Export(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, p := range append(problems, domain.CheckDIDChanges(before, after)...) {
		e.t.Errorf("invariant: %v", p)
	}
}

func racerCount(racers []racer) int {
	n := 0
	for _, r := range racers {
		n += r.n
	}
	return n
}
