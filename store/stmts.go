package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps one prepared statement per query text and pool, so that a
// hot query is parsed by SQLite once per connection rather than on every
// call.
//
// Preparing on a pool takes one of its connections. The write pool has one,
// held by the writer's transaction while jobs run, so a query first seen in
// a transaction runs unprepared and is noted as wanted; the writer prepares
// the wanted ones between batches, when its connection is free.
type stmtCache struct {
	mu     sync.Mutex
	stmts  map[*sql.DB]map[string]*sql.Stmt
	wanted map[string]bool // write-pool queries to prepare between batches
}

// get returns query prepared on db, or nil when it is not prepared (yet):
// the caller then runs it unprepared. mayPrepare says whether db has a
// connection to spare for preparing it now.
func (c *stmtCache) get(ctx context.Context, db *sql.DB, query string, mayPrepare bool) *sql.Stmt {
	c.mu.Lock()
	st, ok := c.stmts[db][query]
	if !ok && !mayPrepare {
		if c.wanted == nil {
			c.wanted = map[string]bool{}
		}
		c.wanted[query] = true
	}
	c.mu.Unlock()
	if ok || !mayPrepare {
		return st
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	return c.put(db, query, st)
}

// put stores a prepared statement, keeping the first one for a query.
func (c *stmtCache) put(db *sql.DB, query string, st *sql.Stmt) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.stmts[db][query]; ok {
		st.Close()
		return old
	}
	if c.stmts == nil {
		c.stmts = map[*sql.DB]map[string]*sql.Stmt{}
	}
	if c.stmts[db] == nil {
		c.stmts[db] = map[string]*sql.Stmt{}
	}
	c.stmts[db][query] = st
	return st
}

// prepareWanted prepares, on the (idle) write pool db, the queries jobs ran
// unprepared.
func (c *stmtCache) prepareWanted(db *sql.DB) {
	c.mu.Lock()
	wanted := c.wanted
	c.wanted = nil
	c.mu.Unlock()
	for q := range wanted {
		if st, err := db.Prepare(q); err == nil {
			c.put(db, q, st)
		}
	}
}

// close closes every cached statement.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.stmts {
		for _, st := range m {
			st.Close()
		}
	}
	c.stmts = nil
}

// prepared is a queryer that runs queries as cached prepared statements,
// on a pool or inside a transaction of that pool.
type prepared struct {
	c    *stmtCache
	db   *sql.DB
	tx   *wtx   // nil: run on the pool
	lock string // ends the reads of a write transaction (wtx.lock)
}

func (p prepared) stmt(ctx context.Context, query string) *sql.Stmt {
	st := p.c.get(ctx, p.db, query, p.tx == nil)
	if st != nil && p.tx != nil {
		st = p.tx.bind(ctx, st)
	}
	return st
}

func (p prepared) fallback() queryer {
	if p.tx != nil {
		return p.tx.Tx
	}
	return p.db
}

func (p prepared) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	query = lockedQuery(query, p.lock)
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.fallback().QueryRowContext(ctx, query, args...)
}

func (p prepared) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query = lockedQuery(query, p.lock)
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.fallback().QueryContext(ctx, query, args...)
}

func (p prepared) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if p.tx != nil {
		p.tx.note(query)
	}
	if st := p.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return p.fallback().ExecContext(ctx, query, args...)
}

// reader is the read pool with cached statements (on MySQL, prepared on
// the server: it parses a query once per connection rather than on every
// call, which doubles the reads it serves).
func (s *Store) reader() queryer {
	return prepared{c: &s.stmts, db: s.read}
}

// inTx is a write transaction with cached statements.
func (s *Store) inTx(tx *wtx) queryer {
	if _, ok := tx.Tx.(*sql.Tx); !ok {
		return tx // MySQL: queries run as text, ahead of the writes they carry (connTx)
	}
	return prepared{c: &s.stmts, db: s.write, tx: tx, lock: tx.lock}
}
