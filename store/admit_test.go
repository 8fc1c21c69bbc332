package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"morlite/domain"
)

// TestScanLane: while the scan lane is full, a scan waits at most its
// bound and is refused ErrBusy, while an exact-number lookup is answered
// at once; a scan past its deadline is interrupted as ErrBusy.
func TestScanLane(t *testing.T) {
	st, path := openLoaded(t, WithScanLimits(LaneLimits{Slots: 1, Wait: 50 * time.Millisecond, Timeout: time.Minute, Queue: 4}))
	ctx := context.Background()
	admin := domain.Caller{User: &domain.User{ID: 0, UserType: domain.Admin}}
	like, exact := "3706%1", "37060000001"
	if _, err := st.SearchDIDs(ctx, domain.DIDSearch{Caller: admin, Number: &like}); err != nil {
		t.Fatalf("a scan with the lane free: %v", err)
	}
	_, release, err := st.scans.admit(ctx) // the lane's one slot, held
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := st.SearchDIDs(ctx, domain.DIDSearch{Caller: admin, Number: &like}); !errors.Is(err, domain.ErrBusy) {
		t.Errorf("a scan with the lane full: %v, want ErrBusy", err)
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Errorf("refused after %v, before its wait", waited)
	}
	for _, search := range []domain.DIDSearch{{Caller: admin, Number: &exact}} {
		if got, err := st.SearchDIDs(ctx, search); err != nil || len(got) != 1 {
			t.Errorf("an exact lookup with the lane full: %v, %v", got, err)
		}
	}
	release()
	if st.ScansShed() != 1 {
		t.Errorf("ScansShed = %d, want 1", st.ScansShed())
	}

	// A scan that outlives its deadline is interrupted. 200,000 extra DIDs
	// make a LIKE scan take far longer than a millisecond.
	t.Run("Deadline", func(t *testing.T) {
		sqliteOnly(t, "the extra DIDs are written to the file directly")
		rawExec(t, path, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
		INSERT INTO dids (did, status, reseller_id, provider_id, language) SELECT 5500000000 + i, 'free', 0, 1, 'en' FROM n`)
		st.scans.limits.Timeout = time.Millisecond
		slow := "%9%9%9%9%x"
		if _, err := st.SearchDIDs(ctx, domain.DIDSearch{Caller: admin, Number: &slow}); !errors.Is(err, domain.ErrBusy) {
			t.Errorf("a scan past its deadline: %v, want ErrBusy", err)
		}
	})
}

// readsOfThePool are the store's admitted reads other than scans, each
// called as a request would call it.
func readsOfThePool(st *Store) map[string]func(context.Context) error {
	admin := domain.Caller{User: &domain.User{ID: 0, UserType: domain.Admin}}
	exact := "37060000001"
	search := domain.DIDSearch{Caller: admin, Number: &exact}
	p := domain.Params{"user_id": "0", "device_id": "1"}
	return map[string]func(context.Context) error{
		"Settings":       func(ctx context.Context) error { st.settings.invalidate(); _, err := st.Settings(ctx); return err },
		"UserByUsername": func(ctx context.Context) error { _, err := st.UserByUsername(ctx, "nobody"); return err },
		"UserByID":       func(ctx context.Context) error { _, err := st.UserByID(ctx, 0); return err },
		"DIDByNumber":    func(ctx context.Context) error { _, err := st.DIDByNumber(ctx, exact); return err },
		"SearchDIDs":     func(ctx context.Context) error { _, err := st.SearchDIDs(ctx, search); return err },
		"ListUsers":      func(ctx context.Context) error { _, err := st.ListUsers(ctx, admin); return err },
		"UserDetails":    func(ctx context.Context) error { _, err := st.UserDetails(ctx, admin, p); return err },
		"ListDevices":    func(ctx context.Context) error { _, _, err := st.ListDevices(ctx, admin, p); return err },
		"DeviceDetails":  func(ctx context.Context) error { _, err := st.DeviceDetails(ctx, admin, p); return err },
		"DeviceLinks":    func(ctx context.Context) error { _, err := st.DeviceLinks(ctx, 1); return err },
		"DevicesInScope": func(ctx context.Context) error { _, err := st.DevicesInScope(ctx, admin); return err },
		"DeviceChoices":  func(ctx context.Context) error { _, err := st.DeviceChoices(ctx, admin); return err },
		"DialplansOf":    func(ctx context.Context) error { _, err := st.DialplansOf(ctx, 0); return err },
		"DialplanByID":   func(ctx context.Context) error { _, err := st.DialplanByID(ctx, 1); return err },
		"FreeDIDsInPool": func(ctx context.Context) error { _, err := st.FreeDIDsInPool(ctx, 0); return err },
		"DIDDetailByID":  func(ctx context.Context) error { _, err := st.DIDDetailByID(ctx, search, 1); return err },
		"DIDActions":     func(ctx context.Context) error { _, err := st.DIDActions(ctx, admin, 1); return err },
		"IntervalCount":  func(ctx context.Context) error { _, err := st.IntervalCount(ctx, "3706", "3707"); return err },
		"Snapshots":      func(ctx context.Context) error { _, err := st.Snapshots(ctx); return err },
		"SnapshotByName": func(ctx context.Context) error { _, err := st.SnapshotByName(ctx, "x"); return err },
		"RegisterUser":   func(ctx context.Context) error { _, _, err := st.RegisterUser(ctx, domain.Params{}); return err },
	}
}

// TestReadLane: while every read slot is held, each read waits at most its
// bound and is refused exactly domain.ErrBusy, while a scan (its own lane)
// is answered; freed, each is answered as before. A read inside an
// admitted read takes no second slot.
func TestReadLane(t *testing.T) {
	const wait = 50 * time.Millisecond
	st, _ := openLoaded(t, WithReadLimits(LaneLimits{Slots: 1, Wait: wait, Timeout: time.Minute}))
	ctx := context.Background()
	if got, want := st.read.Stats().MaxOpenConnections, st.reads.limits.Slots+st.scans.limits.Slots+1; got != want {
		t.Errorf("read pool of %d connections, want %d", got, want)
	}
	reads := readsOfThePool(st)
	for name, read := range reads {
		if err := read(ctx); errors.Is(err, domain.ErrBusy) {
			t.Errorf("%s with the lane free: %v", name, err)
		}
	}
	nested, err := reading(st, ctx, func(ctx context.Context) (*domain.User, error) { return st.UserByID(ctx, 0) })
	if err != nil || nested == nil {
		t.Errorf("a read inside a read: %v", err)
	}

	release := st.HoldReads()
	for name, read := range reads {
		start := time.Now()
		err := read(ctx)
		if err != domain.ErrBusy {
			t.Errorf("%s with the lane full: %v, want ErrBusy", name, err)
		}
		if waited := time.Since(start); waited < wait || waited > wait+5*time.Second {
			t.Errorf("%s refused after %v, not after its wait of %v", name, waited, wait)
		}
	}
	like := "3706%"
	admin := domain.Caller{User: &domain.User{ID: 0, UserType: domain.Admin}}
	if _, err := st.SearchDIDs(ctx, domain.DIDSearch{Caller: admin, Number: &like}); err != nil {
		t.Errorf("a scan with the read lane full: %v", err)
	}
	release()
	if got := st.ReadsShed(); got != int64(len(reads)) {
		t.Errorf("ReadsShed = %d, want %d", got, len(reads))
	}
	for name, read := range reads {
		if err := read(ctx); errors.Is(err, domain.ErrBusy) {
			t.Errorf("%s with the lane freed: %v", name, err)
		}
	}
}

// TestReadDeadline: a read that outlives its lane's deadline (here, at
// once) is exactly domain.ErrBusy, never the driver's or the context's
// text.
func TestReadDeadline(t *testing.T) {
	st, _ := openLoaded(t, WithReadLimits(LaneLimits{Timeout: time.Nanosecond}))
	for name, read := range readsOfThePool(st) {
		if err := read(context.Background()); err != domain.ErrBusy {
			t.Errorf("%s past its deadline: %v, want ErrBusy", name, err)
		}
	}
}

// TestReadQueue: when Queue reads already wait, another is refused at once
// rather than after its wait; the waiting one is answered once a slot
// frees.
func TestReadQueue(t *testing.T) {
	st, _ := openLoaded(t, WithReadLimits(LaneLimits{Slots: 1, Wait: time.Minute, Queue: 1}))
	ctx := context.Background()
	release := st.HoldReads()
	waiter := make(chan error, 1)
	go func() { _, err := st.UserByID(ctx, 0); waiter <- err }()
	for start := time.Now(); st.reads.waiting.Load() != 1; time.Sleep(time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("the first read does not wait for the held lane")
		}
	}
	refused := make(chan error, 1)
	go func() { _, err := st.UserByID(ctx, 0); refused <- err }()
	select {
	case err := <-refused:
		if err != domain.ErrBusy {
			t.Errorf("a read past the queue: %v, want ErrBusy", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a read past the queue waited")
	}
	release()
	if err := <-waiter; err != nil {
		t.Errorf("the waiting read: %v", err)
	}
}
