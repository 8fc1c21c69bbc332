package store

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"morlite/domain"
)

// Read admission. A search that is not an exact number (a LIKE, a listing
// of a whole pool) can read every DID row: tens of milliseconds on a large
// world. Left alone, a flood of them takes every read connection and CPU
// and a cheap lookup waits seconds behind it. So these scans run in their
// own lane:
//
//   - at most ScanSlots at once (half the CPUs), leaving the rest of the
//     read pool and CPU to cheap reads;
//   - a scan waits at most ScanWait for its turn, and when ScanQueue are
//     already waiting it does not wait at all;
//   - a scan that runs longer than ScanTimeout is interrupted.
//
// A scan refused or interrupted is domain.ErrBusy (503 Server busy,
// Retry-After), and changed nothing: reads write nothing.

// Read admission defaults.
var (
	DefaultScanSlots   = max(1, runtime.NumCPU()/2)
	DefaultScanWait    = 2 * time.Second
	DefaultScanTimeout = 5 * time.Second
	DefaultScanQueue   = 64
)

// ScanLimits are the scan lane's bounds; zero fields take the defaults.
type ScanLimits struct {
	Slots   int
	Wait    time.Duration
	Timeout time.Duration
	Queue   int
}

// WithScanLimits sets the scan lane's bounds.
func WithScanLimits(l ScanLimits) Option { return func(s *Store) { s.scans.limits = l } }

// scanLane is the scan lane's state.
type scanLane struct {
	limits  ScanLimits
	once    sync.Once
	slots   chan struct{}
	waiting atomic.Int64
	shed    atomic.Int64
}

func (l *scanLane) init() {
	l.once.Do(func() {
		d := &l.limits
		d.Slots = cmpOr(d.Slots, DefaultScanSlots)
		d.Wait = cmpOr(d.Wait, DefaultScanWait)
		d.Timeout = cmpOr(d.Timeout, DefaultScanTimeout)
		d.Queue = cmpOr(d.Queue, DefaultScanQueue)
		l.slots = make(chan struct{}, d.Slots)
	})
}

func cmpOr[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// admit waits for a scan slot. It returns the context the scan runs in
// (with the scan's deadline) and the function that frees the slot; or
// domain.ErrBusy when the wait is too long or too many wait already.
func (l *scanLane) admit(ctx context.Context) (context.Context, func(), error) {
	l.init()
	if l.waiting.Add(1) > int64(l.limits.Queue) {
		l.waiting.Add(-1)
		l.shed.Add(1)
		return nil, nil, domain.ErrBusy
	}
	t := time.NewTimer(l.limits.Wait)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		l.waiting.Add(-1)
	case <-t.C:
		l.waiting.Add(-1)
		l.shed.Add(1)
		return nil, nil, domain.ErrBusy
	case <-ctx.Done():
		l.waiting.Add(-1)
		return nil, nil, ctx.Err()
	}
	sctx, cancel := context.WithTimeout(ctx, l.limits.Timeout)
	return sctx, func() { cancel(); <-l.slots }, nil
}

// scanError turns a scan's failure on its own deadline into ErrBusy; the
// request's own end (the client left) and other errors pass unchanged.
func (l *scanLane) scanError(parent, scan context.Context, err error) error {
	var de *domain.Error
	if err != nil && !errors.As(err, &de) && parent.Err() == nil && errors.Is(scan.Err(), context.DeadlineExceeded) {
		l.shed.Add(1)
		return domain.ErrBusy
	}
	return err
}

// ScansShed is how many scans were refused or interrupted since Open.
func (s *Store) ScansShed() int64 { return s.scans.shed.Load() }

// isScan says whether a search may read many rows: anything but an exact
// number (which the unique index answers).
func isScan(search domain.DIDSearch) bool {
	return search.Number == nil || strings.ContainsAny(*search.Number, "%_")
}
