//go:build crash

package main

import (
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"morlite/domain"
	"morlite/internal/mariadbtest"
)

// The crash test on MariaDB, twice: SIGKILL a morlite instance under write
// load (as on SQLite), and SIGKILL mariadbd under write load and start it
// again while morlite keeps running. Either way every answered success is
// in the database, nothing beyond one in-flight write per client was
// applied, and no change is half-applied. Each test has a MariaDB of its
// own, since one of them kills it.

const mysqlCrashRounds = 6

// TestCrashMySQLMorlite SIGKILLs morlite; the database stays up.
func TestCrashMySQLMorlite(t *testing.T) {
	_, db := crashMariaDB(t)
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	morlite := startBinary(t, bin, "--db", db, "--fixtures", writeFixture(t, crashFixture(crashClients, crashPerClient)))
	clients, seen := crashClients0(), map[int64]int{}
	verified := 0
	for round := 1; round <= mysqlCrashRounds; round++ {
		killAfter := time.Duration(150+rand.IntN(1000)) * time.Millisecond
		drive(clients, morlite.base, killAfter, morlite.kill)
		morlite = startBinary(t, bin, "--db", db)
		n, applied := verifyCrash(t, db, clients, seen)
		verified += n
		t.Logf("round %d: morlite killed after %v; %d answered writes verified, %d in-flight writes found applied", round, killAfter, n, applied)
		if t.Failed() {
			break
		}
	}
	morlite.stop(t)
	t.Logf("crash durability (MariaDB, morlite killed): %d rounds, %d answered writes verified", mysqlCrashRounds, verified)
}

// TestCrashMySQLServer SIGKILLs mariadbd; morlite keeps running, answers
// Server busy while the database is gone, and serves again once it is back.
func TestCrashMySQLServer(t *testing.T) {
	srv, db := crashMariaDB(t)
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	morlite := startBinary(t, bin, "--db", db, "--fixtures", writeFixture(t, crashFixture(crashClients, crashPerClient)))
	defer morlite.stop(t)
	clients, seen := crashClients0(), map[int64]int{}
	for _, c := range clients {
		c.busyIsUnknown = true // Server busy may now follow a write whose commit was lost with the server
	}
	verified := 0
	for round := 1; round <= mysqlCrashRounds; round++ {
		killAfter := time.Duration(150+rand.IntN(1000)) * time.Millisecond
		drive(clients, morlite.base, killAfter, srv.Kill)
		if err := srv.Start(""); err != nil {
			t.Fatalf("restart mariadbd: %v", err)
		}
		n, applied := verifyCrash(t, db, clients, seen)
		verified += n
		t.Logf("round %d: mariadbd killed after %v; %d answered writes verified, %d in-flight writes found applied", round, killAfter, n, applied)
		if t.Failed() {
			break
		}
	}
	t.Logf("crash durability (MariaDB, mariadbd killed): %d rounds, %d answered writes verified", mysqlCrashRounds, verified)
}

// crashMariaDB starts a MariaDB of the test's own and returns it with the
// URL of a new database on it.
func crashMariaDB(t *testing.T) (*mariadbtest.Server, string) {
	t.Helper()
	mariadbtest.Shared(t) // fails or skips as any MariaDB test when there is no server
	srv, err := mariadbtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return srv, srv.NewDatabase(t)
}

// crashClients0 are the clients of a crash test, their DIDs reserved.
func crashClients0() []*crashClient {
	clients := make([]*crashClient, crashClients)
	for c := range clients {
		clients[c] = &crashClient{id: c, status: map[int64]domain.Status{},
			http: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}}
		for k := 0; k < crashPerClient; k++ {
			clients[c].status[crashDIDID(c, k, crashPerClient)] = domain.StatusReserved
		}
	}
	return clients
}
