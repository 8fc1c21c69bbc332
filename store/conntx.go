package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"
)

// connTx is a MySQL write transaction on one connection of the write pool,
// sent in as few round trips as the protocol allows. START TRANSACTION goes
// to the server together with the transaction's first statement, and the
// writes whose results nobody reads (a DID's UPDATE, its action row, the
// step of the world generation) wait to go together with the next
// statement or with the COMMIT. A DID move is thus two round trips, its
// locking read and then its writes with the COMMIT, where database/sql's
// transaction took five.
//
// The write pool's connections accept several statements in one query for
// this (the driver's multiStatements). Every value still travels as an
// argument, escaped by the driver; no value is ever spliced into a query's
// text. Statements run as text (a prepared statement belongs to a
// database/sql transaction or pool, not to a connection taken from it): the
// server parses each one, which the round trips saved more than pay for.
type connTx struct {
	conn      *sql.Conn
	begun     bool     // START TRANSACTION has gone to the server
	committed bool     // COMMIT returned success
	prepared  bool     // a statement was prepared: writes no longer wait
	later     []string // writes waiting for the next statement or COMMIT
	laterArgs []any
	laterSize int // bytes of their text and text arguments
	maxSize   int // laterSize beyond which they go on their own
}

// maxLater bounds the writes one query carries; more go on their own.
const maxLater = 64

// maxLaterSize bounds their bytes, well below the max_allowed_packet of
// any server (MySQL's smallest default is 1 MiB): the driver sends a query
// larger than the packet it allows as a prepared statement, which cannot
// hold several.
const maxLaterSize = 256 << 10

// laterSizeFor is maxLaterSize, or a quarter of the packet size a URL's
// maxAllowedPacket sets when that is smaller.
func laterSizeFor(maxAllowedPacket int) int {
	if maxAllowedPacket > 0 && maxAllowedPacket/4 < maxLaterSize {
		return maxAllowedPacket / 4
	}
	return maxLaterSize
}

// beginConn takes a connection of pool for a write transaction whose
// waiting writes go on their own beyond maxSize bytes.
func beginConn(ctx context.Context, pool *sql.DB, maxSize int) (*connTx, error) {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return nil, err
	}
	return &connTx{conn: conn, maxSize: maxSize}, nil
}

// ahead returns query with what must reach the server before it (START
// TRANSACTION, the waiting writes), and their arguments before its own.
func (c *connTx) ahead(query string, args []any) (string, []any) {
	if c.begun && len(c.later) == 0 {
		return query, args
	}
	var b strings.Builder
	if !c.begun {
		b.WriteString("START TRANSACTION;")
		c.begun = true
	}
	for _, q := range c.later {
		b.WriteString(q)
		b.WriteByte(';')
	}
	b.WriteString(query)
	all := append(c.laterArgs, args...)
	c.later, c.laterArgs, c.laterSize = c.later[:0], nil, 0
	return b.String(), all
}

// QueryRowContext runs a read in the transaction.
func (c *connTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	query, args = c.ahead(query, args)
	return c.conn.QueryRowContext(ctx, query, args...)
}

// QueryContext runs a read in the transaction.
func (c *connTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query, args = c.ahead(query, args)
	return c.conn.QueryContext(ctx, query, args...)
}

// ExecContext runs a statement in the transaction. Its result is its own,
// not that of the writes that went ahead of it.
func (c *connTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	query, args = c.ahead(query, args)
	return c.conn.ExecContext(ctx, query, args...)
}

// PrepareContext prepares a statement on the transaction's connection, once
// what must go ahead of it has gone. The statement's own runs carry nothing,
// so from then on no write waits: each runs in its turn.
func (c *connTx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if err := c.flush(ctx); err != nil {
		return nil, err
	}
	c.prepared = true
	return c.conn.PrepareContext(ctx, query)
}

// execLater keeps a write until the next statement or the commit.
func (c *connTx) execLater(ctx context.Context, query string, args []any) error {
	if c.prepared {
		_, err := c.ExecContext(ctx, query, args...)
		return err
	}
	if len(c.later) == maxLater || c.laterSize > c.maxSize {
		if err := c.flush(ctx); err != nil {
			return err
		}
	}
	c.later = append(c.later, query)
	c.laterArgs = append(c.laterArgs, args...)
	c.laterSize += len(query)
	for _, a := range args {
		if s, ok := a.(string); ok {
			c.laterSize += 2 * len(s) // escaped, at worst
		}
	}
	return nil
}

// flush sends what waits, on its own.
func (c *connTx) flush(ctx context.Context) error {
	if c.begun && len(c.later) == 0 {
		return nil
	}
	// DO 0 does nothing: the statement the waiting writes go ahead of.
	_, err := c.ExecContext(ctx, "DO 0")
	return err
}

// commit sends the waiting writes and COMMIT. A transaction that ran
// nothing has nothing to commit.
func (c *connTx) commit(ctx context.Context) error {
	if !c.begun && len(c.later) == 0 {
		c.committed = true
		return nil
	}
	if _, err := c.ExecContext(ctx, "COMMIT"); err != nil {
		return err
	}
	c.committed = true
	return nil
}

// close rolls back what was not committed and hands the connection back to
// the pool; a connection that cannot roll back is dropped from it, so that
// no later write finds a transaction open on it.
func (c *connTx) close(ctx context.Context) {
	if c.begun && !c.committed {
		if _, err := c.conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			c.conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}
	c.conn.Close()
}
