//go:build galera

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"morlite/domain"
)

// Node-loss sizes: clients spread over the three instances, each cycling
// through its own DIDs.
const (
	loadClients   = 24
	loadPerClient = 4
	killedNode    = 2
	loadBefore    = 4 * time.Second  // load before the kill
	loadDead      = 10 * time.Second // the node stays down this long (eviction takes about 5 s)
	loadAfter     = 5 * time.Second  // load after it rejoined
)

// Phases of the node-loss run.
const (
	phaseUp = iota
	phaseDown
	phaseRejoining
	phaseRejoined
	phases
)

var phaseNames = [phases]string{"before the kill", "node down", "node rejoining", "after the rejoin"}

// loadDID is client c's k-th DID: its id and number.
func loadDID(c, k int) (int64, string) {
	return int64(100 + c*loadPerClient + k), fmt.Sprintf("3708%03d%04d", c, k)
}

// move is one change a client made to one of its DIDs: the method and the
// status and device it leaves.
type move struct {
	did    int64
	number string
	method string
	status domain.Status
	device int64
}

// loadClient is one keep-alive client bound to an instance. A failover
// client moves to the next instance when its own answers Server busy.
type loadClient struct {
	id, inst int
	failover bool
	http     *http.Client
	status   map[int64]domain.Status
	moves    []move // every change applied, in order (answered or found applied)
	pending  *move  // the request being sent until it has a definite outcome
	unsure   bool   // pending may have been applied by an attempt without answer
	answered [phases][galeraNodes]int
	busy     [phases][galeraNodes]int
	gaveWay  [phases][galeraNodes]int
	stall    [phases]time.Duration // the longest answer
	errors   []string
}

// nodeLost drives writes through the three instances, SIGKILLs one node's
// mariadbd, lets it rejoin, and proves: the other instances kept answering;
// the dead node's instance answered 503 Server busy (never a driver text)
// and recovered; every write applied is in every node's action log, in
// order, and each DID is as its last write left it.
func (g *galera) nodeLost(t *testing.T) {
	clients := newLoadClients()
	aborts := g.bfAborts(t)
	var phase atomic.Int32
	stop := make(chan struct{})
	stopOnce := sync.OnceFunc(func() { close(stop) })
	defer stopOnce() // a failed step ends the clients too
	var wg sync.WaitGroup
	for _, lc := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lc.run(g, stop, &phase)
		}()
	}
	time.Sleep(loadBefore)
	phase.Store(phaseDown)
	g.c.run(t, "kill", killedNode)
	t.Logf("node %d SIGKILLed:\n%s", killedNode, g.c.status(t))
	time.Sleep(loadDead)
	g.checkHealth(t, killedNode)
	phase.Store(phaseRejoining)
	rejoin := g.c.run(t, "rejoin", killedNode)
	phase.Store(phaseRejoined)
	t.Logf("node %d rejoined by %s, Synced, in %v:\n%s", killedNode, g.c.transfer(killedNode), rejoin.Round(100*time.Millisecond), g.c.status(t))
	time.Sleep(loadAfter)
	g.checkHealth(t, 0)
	stopOnce()
	wg.Wait()
	answered := g.reportLoad(t, clients)
	aborts = g.bfAborts(t) - aborts
	t.Logf("nodes other than %d: %d local transactions aborted by writes replicated from other nodes (brute force aborts), %.1f%% of the writes answered",
		killedNode, aborts, 100*float64(aborts)/float64(answered))
	if aborts*10 > answered {
		t.Errorf("writes to different DIDs through different nodes abort each other (%d aborts for %d writes): do a write transaction's reads lock rows exclusively?", aborts, answered)
	}
	for n := 1; n <= galeraNodes; n++ {
		g.verifyLoad(t, n, clients)
	}
}

// newLoadClients spreads the clients over the instances; half of the
// killed node's instance's clients fail over.
func newLoadClients() []*loadClient {
	clients := make([]*loadClient, loadClients)
	for c := range clients {
		lc := &loadClient{id: c, inst: c % galeraNodes, status: map[int64]domain.Status{},
			http: &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}}
		lc.failover = lc.inst == killedNode-1 && (c/galeraNodes)%2 == 1
		for k := 0; k < loadPerClient; k++ {
			id, _ := loadDID(c, k)
			lc.status[id] = domain.StatusReserved
		}
		clients[c] = lc
	}
	return clients
}

// checkHealth asks every instance's /healthz: 503 for the one whose node
// is down (a load balancer takes it out), with no driver text; 200 for the
// others.
func (g *galera) checkHealth(t *testing.T, down int) {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	for i, b := range g.inst {
		want := http.StatusOK
		if i+1 == down {
			want = http.StatusServiceUnavailable
		}
		resp, err := client.Get(b.base + "/healthz")
		if err != nil {
			t.Errorf("instance %d: /healthz: %v", i+1, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want || strings.Contains(string(body), "Error") {
			t.Errorf("instance %d (node %d down): /healthz %d %s, want %d", i+1, down, resp.StatusCode, body, want)
		}
	}
}

// run sends writes until stop, then settles its pending write.
func (c *loadClient) run(g *galera, stop <-chan struct{}, phase *atomic.Int32) {
	settle := time.Time{}
	for k := 0; ; {
		if c.pending == nil {
			select {
			case <-stop:
				return
			default:
			}
			m := c.next(k % loadPerClient)
			k++
			c.pending = &m
		}
		select {
		case <-stop:
			if settle.IsZero() {
				settle = time.Now()
			}
			if time.Since(settle) > time.Minute {
				c.errors = append(c.errors, fmt.Sprintf("write %+v unsettled a minute after the load", *c.pending))
				return
			}
		default:
		}
		c.send(g, int(phase.Load()))
	}
}

// send sends the pending write once and sorts its answer.
func (c *loadClient) send(g *galera, ph int) {
	m, inst := *c.pending, c.inst
	params := []string{"did", m.number}
	if m.method != "did_device_unassign" {
		params = append(params, "device_id", fmt.Sprint(m.device))
	}
	start := time.Now()
	status, body, err := call(c.http, g.inst[inst].base, m.method, params...)
	c.stall[ph] = max(c.stall[ph], time.Since(start))
	text := answerText(body)
	switch {
	case err == nil && status == 200 && text == successOf(m.method):
		c.applied(m)
		c.answered[ph][inst]++
	case err == nil && status == 200 && c.unsure && slices.Contains(alreadyDone(m.method), text):
		c.applied(m) // an earlier attempt without answer was applied
	case err == nil && status == 200 && gaveWayAnswer(m.method, status, text):
		c.gaveWay[ph][inst]++ // lost to conflicting writes, changed nothing: send it again
	case err == nil && status == 503 && text == "Server busy":
		c.busy[ph][inst]++
		c.unsure = true
		if c.failover && inst == killedNode-1 {
			c.inst = killedNode % galeraNodes
		}
		time.Sleep(100 * time.Millisecond)
	default:
		c.unsure = true
		if err != nil {
			body = err.Error()
		}
		c.errors = append(c.errors, fmt.Sprintf("%s on instance %d (%s): %d %q", m.method, inst+1, phaseNames[ph], status, tail(body, 300)))
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *loadClient) applied(m move) {
	c.moves = append(c.moves, m)
	c.status[m.did] = m.status
	c.pending, c.unsure = nil, false
}

// next is the write that moves the client's k-th DID on: reserved to its
// trunk, free to its trunk by did_device_assign, active back to free.
func (c *loadClient) next(k int) move {
	id, number := loadDID(c.id, k)
	dev := int64(c.id + 1)
	switch c.status[id] {
	case domain.StatusReserved:
		return move{id, number, "did_trunk_device_assign", domain.StatusActive, dev}
	case domain.StatusFree:
		return move{id, number, "did_device_assign", domain.StatusActive, dev}
	}
	return move{id, number, "did_device_unassign", domain.StatusFree, 0}
}

func successOf(method string) string {
	if method == "did_device_unassign" {
		return "Device was unassigned from DID"
	}
	return "Device assigned to DID"
}

// alreadyDone are the answers a write gets when an earlier attempt of it
// was applied (the client alone moves its DIDs).
func alreadyDone(method string) []string {
	if method == "did_device_unassign" {
		return []string{"DID is already free"}
	}
	return []string{"DID is not free", "DID must be reserved for a User"}
}

// reportLoad logs the figures per phase and checks that the live instances
// answered while the node was down, that the dead node's instance answered
// Server busy, and that it answered again after the rejoin.
func (g *galera) reportLoad(t *testing.T, clients []*loadClient) int {
	var answered, busy, gaveWay [phases][galeraNodes]int
	var stall [phases]time.Duration
	var stuck, failedOver int
	for _, c := range clients {
		for p := range phases {
			for n := range galeraNodes {
				answered[p][n] += c.answered[p][n]
				busy[p][n] += c.busy[p][n]
				gaveWay[p][n] += c.gaveWay[p][n]
			}
			stall[p] = max(stall[p], c.stall[p])
		}
		for i, e := range c.errors {
			if i < 3 {
				t.Errorf("client %d: %s", c.id, e)
			}
		}
		if c.inst == killedNode-1 {
			stuck += c.answered[phaseRejoined][killedNode-1]
		}
		if c.failover {
			failedOver += c.answered[phaseDown][killedNode%galeraNodes]
		}
	}
	total := 0
	for p := range phases {
		t.Logf("%s: per instance, writes answered %v, Server busy %v, gave way to a conflict %v; longest answer %v",
			phaseNames[p], answered[p], busy[p], gaveWay[p], stall[p].Round(time.Millisecond))
		for n := range galeraNodes {
			total += answered[p][n]
		}
	}
	t.Logf("%d writes answered by %d clients; %d by clients that failed over while node %d was down", total, len(clients), failedOver, killedNode)
	for n := range galeraNodes {
		if n != killedNode-1 && answered[phaseDown][n] == 0 {
			t.Errorf("instance %d answered no write while node %d was down", n+1, killedNode)
		}
	}
	if busy[phaseDown][killedNode-1] == 0 {
		t.Errorf("instance %d never answered Server busy while its node was down", killedNode)
	}
	if failedOver == 0 {
		t.Errorf("no client that failed over got an answer while node %d was down", killedNode)
	}
	if stuck == 0 {
		t.Errorf("instance %d answered no write after its node rejoined", killedNode)
	}
	return total
}

// bfAborts is the sum of wsrep_local_bf_aborts over the nodes that stay up.
func (g *galera) bfAborts(t *testing.T) int {
	sum := 0
	for n := 1; n <= galeraNodes; n++ {
		if n == killedNode {
			continue
		}
		_, v, _ := strings.Cut(strings.TrimSpace(g.c.query(t, n, "SHOW GLOBAL STATUS LIKE 'wsrep_local_bf_aborts'")), "\t")
		k, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("node %d: wsrep_local_bf_aborts %q", n, v)
		}
		sum += k
	}
	return sum
}

// verifyLoad checks node n: for every client's DIDs, the action log rows
// are exactly its applied writes in order, and each DID is as the last
// left it.
func (g *galera) verifyLoad(t *testing.T, n int, clients []*loadClient) {
	w, err := g.openNode(t, n).Export(context.Background())
	if err != nil {
		t.Fatalf("node %d: export: %v", n, err)
	}
	rows := map[int64][]domain.Action{}
	for _, a := range w.Actions {
		rows[a.TargetID] = append(rows[a.TargetID], a)
	}
	dids := map[int64]domain.DID{}
	for _, d := range w.DIDs {
		dids[d.ID] = d
	}
	verified := 0
	for _, c := range clients {
		want := map[int64][]move{}
		for _, m := range c.moves {
			want[m.did] = append(want[m.did], m)
		}
		for id := range c.status {
			got, exp := rows[id], want[id]
			if len(got) != len(exp) {
				t.Errorf("node %d: client %d DID %d: %d action rows, %d writes applied", n, c.id, id, len(got), len(exp))
				continue
			}
			for i, a := range got {
				if !moveLogged(a, exp[i]) {
					t.Errorf("node %d: client %d DID %d: row %d is %s %s, write %d was %+v", n, c.id, id, a.ID, a.Action, a.Data2, i, exp[i])
				}
			}
			if d := dids[id]; d.Status != c.status[id] || len(exp) > 0 && d.DeviceID != exp[len(exp)-1].device {
				t.Errorf("node %d: client %d DID %d is %s on device %d, its last write left %s", n, c.id, id, d.Status, d.DeviceID, c.status[id])
			}
			verified += len(exp)
		}
	}
	t.Logf("node %d: %d applied writes found, in order, with their DIDs as left", n, verified)
}

// moveLogged reports whether an action log row records the move.
func moveLogged(a domain.Action, m move) bool {
	if m.status == domain.StatusActive && !strings.Contains(a.Data2, fmt.Sprintf(`"device_id":%d`, m.device)) {
		return false
	}
	return a.Action == m.method && a.TargetType == "did" && strings.Contains(a.Data2, fmt.Sprintf(`"status":"%s"`, m.status))
}
