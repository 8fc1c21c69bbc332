package store

import (
	"errors"
	"sync"
	"time"

	"modernc.org/sqlite"
)

// A database file can be damaged behind SQLite's back (a disk, a copy made
// mid-write, a tool writing pages). SQLite finds it only when a statement
// reads the damaged page, so the server notes every fault it meets
// (NoteError) and the health check reports the first corruption met
// (Corruption); `morlite check` reads every page.

// SQLite's primary result codes for a damaged file.
const (
	sqliteCorrupt = 11 // SQLITE_CORRUPT: "database disk image is malformed"
	sqliteNotADB  = 26 // SQLITE_NOTADB: "file is not a database"
)

// IsCorrupt reports whether err is SQLite finding the file damaged.
func IsCorrupt(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	code := se.Code() & 0xff // the primary code of an extended one
	return code == sqliteCorrupt || code == sqliteNotADB
}

// corruption is the first damage a statement met.
type corruption struct {
	mu    sync.Mutex
	first error
	at    time.Time
}

// NoteError records err when it is SQLite finding the file damaged, and
// reports whether it was. Any error may be passed.
func (s *Store) NoteError(err error) bool {
	if !IsCorrupt(err) {
		return false
	}
	s.corrupt.mu.Lock()
	defer s.corrupt.mu.Unlock()
	if s.corrupt.first == nil {
		s.corrupt.first, s.corrupt.at = err, time.Now()
	}
	return true
}

// Corruption returns when the first damage a statement met was met, and
// the damage; a nil error when none has been met since the store opened.
func (s *Store) Corruption() (time.Time, error) {
	s.corrupt.mu.Lock()
	defer s.corrupt.mu.Unlock()
	return s.corrupt.at, s.corrupt.first
}
