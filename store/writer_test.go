package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"morlite/domain"
)

// admin is the demo's admin as a caller.
func adminCaller(t *testing.T, st *Store) domain.Caller {
	t.Helper()
	u, err := st.UserByUsername(context.Background(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	return domain.Caller{User: u}
}

// holdWriter queues a write that blocks until the returned function is
// called, so that the writes submitted meanwhile wait and form one batch.
func holdWriter(t *testing.T, st *Store) func() {
	t.Helper()
	started, release := make(chan struct{}), make(chan struct{})
	go st.writeTx(context.Background(), func(*wtx) error {
		close(started)
		<-release
		return nil
	})
	<-started
	return func() { close(release) }
}

// waitQueued waits until n writes wait in the queue.
func waitQueued(t *testing.T, st *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(st.w.queue) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", len(st.w.queue), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestBatchIsolation: writes batched into one transaction behave as if they
// ran one after another: a later one sees an earlier one's effect, a failing
// one is rolled back alone, and all are answered after one commit.
func TestBatchIsolation(t *testing.T) {
	sqliteOnly(t, "SQLite's group commit (batches and savepoints)")
	ctx := context.Background()
	st, _ := openLoaded(t)
	admin := adminCaller(t, st)
	release := holdWriter(t, st)
	before := st.WriteStats()

	type result struct {
		name string
		err  error
	}
	calls := []struct {
		name string
		fn   func() error
	}{
		{"assignFree", func() error {
			_, err := st.AssignDID(ctx, domain.DeviceAssign, "did_device_assign", admin, "2", "37060000001")
			return err
		}},
		{"assignSameAgain", func() error {
			_, err := st.AssignDID(ctx, domain.DeviceAssign, "did_device_assign", admin, "1", "37060000001")
			return err
		}},
		{"failsAfterWriting", func() error {
			return st.writeTx(ctx, func(tx *wtx) error {
				if _, err := tx.Exec("UPDATE dids SET comment = 'half' WHERE id = 2"); err != nil {
					return err
				}
				return errors.New("changed my mind")
			})
		}},
		{"panics", func() error {
			return st.writeTx(ctx, func(tx *wtx) error {
				tx.Exec("UPDATE dids SET comment = 'panic' WHERE id = 7")
				panic("boom")
			})
		}},
		{"unassign", func() error {
			_, err := st.UnassignDID(ctx, admin, "37060000006")
			return err
		}},
	}
	results := make(chan result, len(calls))
	for i, c := range calls {
		go func() { results <- result{c.name, c.fn()} }()
		waitQueued(t, st, i+1) // keep the submission order
	}
	release()
	got := map[string]error{}
	for range calls {
		r := <-results
		got[r.name] = r.err
	}
	if after := st.WriteStats(); after.Batches-before.Batches != 1 {
		t.Fatalf("%d batches for %d writes, want them in one", after.Batches-before.Batches, len(calls))
	}
	if got["assignFree"] != nil || got["unassign"] != nil {
		t.Fatalf("batch-mates failed: %v", got)
	}
	if !errors.Is(got["assignSameAgain"], domain.ErrDIDNotFree) {
		t.Fatalf("the second assign did not see the first: %v", got["assignSameAgain"])
	}
	if got["failsAfterWriting"] == nil || got["panics"] == nil {
		t.Fatalf("failing writes reported success: %v", got)
	}
	w, err := st.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := w.DIDs[1]; d.Status != domain.StatusActive || d.DeviceID != 2 || d.Comment != "" {
		t.Fatalf("DID 2 = %+v, want active on device 2 with its comment untouched", d)
	}
	if d := w.DIDs[6]; d.Status != domain.StatusFree || d.Comment != "" {
		t.Fatalf("DID 7 = %+v, want freed, comment untouched", d)
	}
	if len(w.Actions) != 2 {
		t.Fatalf("%d action rows, want 2 (one per successful write)", len(w.Actions))
	}
}

// TestShedWhenQueueFull: with the queue full, a write is refused at once
// with ErrBusy; the queued ones all complete.
func TestShedWhenQueueFull(t *testing.T) {
	sqliteOnly(t, "SQLite's write queue")
	ctx := context.Background()
	st, _ := openTemp(t, WithQueueSize(4))
	release := holdWriter(t, st)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- st.writeTx(ctx, func(tx *wtx) error { return nil })
		}()
	}
	waitQueued(t, st, 4)
	start := time.Now()
	if err := st.writeTx(ctx, func(tx *wtx) error { return nil }); !errors.Is(err, domain.ErrBusy) {
		t.Fatalf("write on a full queue = %v, want ErrBusy", err)
	}
	if waited := time.Since(start); waited > time.Second {
		t.Fatalf("shedding took %v; it must answer at once", waited)
	}
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a queued write failed: %v", err)
		}
	}
	if s := st.WriteStats(); s.Shed != 1 {
		t.Fatalf("shed = %d, want 1", s.Shed)
	}
}

// TestCanceledBeforeRunIsNotRun: a write whose caller gave up before the
// writer reached it is not applied, and its batch-mates are.
func TestCanceledBeforeRunIsNotRun(t *testing.T) {
	sqliteOnly(t, "SQLite's write queue")
	st, _ := openTemp(t)
	release := holdWriter(t, st)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- st.writeTx(ctx, func(tx *wtx) error {
			_, err := tx.Exec("INSERT INTO settings (name, value) VALUES ('x', '1')")
			return err
		})
	}()
	waitQueued(t, st, 1)
	cancel()
	release()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled write = %v", err)
	}
	var n int
	st.read.QueryRow("SELECT count(*) FROM settings WHERE name = 'x'").Scan(&n)
	if n != 0 {
		t.Fatal("a canceled write was applied")
	}
}

// TestUserCacheFollowsWrites: a change to users through the writer is seen
// by the next lookup, and so is a reload of the world.
func TestUserCacheFollowsWrites(t *testing.T) {
	ctx := context.Background()
	st, _ := openLoaded(t)
	if u, err := st.UserByUsername(ctx, "bob"); err != nil || u.FirstName != "Bob" {
		t.Fatalf("bob = %+v, %v", u, err)
	}
	for _, change := range []string{
		"UPDATE users SET first_name = 'Robert' WHERE username = 'bob'",
		"INSERT INTO user_rights (user_id, name, value) VALUES (5, 'device_pin', 1)",
	} {
		if err := st.writeTx(ctx, func(tx *wtx) error { _, err := tx.Exec(change); return err }); err != nil {
			t.Fatal(err)
		}
	}
	u, err := st.UserByUsername(ctx, "bob")
	if err != nil || u.FirstName != "Robert" {
		t.Fatalf("after the update bob = %+v, %v: the cache kept a stale user", u, err)
	}
	w := demoWorld(t)
	w.Users[4].FirstName = "Bobby"
	if err := st.Load(ctx, w, true); err != nil {
		t.Fatal(err)
	}
	if u, _ := st.UserByUsername(ctx, "bob"); u.FirstName != "Bobby" {
		t.Fatalf("after a reset bob = %+v", u)
	}
}

// TestLingerJoinsWritesArrivingTogether: after a batch of two, a lone write
// waits for the next ones and they share a commit.
func TestLingerJoinsWritesArrivingTogether(t *testing.T) {
	sqliteOnly(t, "the SQLite writer's batches")
	st, _ := openTemp(t)
	st.w.lingerMax = time.Minute
	ctx := context.Background()
	noop := func(*wtx) error { return nil }
	// A batch of two: the first write is held at its commit until two more
	// wait in the queue.
	release := make(chan struct{})
	st.beforeCommit = func() {
		if release != nil {
			<-release
			release = nil
		}
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); st.writeTx(ctx, noop) }()
		waitFor(t, func() bool { return st.w.jobs.Load() > 0 })
	}
	waitFor(t, func() bool { return len(st.w.queue) == 2 })
	close(release)
	wg.Wait()
	before := st.BatchSizes()
	done := make(chan struct{})
	go func() { st.writeTx(ctx, noop); close(done) }()
	waitFor(t, func() bool { return st.w.lingers.Load() == 1 })
	for range lingerFor - 1 {
		wg.Add(1)
		go func() { defer wg.Done(); st.writeTx(ctx, noop) }()
	}
	wg.Wait()
	<-done
	after := st.BatchSizes()
	if n := after.Count - before.Count; n != 1 {
		t.Errorf("the lone write and the %d after it made %d batches, want 1", lingerFor-1, n)
	}
}

// TestSequentialWritesDoNotLinger: a client that waits for each answer
// before it writes again never makes its writes wait for others.
func TestSequentialWritesDoNotLinger(t *testing.T) {
	sqliteOnly(t, "the SQLite writer's batches")
	st, _ := openTemp(t)
	st.w.lingerMax = time.Second
	for range 20 {
		if err := st.writeTx(context.Background(), func(*wtx) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if n := st.w.lingers.Load(); n != 0 {
		t.Errorf("sequential writes lingered %d times, want 0", n)
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10 s")
		}
	}
}
