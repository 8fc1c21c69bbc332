//go:build galera

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"morlite/domain"
	"morlite/store"
)

// The Galera proof: `go test -tags galera -run TestGalera -v -timeout 30m .`
// (as root or as a user who may run mariadbd; Debian's mariadb-server,
// galera-4 and rsync installed). It takes a few minutes.
const (
	galeraNodes   = 3
	galeraSecret  = "galera-test-secret"
	galeraDevices = 101 // bob's trunks: device i+2 is racer i's
)

// TestGalera starts a three-node Galera cluster on loopback
// (scripts/galera), one morlite per node, loads the world once through the
// first, and proves on it that races across instances have one winner, that
// a write answered by one instance is read by the next request on another,
// and that losing a node under load loses no answered write.
func TestGalera(t *testing.T) {
	c := startCluster(t)
	bin := buildBinary(t, t.TempDir())
	g := &galera{t: t, c: c, bin: bin}
	g.inst = append(g.inst, startBinary(t, bin, "--db", c.dsn(1), "--fixtures", writeFixture(t, galeraWorld())))
	for n := 2; n <= galeraNodes; n++ {
		g.inst = append(g.inst, startBinary(t, bin, "--db", c.dsn(n)))
	}
	t.Cleanup(func() {
		for _, b := range g.inst {
			b.stop(t)
		}
		if t.Failed() {
			for i, b := range g.inst {
				log := filepath.Join(os.TempDir(), fmt.Sprintf("morlite-galera-%d.log", i+1))
				os.WriteFile(log, b.stderr.Bytes(), 0o644)
				t.Logf("morlite %d stderr in %s; its tail:\n%s", i+1, log, tail(b.stderr.String(), 1500))
			}
		}
	})
	t.Run("Races", g.races)
	t.Run("ReadYourWrites", g.readYourWrites)
	t.Run("NodeLost", g.nodeLost)
	t.Run("NodesAgree", func(t *testing.T) { g.nodesAgree(t) })
	for n := 1; n <= galeraNodes; n++ {
		t.Logf("node %d: %s", n, strings.ReplaceAll(strings.TrimSpace(c.query(t, n,
			"SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_cert_failures', 'wsrep_local_bf_aborts', 'wsrep_replicated', 'wsrep_received')")), "\n", ", "))
	}
}

// galera is the running proof: the cluster, the binary, one instance per
// node (inst[n-1] serves node n).
type galera struct {
	t    *testing.T
	c    *cluster
	bin  string
	inst []*binary
}

// cluster is a three-node Galera cluster started by scripts/galera.
type cluster struct {
	dir, script string
	base        int
}

// startCluster starts the cluster in a fresh directory and stops it (and
// removes the directory) when the test ends.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	script, err := filepath.Abs("scripts/galera")
	if err != nil {
		t.Fatal(err)
	}
	parent, err := os.MkdirTemp("", "morlite-galera-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(parent, 0o755) // the nodes run as the mysql user when the test runs as root
	c := &cluster{dir: filepath.Join(parent, "cluster"), script: script, base: 24300}
	if b, err := strconv.Atoi(os.Getenv("GALERA_PORT_BASE")); err == nil {
		c.base = b
	}
	t.Cleanup(func() {
		if out, err := exec.Command(script, "stop", c.dir).CombinedOutput(); err != nil {
			t.Errorf("scripts/galera stop: %v\n%s", err, out)
		}
		os.RemoveAll(parent)
	})
	start := time.Now()
	out, err := exec.Command(script, "start", c.dir).CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/galera start: %v\n%s", err, out)
	}
	t.Logf("cluster up in %v (in %s; should this test die without its cleanup: scripts/galera stop %s):\n%s", time.Since(start).Round(time.Second), c.dir, c.dir, out)
	return c
}

// port is node n's client port (as scripts/galera numbers them).
func (c *cluster) port(n int) int { return c.base + 10*n }

// dsn is the morlite --db value for node n.
func (c *cluster) dsn(n int) string {
	return fmt.Sprintf("mysql://morlite:morlite@127.0.0.1:%d/morlite", c.port(n))
}

// query runs one SQL query on node n with the mariadb client and returns
// its rows, tab-separated, one a line.
func (c *cluster) query(t *testing.T, n int, q string) string {
	t.Helper()
	cmd := exec.Command("mariadb", "-h127.0.0.1", "-P"+strconv.Itoa(c.port(n)), "-umorlite", "-N", "-B", "morlite", "-e", q)
	cmd.Env = append(os.Environ(), "MYSQL_PWD=morlite")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node %d: %s: %v\n%s", n, q, err, out)
	}
	return string(out)
}

// run runs a scripts/galera command on node n and returns how long it took.
func (c *cluster) run(t *testing.T, cmd string, n int) time.Duration {
	t.Helper()
	start := time.Now()
	if out, err := exec.Command(c.script, cmd, c.dir, strconv.Itoa(n)).CombinedOutput(); err != nil {
		t.Fatalf("scripts/galera %s %d: %v\n%s", cmd, n, err, out)
	}
	return time.Since(start)
}

// transfer names the state transfer by which node n last joined, read
// from its error log.
func (c *cluster) transfer(n int) string {
	log, _ := os.ReadFile(filepath.Join(c.dir, fmt.Sprintf("node%d", n), "error.log"))
	if strings.Contains(string(log), "IST received") {
		return "incremental state transfer (IST)"
	}
	return "full state transfer (rsync SST)"
}

// status is scripts/galera status: cluster size, state and memory per node.
func (c *cluster) status(t *testing.T) string {
	t.Helper()
	out, err := exec.Command(c.script, "status", c.dir).CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/galera status: %v\n%s", err, out)
	}
	return string(out)
}

// galeraWorld is the admin, bob with galeraDevices trunks, one DID for each
// race (raceDIDs), the load clients' DIDs (loadDID) reserved for bob, and a
// free DID for the read-your-writes check.
func galeraWorld() string {
	var b strings.Builder
	fmt.Fprintf(&b, `settings: {allow_api: true, api_secret_key: %s, hash_mode: strict}
users:
  - {id: 0, username: admin, usertype: admin}
  - {id: 5, username: bob, usertype: user, owner_id: 0}
devices:
`, galeraSecret)
	for i := 1; i <= galeraDevices; i++ {
		fmt.Fprintf(&b, "  - {id: %d, user_id: 5, name: \"t%d\", extension: \"%d\", istrunk: 1}\n", i, i, 1000+i)
	}
	b.WriteString("dids:\n")
	for i, r := range galeraRaces() {
		fmt.Fprintf(&b, "  - {id: %d, did: \"%s\", %s}\n", i+1, raceNumber(i+1), r.start)
	}
	for c := 0; c < loadClients; c++ {
		for k := 0; k < loadPerClient; k++ {
			id, number := loadDID(c, k)
			fmt.Fprintf(&b, "  - {id: %d, did: \"%s\", status: reserved, user_id: 5}\n", id, number)
		}
	}
	fmt.Fprintf(&b, "  - {id: %d, did: \"%s\", status: free}\n", rywDID, rywNumber)
	return b.String()
}

// call posts one signed API request (the admin's) and returns the HTTP
// status and the answer's body.
func call(client *http.Client, base, method string, kv ...string) (int, string, error) {
	p := domain.Params{"u": "admin"}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	_, text := domain.HashInput(method, p, domain.Documented)
	q := url.Values{"hash": {domain.Hash(text, galeraSecret)}}
	for name, v := range p {
		q.Set(name, v)
	}
	resp, err := client.Post(base+"/billing/api/"+method+"?"+q.Encode(), "", nil)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// element is the text of the first <name> element of an answer, or "".
func element(body, name string) string {
	_, rest, ok := strings.Cut(body, "<"+name+">")
	if !ok {
		return ""
	}
	text, _, _ := strings.Cut(rest, "</"+name+">")
	return text
}

// answerText is the text of a status envelope (its success or error), or
// the whole body.
func answerText(body string) string {
	for _, tag := range []string{"success", "error"} {
		if text := element(body, tag); text != "" {
			return text
		}
	}
	return body
}

// openNode opens node n's database through morlite's store.
func (g *galera) openNode(t *testing.T, n int) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), g.c.dsn(n))
	if err != nil {
		t.Fatalf("node %d: open: %v", n, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// checkEveryNode runs the invariant check on every node's database.
func (g *galera) checkEveryNode(t *testing.T) {
	t.Helper()
	for n := 1; n <= galeraNodes; n++ {
		problems, err := g.openNode(t, n).Check(context.Background())
		if err != nil {
			t.Fatalf("node %d: check: %v", n, err)
		}
		for _, p := range problems {
			t.Errorf("node %d: invariant: %v", n, p)
		}
	}
}

// nodesAgree compares the dids table and the action log row for row on
// every node, and runs the invariant check on each.
func (g *galera) nodesAgree(t *testing.T) {
	for _, table := range []string{"dids", "actions"} {
		first := g.c.query(t, 1, "SELECT * FROM "+table+" ORDER BY id")
		same := true
		for n := 2; n <= galeraNodes; n++ {
			if got := g.c.query(t, n, "SELECT * FROM "+table+" ORDER BY id"); got != first {
				t.Errorf("%s: node %d differs from node 1: %s", table, n, firstDifference(first, got))
				same = false
			}
		}
		if same {
			t.Logf("%s: %d rows, identical on the %d nodes", table, strings.Count(first, "\n"), galeraNodes)
		}
	}
	g.checkEveryNode(t)
}

// firstDifference shows the first line where two dumps differ.
func firstDifference(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return fmt.Sprintf("line %d: %q vs %q (%d and %d lines)", i+1, x, y, len(la), len(lb))
		}
	}
	return "none"
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
