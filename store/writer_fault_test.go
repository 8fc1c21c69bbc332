package store

import (
	"context"
	"errors"
	"maps"
	"sync/atomic"
	"testing"
	"time"
)

// insertSetting is a write that adds one setting row.
func insertSetting(name string) func(*wtx) error {
	return func(tx *wtx) error {
		_, err := tx.Exec("INSERT INTO settings (name, value) VALUES (?, '1')", name)
		return err
	}
}

// settingNames lists the setting rows a committed read sees, of those given.
func settingNames(t *testing.T, st *Store, names ...string) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	for _, n := range names {
		var c int
		if err := st.read.QueryRow("SELECT count(*) FROM settings WHERE name = ?", n).Scan(&c); err != nil {
			t.Fatal(err)
		}
		seen[n] = c == 1
	}
	return seen
}

// runQueued submits the writes in this order into one batch (the writer
// held meanwhile) and returns each one's outcome, failing the test when one
// is not answered within 10 seconds.
func runQueued(t *testing.T, st *Store, writes ...func(*wtx) error) []error {
	t.Helper()
	release := holdWriter(t, st)
	done := make([]chan error, len(writes))
	for i, w := range writes {
		done[i] = make(chan error, 1)
		go func() { done[i] <- st.writeTx(context.Background(), w) }()
		waitQueued(t, st, i+1)
	}
	release()
	out := make([]error, len(writes))
	for i := range done {
		select {
		case out[i] = <-done[i]:
		case <-time.After(10 * time.Second):
			t.Fatalf("write %d of the batch was never answered", i+1)
		}
	}
	return out
}

// TestAbandonedTransactionRunsTheRestAgain: when SQLite rolls back the whole
// transaction in the middle of a batch (as it does on some I/O errors; here
// a job ends it as SQLite would), the jobs already run are told their write
// failed, and their work is indeed gone; the failing job fails; the jobs
// after it run again in a fresh transaction and succeed. The second case
// leaves a new transaction open on the connection, so that the batch's own
// COMMIT succeeds: the earlier jobs must be told they failed all the same.
func TestAbandonedTransactionRunsTheRestAgain(t *testing.T) {
	for name, fault := range map[string]string{
		"RolledBack":         "ROLLBACK",
		"RolledBackAndBegun": "ROLLBACK; BEGIN IMMEDIATE",
	} {
		t.Run(name, func(t *testing.T) {
			st, _ := openTemp(t)
			abandon := func(tx *wtx) error {
				if _, err := tx.Exec("INSERT INTO settings (name, value) VALUES ('fault', '1')"); err != nil {
					return err
				}
				_, err := tx.Exec(fault)
				return err
			}
			before := st.WriteStats()
			errs := runQueued(t, st, insertSetting("a"), insertSetting("b"), abandon, insertSetting("c"), insertSetting("d"))
			checkAbandoned(t, st, errs)
			// The held write's batch, the broken one, and the fresh one.
			if n := st.WriteStats().Batches - before.Batches; n != 3 {
				t.Errorf("%d transactions, want 3", n)
			}
			if err := st.writeTx(context.Background(), insertSetting("after")); err != nil {
				t.Fatalf("the writer is not usable after the fault: %v", err)
			}
		})
	}
}

// checkAbandoned checks the outcomes of a, b, the fault, c and d.
func checkAbandoned(t *testing.T, st *Store, errs []error) {
	t.Helper()
	var wf writeFailedError
	for i, name := range []string{"a", "b"} {
		if !errors.As(errs[i], &wf) {
			t.Errorf("write %s ran before the fault: %v, want a failed write", name, errs[i])
		}
	}
	if errs[2] == nil {
		t.Error("the write during which the transaction was lost succeeded")
	}
	if errs[3] != nil || errs[4] != nil {
		t.Errorf("the writes after the fault: %v, %v, want both run again and applied", errs[3], errs[4])
	}
	want := map[string]bool{"a": false, "b": false, "fault": false, "c": true, "d": true}
	if got := settingNames(t, st, "a", "b", "fault", "c", "d"); !maps.Equal(got, want) {
		t.Errorf("rows committed %v, want %v", got, want)
	}
}

// TestAnsweredOnlyAfterCommit holds a batch's commit and checks that none
// of its jobs has been answered (nor is its change visible to readers)
// before the commit, and that each is answered, and visible, after it.
func TestAnsweredOnlyAfterCommit(t *testing.T) {
	st, _ := openTemp(t)
	var ran atomic.Int32
	write := func(name string) *job {
		fn := insertSetting(name)
		return &job{ctx: context.Background(), done: make(chan error, 1), fn: func(tx *wtx) error {
			ran.Add(1)
			return fn(tx)
		}}
	}
	jobs := []*job{write("x"), write("y")}
	var commits, checked atomic.Int32
	st.beforeCommit = func() {
		// The first commit is holdWriter's batch; the second, the jobs'.
		if commits.Add(1) != 2 {
			return
		}
		checked.Add(1)
		if ran.Load() != 2 {
			t.Errorf("%d of the batch's 2 jobs ran before its commit", ran.Load())
		}
		for i, j := range jobs {
			if len(j.done) != 0 {
				t.Errorf("job %d was answered before its batch committed", i+1)
			}
		}
		if got := settingNames(t, st, "x", "y"); got["x"] || got["y"] {
			t.Errorf("readers saw %v before the commit", got)
		}
	}
	release := holdWriter(t, st)
	for _, j := range jobs {
		st.w.queue <- j
	}
	release()
	for i, j := range jobs {
		select {
		case err := <-j.done:
			if err != nil {
				t.Fatalf("job %d: %v", i+1, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("job %d was never answered", i+1)
		}
	}
	if checked.Load() != 1 {
		t.Fatalf("the jobs' commit was held %d times, want 1", checked.Load())
	}
	if got := settingNames(t, st, "x", "y"); !got["x"] || !got["y"] {
		t.Fatalf("after the answers: %v, want both committed", got)
	}
}

// TestFixtureLoadRunsAlone: a fixture load queued among other writes runs
// in a transaction of its own: the writes before it form one batch, the
// writes after it another.
func TestFixtureLoadRunsAlone(t *testing.T) {
	st, _ := openTemp(t)
	w := demoWorld(t)
	before := st.WriteStats()
	release := holdWriter(t, st)
	done := make(chan error, 4)
	submit := []func() error{
		func() error { return st.writeTx(context.Background(), insertSetting("test_a")) },
		func() error { return st.Load(context.Background(), w, true) },
		func() error { return st.writeTx(context.Background(), insertSetting("test_b")) },
		func() error { return st.writeTx(context.Background(), insertSetting("test_c")) },
	}
	for i, f := range submit {
		go func() { done <- f() }()
		waitQueued(t, st, i+1)
	}
	release()
	for range submit {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("a write was never answered")
		}
	}
	after := st.WriteStats()
	// holdWriter's batch, [test_a], [the load], [test_b, test_c].
	if b, j := after.Batches-before.Batches, after.Jobs-before.Jobs; b != 4 || j != 5 {
		t.Fatalf("%d transactions for %d writes, want 4 for 5: the load shared one", b, j)
	}
}
