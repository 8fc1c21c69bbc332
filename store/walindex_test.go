package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"morlite/domain"
)

// keptConn is the idle fast-read connection the next read takes.
func keptConn(t *testing.T, st *Store) *rawConn {
	t.Helper()
	st.numberConns.mu.Lock()
	defer st.numberConns.mu.Unlock()
	if len(st.numberConns.idle) == 0 {
		t.Fatal("no idle fast-read connection")
	}
	return st.numberConns.idle[len(st.numberConns.idle)-1]
}

// keptAt reports whether c, idle, keeps a read transaction and at which
// header, read under the pool's lock: the sweeper ends idle ones.
func keptAt(st *Store, c *rawConn) (bool, walHeader) {
	st.numberConns.mu.Lock()
	defer st.numberConns.mu.Unlock()
	return c.kept, c.at
}

// readNumber answers search on the fast path, which must answer it.
func readNumber(t *testing.T, st *Store, search domain.DIDSearch) domain.DIDListing {
	t.Helper()
	out, ok, err := st.searchNumber(context.Background(), search)
	if !ok || err != nil || len(out) != 1 {
		t.Fatalf("the fast path: %+v, %v, %v", out, ok, err)
	}
	return out[0]
}

// TestFastReadKeepsItsSnapshotUntilACommit: the fast read keeps its read
// transaction from one read to the next only while no commit follows it. A
// commit of the store's own writer, and one through another connection to
// the file, are read by the very next read.
func TestFastReadKeepsItsSnapshotUntilACommit(t *testing.T) {
	sqliteOnly(t, "the SQLite read path")
	st, path := openLoaded(t)
	if st.wal == nil {
		t.Fatal("the WAL-index is not mapped")
	}
	ctx := context.Background()
	const number = "37060000001"
	search := fastSearch(t, st, number)
	readNumber(t, st, search)
	c := keptConn(t, st)
	kept, at := keptAt(st, c)
	if !kept {
		t.Fatal("the read did not keep its read transaction")
	}
	readNumber(t, st, search)
	if kept, now := keptAt(st, c); keptConn(t, st) != c || !kept || now != at {
		t.Fatal("a read with no commit since its last did not read in the kept transaction")
	}

	if _, err := st.AssignDID(ctx, domain.DeviceAssign, "did_device_assign", adminCaller(t, st), "2", number); err != nil {
		t.Fatal(err)
	}
	if got := readNumber(t, st, search); got.DID.DeviceID != 2 {
		t.Errorf("after the writer's commit: device %d, want 2", got.DID.DeviceID)
	}
	if kept, now := keptAt(st, c); !kept || now == at {
		t.Error("the read after a commit did not begin a new kept transaction")
	}
	rawExec(t, path, "UPDATE dids SET comment = 'from outside' WHERE did = '"+number+"'")
	if got := readNumber(t, st, search); got.DID.Comment != "from outside" {
		t.Errorf("after another connection's commit: comment %q", got.DID.Comment)
	}
}

// TestIdleSnapshotsAreEnded: a read transaction an idle connection keeps is
// ended once a commit follows it, by the sweeper, without a read.
func TestIdleSnapshotsAreEnded(t *testing.T) {
	sqliteOnly(t, "the SQLite read path")
	st, path := openLoaded(t)
	search := fastSearch(t, st, "37060000001")
	var conns []*rawConn
	for range 3 {
		c, err := st.numberConns.get(st)
		if err != nil {
			t.Fatal(err)
		}
		var d domain.DID
		if _, err := c.didByNumber(st.wal, *search.Number, &d); err != nil || !c.kept {
			t.Fatalf("read: %v, kept %v", err, c.kept)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		st.numberConns.put(st, c)
	}
	st.numberConns.sweep(st.wal)
	for i, c := range conns {
		if kept, _ := keptAt(st, c); !kept {
			t.Fatalf("connection %d: a sweep with no commit since ended its transaction", i)
		}
	}
	rawExec(t, path, "UPDATE dids SET comment = 'moved' WHERE did = '37060000002'")
	deadline := time.Now().Add(20 * sweepEvery)
	for i := 0; i < len(conns); {
		st.numberConns.mu.Lock()
		kept := conns[i].kept
		st.numberConns.mu.Unlock()
		switch {
		case !kept:
			i++
		case time.Now().After(deadline):
			t.Fatalf("connection %d still keeps its transaction %v after a commit", i, 20*sweepEvery)
		default:
			time.Sleep(sweepEvery / 4)
		}
	}
}

// TestKeptSnapshotsLetTheWALStartAgain: with reads keeping their
// transactions between the writer's commits, the WAL still starts again
// from its first frame rather than growing.
func TestKeptSnapshotsLetTheWALStartAgain(t *testing.T) {
	sqliteOnly(t, "the SQLite read path")
	st, path := openLoaded(t)
	ctx := context.Background()
	search := fastSearch(t, st, "37060000001")
	admin := adminCaller(t, st)
	for i := range 3000 {
		var err error
		if i%2 == 0 {
			_, err = st.AssignDID(ctx, domain.DeviceAssign, "did_device_assign", admin, "2", "37060000001")
		} else {
			_, err = st.UnassignDID(ctx, admin, "37060000001")
		}
		if err != nil {
			t.Fatal(err)
		}
		readNumber(t, st, search)
	}
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	// About 15,000 frames when the WAL never starts again.
	const frame, limit = 4096 + 24, 3000
	if frames := fi.Size() / frame; frames > limit {
		t.Errorf("the WAL grew to %d frames, want it started again before %d", frames, limit)
	}
}

// TestFastReadsNeverGoBack: while the writer commits one comment after
// another, a fast read begun after a write was answered shows that write's
// comment or a later one, whichever of the connections (each keeping its
// read transaction) answers it.
func TestFastReadsNeverGoBack(t *testing.T) {
	sqliteOnly(t, "the SQLite read path")
	st, _ := openLoaded(t)
	ctx := context.Background()
	search := fastSearch(t, st, "37060000001")
	id := strconv.FormatInt(readNumber(t, st, search).DID.ID, 10)
	var answered atomic.Int64 // the last comment whose write was answered
	stop := make(chan struct{})
	failed := make(chan string, 4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for reads := 0; ; reads++ {
				select {
				case <-stop:
					return
				default:
				}
				floor := answered.Load()
				out, ok, err := st.searchNumber(ctx, search)
				if !ok || err != nil {
					continue // the general path's turn
				}
				if got, _ := strconv.ParseInt(out[0].DID.Comment, 10, 64); got < floor {
					failed <- fmt.Sprintf("read %d shows comment %d after comment %d was answered", reads, got, floor)
					return
				}
			}
		}()
	}
	admin := adminCaller(t, st)
	for i := int64(1); i <= 400; i++ {
		p := domain.Params{"did_id": id, "comment": strconv.FormatInt(i, 10)}
		if _, err := st.UpdateDIDDetails(ctx, admin, p); err != nil {
			t.Fatal(err)
		}
		answered.Store(i)
	}
	close(stop)
	wg.Wait()
	close(failed)
	for f := range failed {
		t.Error(f)
	}
	if got := readNumber(t, st, search).DID.Comment; got != "400" {
		t.Errorf("the last comment read: %q, want 400", got)
	}
}

// TestKeptSnapshotsLetACheckpointTruncate: an operator's TRUNCATE
// checkpoint on the live file, waiting for readers as sqlite3's .timeout
// lets it, empties the WAL while fast reads keep their read transactions,
// whether they sit idle (the sweeper ends theirs) or read on (each read
// ends its own): no transaction is kept longer than keepFor, and one begun
// again after the checkpoint copied the WAL back reads from the file alone,
// which the checkpoint does not wait for.
func TestKeptSnapshotsLetACheckpointTruncate(t *testing.T) {
	sqliteOnly(t, "the SQLite read path")
	for _, c := range []struct {
		name    string
		reading bool
	}{{"Idle", false}, {"Reading", true}} {
		t.Run(c.name, func(t *testing.T) {
			st, path := openLoaded(t)
			search := fastSearch(t, st, "37060000001")
			rawExec(t, path, "UPDATE dids SET comment = 'moved' WHERE did = '37060000002'")
			readNumber(t, st, search)
			if kept, _ := keptAt(st, keptConn(t, st)); !kept {
				t.Fatal("the read did not keep its read transaction")
			}
			stop := func() {}
			if c.reading {
				// The sweeper off: the reads alone end what they keep.
				st.stopSweeper()
				stop = readOn(st, search)
			}
			busy, err := truncateWAL(path, 5*keepFor)
			stop()
			if err != nil {
				t.Fatal(err)
			}
			if busy {
				t.Errorf("the checkpoint waited %v for the fast reads' transactions and gave up", 5*keepFor)
			}
		})
	}
}

// readOn answers search on the fast path over and over until the returned
// stop is called.
func readOn(st *Store, search domain.DIDSearch) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
				st.searchNumber(context.Background(), search)
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

// TestFastReadDropsAConnectionItCannotEnd: a connection whose kept read
// transaction cannot be ended (its ROLLBACK fails) is closed, not pooled:
// pooled, it would go on reading in that transaction, at its old snapshot,
// once the header can no longer be read to begin another.
func TestFastReadDropsAConnectionItCannotEnd(t *testing.T) {
	sqliteOnly(t, "the SQLite read path")
	st, path := openLoaded(t)
	st.stopSweeper()
	const number = "37060000001"
	search := fastSearch(t, st, number)
	c := keptConn(t, st)
	sqlite3.Xsqlite3_finalize(c.tls, c.rollback)
	var err error
	if c.rollback, err = c.prepare("SELECT 1"); err != nil { // steps to a row: run fails
		t.Fatal(err)
	}
	rawExec(t, path, "UPDATE dids SET comment = 'after' WHERE did = '"+number+"'")
	if _, ok, _ := st.searchNumber(context.Background(), search); ok {
		t.Error("the fast path answered from a connection that could not end its transaction")
	}
	wal := st.wal
	st.wal = nil // the header unreadable from here on
	defer func() { st.wal = wal }()
	if got := readNumber(t, st, search).DID.Comment; got != "after" {
		t.Errorf("comment %q, want after", got)
	}
}

// truncateWAL runs wal_checkpoint(TRUNCATE) on the file through a
// connection of its own that waits up to wait for readers; busy is
// SQLite's answer that readers kept it from finishing.
func truncateWAL(path string, wait time.Duration) (busy bool, err error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout("+strconv.FormatInt(wait.Milliseconds(), 10)+")")
	if err != nil {
		return false, err
	}
	defer db.Close()
	var b, frames, done int
	err = db.QueryRow("PRAGMA wal_checkpoint(TRUNCATE)").Scan(&b, &frames, &done)
	return b != 0, err
}
