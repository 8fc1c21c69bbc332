// Package store keeps morlite's world in one SQLite file, or in a
// MySQL/MariaDB database that many morlite processes share. It is
// persistence only: every write method runs in one transaction, loads what
// the domain rules look at, applies them, and commits. Driver errors are
// translated here and nowhere else.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"

	"morlite/migrations"
)

// pragmas are set on every connection, in the DSN so that each pooled
// connection gets them.
var pragmas = []string{
	// Wait for a lock instead of failing at once with SQLITE_BUSY; first, so
	// that the pragmas after it cannot fail on a lock.
	"busy_timeout(10000)",
	// WAL lets readers run while the writer writes.
	"journal_mode(WAL)",
	// The schema's REFERENCES clauses are enforced only with this on.
	"foreign_keys(1)",
	// An answered success must survive power loss: fsync the WAL on commit.
	"synchronous(FULL)",
}

// dsn builds a modernc.org/sqlite DSN for path. Writers begin immediate
// transactions, so a check-and-write takes the write lock before it reads and
// two of them can never interleave.
func dsn(path string, writer bool) string {
	return dsnWith(path, writer, pragmas)
}

// migrationDSN leaves the journal in SQLite's default rollback mode while
// migrating: a migration that fails then leaves the file exactly as it was
// (switching to WAL rewrites the file's header); the pools switch to WAL
// once the schema is current.
func migrationDSN(path string) string {
	return dsnWith(path, true, slices.DeleteFunc(slices.Clone(pragmas), func(p string) bool {
		return strings.HasPrefix(p, "journal_mode")
	}))
}

func dsnWith(path string, writer bool, pragmas []string) string {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	if writer {
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	return "file:" + uriPath.Replace(path) + "?" + q.Encode()
}

// uriPath escapes what a "file:" URI would otherwise read as its query,
// its fragment or an escape, so that any file name opens that file.
var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// Store is an open morlite database: one single-connection write pool and a
// separate read pool.
type Store struct {
	file      string // the SQLite file, or the MySQL URL with its password as ***
	eng       *dialect
	warnings  []string
	write     *sql.DB
	read      *sql.DB
	w         writerState
	queueSize int
	maxBatch  int
	laterSize int // MySQL: the bytes of waiting writes one query carries (conntx.go)
	stmts     stmtCache
	settings  settingsCache
	users     userCache
	world     worldCache // MySQL's settings and callers (worldgen.go)
	corrupt   corruption
	scans     lane // admit.go
	reads     lane
	rows      rowCache
	names     nameCache
	// fastReads: dids_get for one number may be answered on numberConns
	// (dids_number.go); SQLite only.
	fastReads   bool
	numberConns numberConns
	// wal maps the WAL-index's header (walindex.go): with it the fast
	// read keeps its read transactions while no commit follows them. nil
	// without one; sweepStop, sweepDone and closeSweep stop its sweeper
	// (stopSweeper).
	wal                  *walIndex
	sweepStop, sweepDone chan struct{}
	closeSweep           sync.Once
	// Now is the clock used for closed_till and the action log; tests set it.
	Now func() time.Time
	// beforeCommit, when set (by tests only, before the first write), runs
	// on the writer goroutine after a batch's jobs ran and before it commits.
	beforeCommit func()
}

// Open opens (creating if needed) the database at path and migrates it to the
// current schema before returning. A path that is a mysql:// URL opens that
// MySQL/MariaDB database. It refuses with an *OpenError a file that
// is not a SQLite database, a database of another program, a file or
// directory it may not write, a server it cannot reach, and a schema it
// cannot migrate.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if IsURL(path) {
		return openMySQL(ctx, path, opts...)
	}
	if err := checkUsable(path); err != nil {
		return nil, err
	}
	if err := migrate(ctx, path); err != nil {
		return nil, err
	}
	s := &Store{file: path, eng: sqliteDialect, Now: time.Now, queueSize: DefaultQueueSize, maxBatch: DefaultMaxBatch}
	for _, o := range opts {
		o(s)
	}
	w, err := s.openWriter(path)
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		w.Close()
		return nil, err
	}
	s.initLanes()
	n := s.readPoolSize() // admit.go: one connection per admitted read
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s.write, s.read = w, r
	s.fastReads = true
	s.startWriter()
	if err := s.ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.probe(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.watchWAL()
	return s, nil
}

// watchWAL maps the WAL-index SQLite uses for the file, named as SQLite
// names it (the database's full path and "-shm"), and starts the sweeper of
// the read transactions idle fast-read connections keep. Where it cannot,
// each fast read ends its own read transaction.
func (s *Store) watchWAL() {
	c, err := s.numberConns.get(s)
	if err != nil {
		return
	}
	name := c.filename()
	s.numberConns.put(s, c)
	if name == "" {
		return
	}
	wal, err := mapWALIndex(name + "-shm")
	if err != nil {
		return
	}
	s.wal = wal
	s.sweepStop, s.sweepDone = make(chan struct{}), make(chan struct{})
	go s.numberConns.sweepIdle(wal, s.sweepStop, s.sweepDone)
}

// stopSweeper stops watchWAL's sweeper, if it runs, and waits for it to
// end; a second call waits for nothing.
func (s *Store) stopSweeper() {
	if s.sweepStop != nil {
		s.closeSweep.Do(func() { close(s.sweepStop) })
		<-s.sweepDone
	}
}

// probe reads what every request reads first, the settings, so that a
// file damaged there is refused at start, naming it, rather than served.
func (s *Store) probe(ctx context.Context) error {
	if _, err := getSettings(ctx, s.read); IsCorrupt(err) {
		return &OpenError{Path: s.file, Problem: "is damaged (SQLite: " + firstLine(err) + "); see morlite check"}
	}
	return nil
}

// migrate runs the embedded goose migrations on a short-lived handle.
func migrate(ctx context.Context, path string) error {
	if err := checkOurs(ctx, path); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", migrationDSN(path))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.FS)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return &OpenError{Path: path, Problem: "cannot be migrated to morlite's schema: " + rootCause(err)}
	}
	return nil
}

// ping checks both pools answer.
func (s *Store) ping(ctx context.Context) error {
	if err := s.write.PingContext(ctx); err != nil {
		return err
	}
	return s.read.PingContext(ctx)
}

// path is the database file's path.
func (s *Store) path() string { return s.file }

// Close lets queued writes finish, then closes both pools.
func (s *Store) Close() error {
	s.stopWriter()
	s.stopSweeper()
	s.numberConns.close()
	s.wal.unmap()
	s.stmts.close()
	return errors.Join(s.read.Close(), s.write.Close())
}

// Where names the database as logs may show it: the SQLite file, or the
// MySQL URL with its password as ***.
func (s *Store) Where() string { return s.file }

// Pragma returns a pragma's value as the given pool sees it; tests use it to
// assert the connection settings.
func (s *Store) Pragma(ctx context.Context, name string, writer bool) (string, error) {
	db := s.read
	if writer {
		db = s.write
	}
	var v string
	err := db.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v)
	return v, err
}

// nullID maps MOR's 0 ("none") to NULL for a foreign key column.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// b2i stores a boolean as MOR's 0/1.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
