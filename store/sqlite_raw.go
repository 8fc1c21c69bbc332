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
	return c, nil
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

// close frees the statement, the connection and its C memory.
func (c *rawConn) close() {
	if c.stmt != 0 {
		sqlite3.Xsqlite3_finalize(c.tls, c.stmt)
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
// answer to the general path.
func (c *rawConn) didByNumber(number string, d *domain.DID) (found bool, err error) {
	if err := c.bindNumber(number); err != nil {
		return false, err
	}
	defer func() {
		sqlite3.Xsqlite3_reset(c.tls, c.stmt) // ends the read transaction
		sqlite3.Xsqlite3_clear_bindings(c.tls, c.stmt)
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
