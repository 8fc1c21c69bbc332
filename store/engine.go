package store

import (
	"context"
	"database/sql"
	"io/fs"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
)

// Two engines keep the world: SQLite (a file, one process: the default) and
// MySQL/MariaDB (a server that many morlite processes share). The queries
// they agree on are written once in this package; what differs is a
// dialect, declared in engine_sqlite.go and engine_mysql.go side by side.

// dialect is everything that differs between the engines.
type dialect struct {
	name string
	// goose and versions name the dialect for goose's provider and for its
	// version table; migrations are the embedded files in that dialect.
	goose      goose.Dialect
	versions   database.Dialect
	migrations func() (fs.FS, error)
	// lockReads ends every SELECT a write transaction runs, so that the rows
	// a method decides on stay its own until it commits ("" where the
	// transaction holds the whole database already).
	lockReads string
	// upsertSource records meta's source row, inserting or replacing it.
	upsertSource string
	// deferChecks lets a load insert rows whose references come later in
	// the same transaction; checksBack undoes it ("" when nothing to undo).
	deferChecks, checksBack string
	// verifyRefs checks, before a load commits, the references the engine
	// did not check during it (nil when the engine checks them at commit).
	verifyRefs func(ctx context.Context, tx *wtx) error
	// afterReset run after a load that replaced the world, outside its
	// transaction: new rows' ids then follow the loaded ones, as on a new
	// database.
	afterReset []string
	// probe is the trivial read behind Reachable.
	probe string
	// likePattern turns a LIKE pattern into the engine's form of it, so
	// that both engines match the same values.
	likePattern func(string) string
	// likeLimit is the longest LIKE pattern the engine takes (0: no
	// limit); a longer one is matched by morlite_like (like.go).
	likeLimit int
	// likeWildcards is the most % a LIKE on a long text may hold (0: no
	// limit); see addOwnerPattern.
	likeWildcards int
	// shared: other processes write the same database, so nothing may be
	// served from a copy kept in this one.
	shared bool
}

// wtx is a write transaction. On an engine whose transactions do not hold
// the whole database (MySQL's row locks), every read it runs is a locking
// read: two methods that decide on the same DID or device run one after the
// other, and the second sees what the first wrote.
type wtx struct {
	// Tx runs the statements: SQLite's writer transaction (a *sql.Tx), or
	// a MySQL transaction on one connection (a *connTx).
	Tx   txRunner
	lock string
	// bound are the cached statements bound to this transaction, so that
	// a transaction binds each statement once rather than once per use.
	// Only the goroutine running the transaction's jobs touches it.
	bound map[*sql.Stmt]*sql.Stmt
	// tracks: note the statements that change what an instance keeps
	// between requests (MySQL, see worldgen.go); world: one of them ran.
	tracks, world bool
}

// txRunner is what a write transaction runs its statements on.
type txRunner interface {
	queryer
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// bind returns st bound to the transaction, or nil when the transaction
// cannot bind cached statements.
func (t *wtx) bind(ctx context.Context, st *sql.Stmt) *sql.Stmt {
	if b, ok := t.bound[st]; ok {
		return b
	}
	tx, ok := t.Tx.(*sql.Tx)
	if !ok {
		return nil // not a database/sql transaction: the query runs as text
	}
	if t.bound == nil {
		t.bound = map[*sql.Stmt]*sql.Stmt{}
	}
	b := tx.StmtContext(ctx, st)
	t.bound[st] = b
	return b
}

func (t *wtx) locked(query string) string { return lockedQuery(query, t.lock) }

// lockedQuery ends a SELECT with lock.
func lockedQuery(query, lock string) string {
	if lock == "" || !strings.HasPrefix(strings.TrimSpace(query), "SELECT") {
		return query
	}
	return query + lock
}

// QueryRowContext runs a (locking) read in the transaction.
func (t *wtx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	t.note(query)
	return t.Tx.QueryRowContext(ctx, t.locked(query), args...)
}

// QueryContext runs a (locking) read in the transaction.
func (t *wtx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	t.note(query)
	return t.Tx.QueryContext(ctx, t.locked(query), args...)
}

// ExecContext runs a statement in the transaction.
func (t *wtx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	t.note(query)
	return t.Tx.ExecContext(ctx, query, args...)
}

// Exec runs a statement in the transaction.
func (t *wtx) Exec(query string, args ...any) (sql.Result, error) {
	return t.ExecContext(context.Background(), query, args...)
}

// PrepareContext prepares a statement in the transaction.
func (t *wtx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	t.note(query)
	return t.Tx.PrepareContext(ctx, query)
}

// execLater runs a write whose result nobody reads. On MySQL it waits to
// go to the server with the transaction's next statement or its COMMIT
// (connTx); its error, if any, is then that statement's or the commit's.
func (t *wtx) execLater(ctx context.Context, query string, args ...any) error {
	t.note(query)
	if c, ok := t.Tx.(*connTx); ok {
		return c.execLater(ctx, query, args)
	}
	_, err := t.Tx.ExecContext(ctx, query, args...)
	return err
}

// execLater is wtx.execLater when q is a write transaction; any other q
// runs the write now.
func execLater(ctx context.Context, q queryer, query string, args ...any) error {
	if t, ok := q.(*wtx); ok {
		return t.execLater(ctx, query, args...)
	}
	_, err := q.ExecContext(ctx, query, args...)
	return err
}

// Prepare prepares a statement in the transaction.
func (t *wtx) Prepare(query string) (*sql.Stmt, error) {
	return t.PrepareContext(context.Background(), query)
}

// note remembers that the transaction runs a statement changing what an
// instance keeps between requests, when it tracks them.
func (t *wtx) note(query string) {
	if t.tracks && !t.world && changesWorld(query) {
		t.world = true
	}
}

// IsURL reports whether a --db value names a MySQL/MariaDB database
// (mysql://...) rather than a SQLite file.
func IsURL(db string) bool { return strings.HasPrefix(db, "mysql://") }

// Shared reports whether other processes may write the same database
// (MySQL), so that what this one keeps must be checked against it.
func (s *Store) Shared() bool { return s.eng.shared }

// Engine names the store's engine: "sqlite" or "mysql".
func (s *Store) Engine() string { return s.eng.name }
