package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// ErrSnapshotExists is returned by SaveSnapshot for a name already taken.
var ErrSnapshotExists = errors.New("store: a snapshot of that name exists")

// SnapshotCounts is how many rows of each kind a snapshot holds.
type SnapshotCounts struct {
	Users     int `json:"users"`
	Devices   int `json:"devices"`
	Dialplans int `json:"dialplans"`
	DIDs      int `json:"dids"`
	Providers int `json:"providers"`
	Actions   int `json:"actions"`
}

// Snapshot is a saved world: Body is the world as a fixture file.
type Snapshot struct {
	Name   string
	Time   time.Time
	Counts SnapshotCounts
	Body   []byte
}

// snapshotTime is how a snapshot's time is stored: UTC, sortable as text.
const snapshotTime = "2006-01-02T15:04:05.000Z"

// SaveSnapshot stores snap. Errors: ErrSnapshotExists when its name is taken.
func (s *Store) SaveSnapshot(ctx context.Context, snap Snapshot) error {
	counts, err := json.Marshal(snap.Counts)
	if err != nil {
		return err
	}
	return s.writeTx(ctx, func(tx *wtx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM snapshots WHERE name = ?", snap.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrSnapshotExists
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO snapshots (name, taken_at, counts, body) VALUES (?, ?, ?, ?)",
			snap.Name, snap.Time.UTC().Format(snapshotTime), string(counts), string(snap.Body))
		return err
	})
}

// Snapshots lists the snapshots without their bodies, oldest first.
func (s *Store) Snapshots(ctx context.Context) ([]Snapshot, error) {
	return reading(s, ctx, func(ctx context.Context) ([]Snapshot, error) { return s.snapshots(ctx) })
}

func (s *Store) snapshots(ctx context.Context) ([]Snapshot, error) {
	return queryAll(ctx, s.reader(), func(r scanner) (Snapshot, error) {
		var snap Snapshot
		var at, counts string
		if err := r.Scan(&snap.Name, &at, &counts); err != nil {
			return snap, err
		}
		return snap, decodeSnapshot(&snap, at, counts)
	}, "SELECT name, taken_at, counts FROM snapshots ORDER BY taken_at, name")
}

// SnapshotByName returns the snapshot with that name, body included.
// Errors: ErrNotFound when there is none.
func (s *Store) SnapshotByName(ctx context.Context, name string) (*Snapshot, error) {
	return reading(s, ctx, func(ctx context.Context) (*Snapshot, error) {
		return s.snapshotByName(ctx, name)
	})
}

func (s *Store) snapshotByName(ctx context.Context, name string) (*Snapshot, error) {
	snap := Snapshot{Name: name}
	var at, counts, body string
	err := s.reader().QueryRowContext(ctx, "SELECT taken_at, counts, body FROM snapshots WHERE name = ?", name).
		Scan(&at, &counts, &body)
	if err != nil {
		return nil, notFound(err)
	}
	snap.Body = []byte(body)
	return &snap, decodeSnapshot(&snap, at, counts)
}

// decodeSnapshot reads a stored time and counts into snap.
func decodeSnapshot(snap *Snapshot, at, counts string) error {
	t, err := time.Parse(snapshotTime, at)
	if err != nil {
		return errors.New("snapshot " + snap.Name + ": bad time " + at)
	}
	snap.Time = t
	return json.Unmarshal([]byte(counts), &snap.Counts)
}

// DeleteSnapshot deletes the snapshot with that name. Errors: ErrNotFound
// when there is none.
func (s *Store) DeleteSnapshot(ctx context.Context, name string) error {
	return s.writeTx(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM snapshots WHERE name = ?", name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return cmpErr(err, ErrNotFound)
		}
		return nil
	})
}

// cmpErr is err, or else fallback.
func cmpErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}
