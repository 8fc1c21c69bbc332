package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"

	"morlite/domain"
)

// rawConn is a read-only SQLite connection driven through SQLite's C API
// (modernc's transpiled library) rather than database/sql and the driver,
// for the one query that is most of the traffic: a DID by its number
// (dids_number.go). It keeps that statement prepared, binds the number
// into C memory of its own and reads the columns straight into a
// domain.DID: no pool bookkeeping, no driver values, no per-query column
// names, no context watcher. One goroutine uses it at a time.
type rawConn struct {
	tls  *libc.TLS
	db   uintptr
	stmt uintptr // didByNumberQuery, prepared
	arg  uintptr // C memory the bound number is copied into
	argN int     // its size
	// begin and rollback open and end a read transaction kept between
	// reads (keep); kept says one is open, at the WAL-index header read
	// just before its first read.
	begin, rollback uintptr
	kept            bool
	at              walHeader
	since           time.Time // when it began
	// broken: a kept read transaction could not be ended; the connection
	// is closed rather than used again.
	broken bool
}

// didByNumberQuery reads a DID's columns in scanDID's order.
const didByNumberQuery = "SELECT " + listDIDColumns + " FROM dids d WHERE d.did = ?"

// errRawBusy is a read that waited for a lock as long as it may.
var errRawBusy = errors.New("store: read waited too long for a lock")

// openRawConn opens path for reading. busy bounds a wait for a lock (a
// reader in WAL mode waits only while another connection recovers the
// WAL or holds the file exclusively).
func openRawConn(path string, busy time.Duration) (_ *rawConn, err error) {
	c := &rawConn{tls: libc.NewTLS()}
	defer func() {
		if err != nil {
			c.close()
		}
	}()
	name, err := libc.CString(path)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(c.tls, name)
	pdb := c.tls.Alloc(8)
	defer c.tls.Free(8)
	// NOMUTEX: one goroutine uses the connection at a time.
	rc := sqlite3.Xsqlite3_open_v2(c.tls, name, pdb, sqlite3.SQLITE_OPEN_READWRITE|sqlite3.SQLITE_OPEN_NOMUTEX, 0)
	c.db = readPointer(pdb)
	if rc != sqlite3.SQLITE_OK {
		return nil, c.err(rc)
	}
	ms := min(busy.Milliseconds(), 10_000) // never longer than the pools wait (busy_timeout)
	// query_only as on the read pool: this connection never writes.
	if err := c.exec("PRAGMA busy_timeout = " + strconv.FormatInt(max(ms, 1), 10) + "; PRAGMA query_only = 1"); err != nil {
		return nil, err
	}
	if c.stmt, err = c.prepare(didByNumberQuery); err != nil {
		return nil, err
	}
	if c.begin, err = c.prepare("BEGIN"); err != nil {
		return nil, err
	}
	if c.rollback, err = c.prepare("ROLLBACK"); err != nil {
		return nil, err
	}
	return c, nil
}

// filename is the database file's full path as SQLite resolved it, the
// name its WAL and WAL-index are named after ("" if it has none).
func (c *rawConn) filename() string {
	main, err := libc.CString("main")
	if err != nil {
		return ""
	}
	defer libc.Xfree(c.tls, main)
	return libc.GoString(sqlite3.Xsqlite3_db_filename(c.tls, c.db, main))
}

// readPointer reads the C pointer stored at p.
func readPointer(p uintptr) uintptr {
	b := libc.GoBytes(p, strconv.IntSize/8)
	if strconv.IntSize == 32 {
		return uintptr(binary.NativeEndian.Uint32(b))
	}
	return uintptr(binary.NativeEndian.Uint64(b))
}

func (c *rawConn) exec(query string) error {
	q, err := libc.CString(query)
	if err != nil {
		return err
	}
	defer libc.Xfree(c.tls, q)
	if rc := sqlite3.Xsqlite3_exec(c.tls, c.db, q, 0, 0, 0); rc != sqlite3.SQLITE_OK {
		return c.err(rc)
	}
	return nil
}

func (c *rawConn) prepare(query string) (uintptr, error) {
	q, err := libc.CString(query)
	if err != nil {
		return 0, err
	}
	defer libc.Xfree(c.tls, q)
	p := c.tls.Alloc(8)
	defer c.tls.Free(8)
	if rc := sqlite3.Xsqlite3_prepare_v2(c.tls, c.db, q, -1, p, 0); rc != sqlite3.SQLITE_OK {
		return 0, c.err(rc)
	}
	return readPointer(p), nil
}

func (c *rawConn) err(rc int32) error {
	if c.db == 0 {
		return fmt.Errorf("sqlite: open: code %d", rc)
	}
	return fmt.Errorf("sqlite: %s (%d)", libc.GoString(sqlite3.Xsqlite3_errmsg(c.tls, c.db)), rc)
}

// close frees the statements, the connection and its C memory.
func (c *rawConn) close() {
	for _, st := range []uintptr{c.stmt, c.begin, c.rollback} {
		if st != 0 {
			sqlite3.Xsqlite3_finalize(c.tls, st)
		}
	}
	if c.db != 0 {
		sqlite3.Xsqlite3_close_v2(c.tls, c.db)
	}
	if c.arg != 0 {
		libc.Xfree(c.tls, c.arg)
	}
	c.tls.Close()
}

// didByNumber reads the DID numbered number into d; found is false when
// there is none. Any error (errRawBusy for a lock waited on too long), or a
// column whose stored type scanDID would have to convert, leaves the
// answer to the general path. It reads in the read transaction kept from
// the connection's last read while wal shows no commit since (keep).
func (c *rawConn) didByNumber(wal *walIndex, number string, d *domain.DID) (found bool, err error) {
	if err := c.keep(wal); err != nil {
		return false, err
	}
	if err := c.bindNumber(number); err != nil {
		return false, err
	}
	defer func() {
		sqlite3.Xsqlite3_reset(c.tls, c.stmt) // ends the read transaction, unless kept
		sqlite3.Xsqlite3_clear_bindings(c.tls, c.stmt)
		if err != nil {
			c.end()
		}
	}()
	switch rc := sqlite3.Xsqlite3_step(c.tls, c.stmt); rc {
	case sqlite3.SQLITE_DONE:
		return false, nil
	case sqlite3.SQLITE_ROW:
		return true, c.scanDID(d)
	default:
		if rc&0xff == sqlite3.SQLITE_BUSY {
			return false, errRawBusy
		}
		return false, c.err(rc)
	}
}

// keepFrames is the longest WAL, in frames, while which read transactions
// are kept between reads: SQLite's automatic checkpoint threshold. A kept
// read transaction holds one of the WAL's read marks, and the writer starts
// the WAL again from its first frame only when no reader holds one; past
// this length reads end their transactions again as they go, so that the
// checkpoint that follows can restart the WAL and it does not grow on.
const keepFrames = 1000

// keepFor is the longest a read transaction is kept. A checkpoint that
// restarts or truncates the WAL (an operator's wal_checkpoint(TRUNCATE) on
// the live file) waits for the readers that began before it copied the WAL
// back into the file, however current their snapshots; kept for good while
// no write comes, they would keep it waiting for good, where reads that end
// their transactions let it through.
const keepFor = time.Second

// keep makes sure the connection reads the latest commit: it ends a read
// transaction kept since a commit (wal's header has changed since it began)
// or for keepFor, and begins one to keep when the header can be read and
// the WAL is short. The header is read before the first read in the
// transaction, which takes its snapshot (BEGIN is deferred and takes none),
// so that snapshot is the header's commit or a later one; while the header
// stays the same, there is no later one. Without a readable header each
// read ends its own transaction, as SQLite's autocommit does.
func (c *rawConn) keep(wal *walIndex) error {
	h, ok := wal.header()
	if c.kept && !c.current(h, ok) {
		if err := c.end(); err != nil {
			return err
		}
	}
	if !c.kept && ok && h.frames() <= keepFrames {
		if err := c.run(c.begin); err != nil {
			return err
		}
		c.kept, c.at, c.since = true, h, time.Now()
	}
	return nil
}

// current reports whether the kept read transaction may serve a read now
// that the header (ok: readable) is h: no commit since it began, and begun
// less than keepFor ago.
func (c *rawConn) current(h walHeader, ok bool) bool {
	return ok && h == c.at && time.Since(c.since) < keepFor
}

// end ends the kept read transaction, if any; a connection that cannot end
// it is broken.
func (c *rawConn) end() error {
	if !c.kept {
		return nil
	}
	c.kept = false
	if err := c.run(c.rollback); err != nil {
		c.broken = true
		return err
	}
	return nil
}

// run steps a statement that returns no rows, once.
func (c *rawConn) run(stmt uintptr) error {
	rc := sqlite3.Xsqlite3_step(c.tls, stmt)
	sqlite3.Xsqlite3_reset(c.tls, stmt)
	if rc != sqlite3.SQLITE_DONE {
		return c.err(rc)
	}
	return nil
}

// bindNumber copies number into the connection's C memory and binds it; the
// memory stays the statement's until clear_bindings.
func (c *rawConn) bindNumber(number string) error {
	if len(number)+1 > c.argN {
		if c.arg != 0 {
			libc.Xfree(c.tls, c.arg)
		}
		c.argN = max(64, len(number)+1)
		if c.arg = libc.Xmalloc(c.tls, libc.Tsize_t(c.argN)); c.arg == 0 {
			c.argN = 0
			return errors.New("sqlite: out of memory")
		}
	}
	copy(libc.GoBytes(c.arg, len(number)), number)
	if rc := sqlite3.Xsqlite3_bind_text(c.tls, c.stmt, 1, c.arg, int32(len(number)), 0); rc != sqlite3.SQLITE_OK {
		return c.err(rc)
	}
	return nil
}

// errRawType is a column whose stored type is not the one the fast read
// copies as is.
var errRawType = errors.New("store: a column of another type")

// scanDID reads the current row as scanDID reads listDIDColumns.
func (c *rawConn) scanDID(d *domain.DID) error {
	var status string
	ints := [...]struct {
		col int32
		to  *int64
	}{{0, &d.ID}, {3, &d.UserID}, {4, &d.DeviceID}, {5, &d.DialplanID}, {6, &d.ResellerID},
		{7, &d.ProviderID}, {9, &d.CallLimit}, {12, &d.GraceTime}, {14, &d.CallCount}}
	texts := [...]struct {
		col int32
		to  *string
	}{{1, &d.Number}, {2, &status}, {8, &d.Language}, {10, &d.Comment}, {11, &d.ResellerComment}, {15, &d.Tonezone}}
	for _, f := range ints {
		if sqlite3.Xsqlite3_column_type(c.tls, c.stmt, f.col) != sqlite3.SQLITE_INTEGER {
			return errRawType
		}
		*f.to = sqlite3.Xsqlite3_column_int64(c.tls, c.stmt, f.col)
	}
	for _, f := range texts {
		if sqlite3.Xsqlite3_column_type(c.tls, c.stmt, f.col) != sqlite3.SQLITE_TEXT {
			return errRawType
		}
		*f.to = c.text(f.col)
	}
	d.Status = domain.Status(status)
	switch sqlite3.Xsqlite3_column_type(c.tls, c.stmt, 13) {
	case sqlite3.SQLITE_NULL:
	case sqlite3.SQLITE_TEXT:
		if closed := c.text(13); closed != "" {
			t, err := time.Parse(domain.TimeLayout, closed)
			if err != nil {
				return err
			}
			d.ClosedTill = t
		}
	default:
		return errRawType
	}
	return nil
}

// text copies column col of the current row, a TEXT value, into Go memory.
func (c *rawConn) text(col int32) string {
	p := sqlite3.Xsqlite3_column_text(c.tls, c.stmt, col)
	n := int(sqlite3.Xsqlite3_column_bytes(c.tls, c.stmt, col))
	if p == 0 || n == 0 {
		return ""
	}
	return string(libc.GoBytes(p, n))
}
