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

// Read admission. Every read of the read pool is admitted through one of
// two lanes, so that no read waits without bound for a connection and none
// runs without a deadline:
//
//   - scans: a DID search that is not an exact number (a LIKE, a listing of
//     a whole pool) can read every DID row, tens of milliseconds on a large
//     world. At most half the CPUs' worth run at once, so that a flood of
//     them cannot take every connection and CPU from cheap reads;
//   - reads: everything else (lookups by id, number or username, the
//     lists and pages), with slots of their own beside the scans'.
//
// The read pool has one connection per slot of both lanes, so an admitted
// read does not wait in the pool behind scans; one more serves the
// operator's reads (health, check, export), which are not admitted. (On
// SQLite a dids_get for one number reads on connections of its own, at
// most one per read slot: dids_number.go.)
//
// In each lane a read waits at most Wait for a slot, does not wait at all
// when Queue are already waiting, and is interrupted after Timeout. A read
// refused or interrupted is domain.ErrBusy (503 Server busy, Retry-After)
// and changed nothing: reads write nothing.

// Read admission defaults.
var (
	DefaultScanSlots   = max(1, runtime.NumCPU()/2)
	DefaultScanWait    = 2 * time.Second
	DefaultScanTimeout = 5 * time.Second
	DefaultScanQueue   = 64

	DefaultReadSlots   = max(4, runtime.NumCPU()*2)
	DefaultReadWait    = 2 * time.Second
	DefaultReadTimeout = 5 * time.Second
	// Cheap reads take well under a millisecond, so many may wait: as many
	// as the writes that may queue.
	DefaultReadQueue = DefaultQueueSize
)

// LaneLimits are a lane's bounds; zero fields take the lane's defaults.
type LaneLimits struct {
	Slots   int           // reads running at once
	Wait    time.Duration // longest wait for a slot
	Timeout time.Duration // longest run once admitted
	Queue   int           // waiting reads beyond which new ones are refused at once
}

// WithScanLimits sets the scan lane's bounds.
func WithScanLimits(l LaneLimits) Option { return func(s *Store) { s.scans.limits = l } }

// WithReadLimits sets the bounds of the lane of every other read.
func WithReadLimits(l LaneLimits) Option { return func(s *Store) { s.reads.limits = l } }

// lane is one admission lane's state.
type lane struct {
	limits  LaneLimits
	once    sync.Once
	slots   chan struct{}
	waiting atomic.Int64
	shed    atomic.Int64
}

// init fills the limits left zero from def and makes the slots, once.
func (l *lane) init(def LaneLimits) {
	l.once.Do(func() {
		d := &l.limits
		d.Slots = cmpOr(d.Slots, def.Slots)
		d.Wait = cmpOr(d.Wait, def.Wait)
		d.Timeout = cmpOr(d.Timeout, def.Timeout)
		d.Queue = cmpOr(d.Queue, def.Queue)
		l.slots = make(chan struct{}, d.Slots)
	})
}

// initLanes sets both lanes' limits; Open calls it before sizing the pool.
func (s *Store) initLanes() {
	s.scans.init(LaneLimits{DefaultScanSlots, DefaultScanWait, DefaultScanTimeout, DefaultScanQueue})
	s.reads.init(LaneLimits{DefaultReadSlots, DefaultReadWait, DefaultReadTimeout, DefaultReadQueue})
}

// readPoolSize is one connection per slot of both lanes, and one for the
// reads no lane admits.
func (s *Store) readPoolSize() int { return s.scans.limits.Slots + s.reads.limits.Slots + 1 }

func cmpOr[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// admittedKey marks a context already admitted, so that a read made inside
// another does not wait for a second slot.
type admittedKey struct{}

// admit waits for a slot. It returns the context the read runs in (with
// the lane's deadline) and the function that frees the slot; or
// domain.ErrBusy when the wait is too long or too many wait already.
func (l *lane) admit(ctx context.Context) (context.Context, func(), error) {
	select {
	case l.slots <- struct{}{}: // a free slot: no timer, no queue
	default:
		if err := l.wait(ctx); err != nil {
			return nil, nil, err
		}
	}
	rctx, cancel := context.WithTimeout(context.WithValue(ctx, admittedKey{}, true), l.limits.Timeout)
	return rctx, func() { cancel(); <-l.slots }, nil
}

// wait takes a slot within the lane's bounds.
func (l *lane) wait(ctx context.Context) error {
	defer l.waiting.Add(-1)
	if l.waiting.Add(1) > int64(l.limits.Queue) {
		l.shed.Add(1)
		return domain.ErrBusy
	}
	t := time.NewTimer(l.limits.Wait)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-t.C:
		l.shed.Add(1)
		return domain.ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

// readError turns a read's failure on its lane's deadline (waiting for a
// connection or interrupted) into ErrBusy; the request's own end (the
// client left), MOR's answers and other errors pass unchanged.
func (l *lane) readError(parent, read context.Context, err error) error {
	var de *domain.Error
	if err != nil && !errors.As(err, &de) && parent.Err() == nil && errors.Is(read.Err(), context.DeadlineExceeded) {
		l.shed.Add(1)
		return domain.ErrBusy
	}
	return err
}

// runIn runs fn admitted to lane l. Errors: fn's, or domain.ErrBusy.
func runIn[T any](l *lane, ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	rctx, release, err := l.admit(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	defer release()
	v, err := fn(rctx)
	return v, l.readError(ctx, rctx, err)
}

// reading runs fn as one read in the read lane, unless ctx is admitted
// already (a read inside another). Errors: fn's, or domain.ErrBusy.
func reading[T any](s *Store, ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	if ctx.Value(admittedKey{}) != nil {
		return fn(ctx)
	}
	return runIn(&s.reads, ctx, fn)
}

// ScansShed is how many scans were refused or interrupted since Open.
func (s *Store) ScansShed() int64 { return s.scans.shed.Load() }

// ReadsShed is how many other reads were refused or interrupted since Open.
func (s *Store) ReadsShed() int64 { return s.reads.shed.Load() }

// HoldReads takes every slot of the read lane, as a flood of reads would,
// until release is called; tests use it to see reads refused.
func (s *Store) HoldReads() (release func()) {
	for range s.reads.limits.Slots {
		s.reads.slots <- struct{}{}
	}
	return func() {
		for range s.reads.limits.Slots {
			<-s.reads.slots
		}
	}
}

// isScan says whether a search may read many rows: anything but an exact
// number (which the unique index answers).
func isScan(search domain.DIDSearch) bool {
	return search.Number == nil || strings.ContainsAny(*search.Number, "%_")
}
