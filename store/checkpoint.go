package store

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// Checkpoints off the writer's path.
//
// In WAL mode SQLite copies the log back into the database file (a
// checkpoint: a write of every changed page and an fsync of the file) from
// whichever connection commits once the log passes 1,000 pages. On the one
// writer that is a stall of every queued write, batch after batch waiting
// behind the copy. The writer connection therefore never checkpoints
// (wal_autocheckpoint 0); a goroutine of its own, on a connection of its
// own, runs a PASSIVE checkpoint (one that never waits for the writer or the
// readers, and copies what it can) after every checkpointEvery writes and at
// least every checkpointIdle while writes have been made. Durability does not
// change: a commit is in the log, fsynced, before it is answered (synchronous
// FULL); the checkpoint only moves it into the main file, and SQLite fsyncs
// the log before and the file after each one.

// checkpointEvery is how many committed writes trigger a checkpoint: some
// three pages of log each, about SQLite's own 1,000-page threshold.
const checkpointEvery = 384

// checkpointIdle bounds the time a write waits in the log before a
// checkpoint copies it.
const checkpointIdle = time.Second

// writerPragmas are the pragmas of the writer connection only.
var writerPragmas = []string{"wal_autocheckpoint(0)"}

type checkpointer struct {
	db      *sql.DB
	written chan int // committed writes, from the writer
	stop    chan struct{}
	stopped sync.Once
	done    sync.WaitGroup
	runs    atomic.Int64 // checkpoints that ran
	// lastLog and lastDone are the last checkpoint's log frames and how
	// many of them it copied.
	lastLog, lastDone atomic.Int64
}

// startCheckpointer opens the checkpoint connection and starts its loop.
func (s *Store) startCheckpointer(path string) error {
	db, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	c := &checkpointer{db: db, written: make(chan int, 1024), stop: make(chan struct{})}
	c.done.Add(1)
	go c.loop()
	s.ckpt = c
	return nil
}

// committed tells the checkpointer n more writes are in the log. It never
// blocks the writer: when the channel is full, the count is dropped (the
// idle timer still checkpoints).
func (c *checkpointer) committed(n int) {
	if c == nil {
		return
	}
	select {
	case c.written <- n:
	default:
	}
}

func (c *checkpointer) loop() {
	defer c.done.Done()
	tick := time.NewTicker(checkpointIdle)
	defer tick.Stop()
	pending := 0
	for {
		select {
		case <-c.stop:
			return
		case n := <-c.written:
			if pending += n; pending < checkpointEvery {
				continue
			}
		case <-tick.C:
			if pending == 0 {
				continue
			}
		}
		pending = 0
		c.run()
	}
}

// run checkpoints what it can without waiting for anyone.
func (c *checkpointer) run() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var busy, log, done int64
	if err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &done); err == nil {
		c.lastLog.Store(log)
		c.lastDone.Store(done)
		c.runs.Add(1)
	}
}

// close stops the loop and closes its connection; Close may call it twice.
func (c *checkpointer) close() error {
	if c == nil {
		return nil
	}
	c.stopped.Do(func() { close(c.stop) })
	c.done.Wait()
	return c.db.Close()
}
