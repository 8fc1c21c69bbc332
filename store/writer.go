package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"morlite/domain"
)

// Write path: group commit.
//
// Every write is a job on one bounded queue, served by one goroutine that
// owns the single writer connection. It takes whatever jobs are waiting (up
// to maxBatch; a lone job may linger a moment for others, see linger), runs
// them one after another inside ONE immediate transaction, each in its own
// savepoint, and commits once: one fsync for the whole batch. A job sees
// the effects of the jobs before it in its batch (they ran first, on the
// same connection); a job that fails is rolled back to its savepoint
// alone; and no job is answered before the commit that makes it durable.
// When the queue is full, a write is refused at once with domain.ErrBusy
// rather than left to wait behind hundreds of others.

// Defaults for the write queue.
const (
	DefaultQueueSize = 512
	DefaultMaxBatch  = 128
)

// writeLinger is the longest a lone write waits for others to share its
// commit, and lingerFor how many it waits for (linger).
const (
	writeLinger = 300 * time.Microsecond
	lingerFor   = 4
)

// Option tunes a Store.
type Option func(*Store)

// WithQueueSize sets how many writes may wait before new ones are shed.
func WithQueueSize(n int) Option { return func(s *Store) { s.queueSize = max(1, n) } }

// WithMaxBatch sets how many writes one transaction may carry.
func WithMaxBatch(n int) Option { return func(s *Store) { s.maxBatch = max(1, n) } }

// job is one write waiting for the writer.
type job struct {
	ctx  context.Context
	fn   func(tx *wtx) error
	solo bool // runs in a batch of its own (a fixture load)
	done chan error
}

// WriteStats counts what the writer has done.
type WriteStats struct {
	Batches int64 // transactions committed or attempted
	Jobs    int64 // writes run
	Shed    int64 // writes refused with ErrBusy
	Retries int64 // writes run again after the engine made them give way (MySQL)
}

type writerState struct {
	queue   chan *job
	mu      sync.RWMutex // guards closed against sends on a closed queue
	closed  bool
	stopped chan struct{}
	batches atomic.Int64
	jobs    atomic.Int64
	shed    atomic.Int64
	retries atomic.Int64
	sizes   batchSizes
	// The writer goroutine's own: the last batch's size, and linger's timer.
	lastBatch int
	timer     *time.Timer
	lingerMax time.Duration // writeLinger; tests set it
	lingers   atomic.Int64  // times a batch lingered
	// On MySQL, writes run in their callers' goroutines: inflight counts
	// them for Close, waiting bounds them as the queue does on SQLite.
	inflight sync.WaitGroup
	waiting  atomic.Int64
}

// startWriter starts the goroutine that owns the writer connection.
func (s *Store) startWriter() {
	if s.eng.shared {
		return
	}
	s.w.queue = make(chan *job, s.queueSize)
	s.w.stopped = make(chan struct{})
	go s.writeLoop()
}

// stopWriter lets the queued writes finish and stops the writer.
func (s *Store) stopWriter() {
	s.w.mu.Lock()
	wasClosed := s.w.closed
	s.w.closed = true
	if !wasClosed && !s.eng.shared {
		close(s.w.queue)
	}
	s.w.mu.Unlock()
	if s.eng.shared {
		s.w.inflight.Wait()
		return
	}
	<-s.w.stopped
}

// WriteStats returns the writer's counters.
func (s *Store) WriteStats() WriteStats {
	return WriteStats{Batches: s.w.batches.Load(), Jobs: s.w.jobs.Load(), Shed: s.w.shed.Load(), Retries: s.w.retries.Load()}
}

// writeTx runs fn in a write transaction (shared with other writes of the
// same batch, isolated from them by a savepoint) and returns once the
// outcome is durable. Errors: fn's own; domain.ErrBusy when the queue is
// full; a writeFailedError when the commit fails.
func (s *Store) writeTx(ctx context.Context, fn func(tx *wtx) error) error {
	if s.eng.shared {
		return s.writeDirect(ctx, fn)
	}
	return s.submit(&job{ctx: ctx, fn: fn, done: make(chan error, 1)})
}

// writeSolo is writeTx for a job that must not share its transaction.
func (s *Store) writeSolo(ctx context.Context, fn func(tx *wtx) error) error {
	if s.eng.shared {
		return s.writeDirect(ctx, fn)
	}
	return s.submit(&job{ctx: ctx, fn: fn, solo: true, done: make(chan error, 1)})
}

func (s *Store) submit(j *job) error {
	s.w.mu.RLock()
	if s.w.closed {
		s.w.mu.RUnlock()
		return errors.New("store: closed")
	}
	select {
	case s.w.queue <- j:
		s.w.mu.RUnlock()
	default:
		s.w.mu.RUnlock()
		s.w.shed.Add(1)
		return domain.ErrBusy
	}
	// Once queued, the job's outcome is awaited whatever the caller's
	// context does: an answer must never be given for an unknown outcome.
	return <-j.done
}

// writeLoop serves the queue until it is closed.
func (s *Store) writeLoop() {
	defer close(s.w.stopped)
	var held *job
	for {
		first := held
		held = nil
		if first == nil {
			var ok bool
			if first, ok = <-s.w.queue; !ok {
				return
			}
		}
		batch := []*job{first}
		for !first.solo && len(batch) < s.maxBatch {
			j, ok := s.tryNext()
			if !ok {
				break
			}
			if j.solo {
				held = j
				break
			}
			batch = append(batch, j)
		}
		if len(batch) == 1 && !first.solo && held == nil && s.w.lastBatch > 1 {
			batch, held = s.linger(batch)
		}
		s.w.lastBatch = len(batch)
		s.runBatch(batch)
	}
}

// linger waits up to writeLinger for more jobs to join a batch of one:
// each commit costs an fsync and its pages of log, and makes every reader
// connection drop its page cache, so a write that waits a moment for others
// costs less than one committed alone. writeLoop lingers only after a batch
// of more than one write (writes are arriving together): a client that
// writes one request after another, each waiting for its answer, would
// only wait for nothing, and its batches of one never linger.
func (s *Store) linger(batch []*job) ([]*job, *job) {
	s.w.lingers.Add(1)
	wait := cmpOr(s.w.lingerMax, writeLinger)
	if s.w.timer == nil {
		s.w.timer = time.NewTimer(wait)
	} else {
		s.w.timer.Reset(wait)
	}
	defer s.w.timer.Stop()
	for len(batch) < min(s.maxBatch, lingerFor) {
		select {
		case j, ok := <-s.w.queue:
			if !ok || j == nil {
				return batch, nil
			}
			if j.solo {
				return batch, j
			}
			batch = append(batch, j)
		case <-s.w.timer.C:
			return batch, nil
		}
	}
	return batch, nil
}

// tryNext takes a waiting job without blocking.
func (s *Store) tryNext() (*job, bool) {
	select {
	case j, ok := <-s.w.queue:
		return j, ok && j != nil
	default:
		return nil, false
	}
}

// runBatch runs jobs in one transaction and answers each after the commit.
func (s *Store) runBatch(batch []*job) {
	s.w.batches.Add(1)
	s.w.jobs.Add(int64(len(batch)))
	s.w.sizes.record(len(batch))
	results := make([]error, len(batch))
	tx, err := s.write.BeginTx(context.Background(), nil)
	if err != nil {
		for i := range results {
			results[i] = writeFailedError{err}
		}
		answer(batch, results)
		return
	}
	ran, rest := s.runJobs(&wtx{Tx: tx}, batch, results) // one wtx: a batch binds each statement once
	if batch[0].solo && results[0] != nil {
		tx.Rollback() // a solo job runs without a savepoint (runJob)
	} else if err := s.commit(tx); err != nil {
		for i := range ran {
			if results[i] == nil {
				results[i] = writeFailedError{err}
			}
		}
		s.rows.reset()
	}
	if len(rest) > 0 || batch[0].solo {
		s.rows.reset() // rolled back by SQLite, or a world loaded
	}
	s.users.committed()
	s.names.ended()
	answer(batch[:ran], results[:ran])
	s.stmts.prepareWanted(s.write)
	if len(rest) > 0 {
		s.runBatch(rest)
	}
}

// commit commits a batch's transaction; tests hold it with beforeCommit.
func (s *Store) commit(tx *sql.Tx) error {
	if s.beforeCommit != nil {
		s.beforeCommit()
	}
	return tx.Commit()
}

// runJobs runs each job in its own savepoint. When SQLite has rolled back
// the whole transaction (it does so on some I/O errors), the jobs already
// run lose their work and are told so, and the rest are handed back to run
// in a fresh transaction. It returns how many jobs ran and the rest.
func (s *Store) runJobs(tx *wtx, batch []*job, results []error) (int, []*job) {
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		s.rows.jobStarted()
		err, broken := s.runJob(tx, j)
		results[i] = err
		if broken {
			for k := 0; k < i; k++ {
				if results[k] == nil {
					results[k] = writeFailedError{errors.New("transaction rolled back by SQLite")}
				}
			}
			return i + 1, batch[i+1:]
		}
	}
	return len(batch), nil
}

// runJob runs one job between SAVEPOINT and RELEASE; it reports broken
// when the transaction itself is gone.
func (s *Store) runJob(tx *wtx, j *job) (err error, broken bool) {
	defer func() {
		if broken {
			s.rows.reset()
		}
	}()
	if j.solo {
		// Alone in its transaction, a job needs no savepoint: runBatch
		// rolls the transaction back when it fails. Under a savepoint
		// SQLite copies every page the job changes to a sub-journal first,
		// most of the time of a large fixture load.
		return callJob(tx, j), false
	}
	ctx := context.WithoutCancel(j.ctx)
	q := s.inTx(tx)
	if _, err := q.ExecContext(ctx, "SAVEPOINT job"); err != nil {
		return writeFailedError{err}, true
	}
	err = callJob(tx, j)
	if err != nil {
		if _, rbErr := q.ExecContext(ctx, "ROLLBACK TO job"); rbErr != nil {
			return err, true
		}
		s.rows.jobRolledBack()
	}
	if _, relErr := q.ExecContext(ctx, "RELEASE job"); relErr != nil {
		return writeFailedError{relErr}, true
	}
	return err, false
}

// callJob runs the job's function, turning a panic into an error so that
// one bad write cannot take the writer down.
func callJob(tx *wtx, j *job) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("store: panic in write: %v", v)
		}
	}()
	return j.fn(tx)
}

func answer(batch []*job, results []error) {
	for i, j := range batch {
		j.done <- results[i]
	}
}
