package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"morlite/domain"
)

// Write path on MySQL/MariaDB: each write runs in its own transaction on
// one of the write pool's connections, side by side with the others (InnoDB
// commits concurrent transactions as a group). The server arbitrates: the
// reads of a write transaction lock the rows they read, so two methods that
// decide on the same DID or device run one after the other whichever
// morlite process runs them. When the server picks a transaction to give
// way (a deadlock, a lock wait that ran out, a Galera certification
// conflict, a unique key a concurrent insert took), the method runs again
// from its first read, a bounded number of times.

// maxAttempts bounds how often one write runs before its failure is
// answered.
const maxAttempts = 6

// conflictError is a write that kept losing to others: the method's own
// failure text when it has one (writeFailed finds the writeFailedError),
// "Server busy" when it has none.
type conflictError struct{ err error }

func (e conflictError) Error() string { return "gave way to other writes: " + e.err.Error() }
func (e conflictError) Unwrap() []error {
	return []error{writeFailedError{e.err}, domain.ErrBusy}
}

// writeDirect runs fn in its own transaction, retrying on conflicts, and
// returns once the outcome is known: committed, rolled back, or unknown
// (the connection was lost, "Server busy").
func (s *Store) writeDirect(ctx context.Context, fn func(tx *wtx) error) error {
	s.w.mu.RLock()
	closed := s.w.closed
	if !closed {
		s.w.inflight.Add(1)
	}
	s.w.mu.RUnlock()
	if closed {
		return errors.New("store: closed")
	}
	defer s.w.inflight.Done()
	if s.w.waiting.Add(1) > int64(s.queueSize) {
		s.w.waiting.Add(-1)
		s.w.shed.Add(1)
		return domain.ErrBusy
	}
	defer s.w.waiting.Add(-1)
	// Once started, a write's outcome is awaited whatever the caller's
	// context does: an answer must never be given for an unknown outcome.
	ctx = context.WithoutCancel(ctx)
	for attempt := 1; ; attempt++ {
		err := s.attemptWrite(ctx, fn)
		switch {
		case err == nil:
			return nil
		case Unavailable(err):
			return fmt.Errorf("%w: database unavailable: %v", domain.ErrBusy, err)
		case !conflict(err):
			return err
		case attempt == maxAttempts:
			return conflictError{err}
		}
		s.w.retries.Add(1)
		time.Sleep(time.Duration(1+rand.IntN(4<<attempt)) * time.Millisecond)
	}
}

// attemptWrite runs fn once in a transaction and commits.
func (s *Store) attemptWrite(ctx context.Context, fn func(tx *wtx) error) error {
	s.w.batches.Add(1)
	s.w.jobs.Add(1)
	s.w.sizes.record(1)
	writeStarts(ctx)
	c, err := beginConn(ctx, s.write, s.laterSize)
	if err != nil {
		return writeFailedError{err}
	}
	defer c.close(ctx)
	w := &wtx{Tx: c, lock: s.eng.lockReads, tracks: true}
	if err := callJob(w, &job{fn: fn}); err != nil {
		return err
	}
	if w.world {
		// Other instances' copies of the settings and callers go stale
		// with this commit (worldgen.go).
		if err := w.execLater(ctx, bumpWorldQuery); err != nil {
			return writeFailedError{err}
		}
	}
	if err := confirmWrite(ctx, w.Tx); err != nil { // w.Tx: a read that locks no row
		return err
	}
	if err := c.commit(ctx); err != nil {
		return writeFailedError{err}
	}
	writeCommitted(ctx)
	return nil
}
