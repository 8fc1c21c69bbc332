package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"morlite/domain"
	"morlite/internal/mariadbtest"
)

// On MySQL a write transaction's waiting writes go to the server with its
// next statement or its COMMIT (conntx.go); on SQLite they run at once.
// These tests hold on both engines.

const insertSettingQuery = "INSERT INTO settings (name, value) VALUES (?, ?)"

// countSettings counts the settings whose name starts with prefix.
func countSettings(t *testing.T, st *Store, prefix string) int {
	t.Helper()
	var n int
	if err := st.read.QueryRow("SELECT count(*) FROM settings WHERE name LIKE ?", prefix+"%").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWaitingWriteFailsTheWhole: a waiting write that fails (a second row
// with the same key) fails the transaction, and none of its writes stays.
func TestWaitingWriteFailsTheWhole(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	err := st.writeTx(ctx, func(tx *wtx) error {
		if err := tx.execLater(ctx, insertSettingQuery, "ct_a", "1"); err != nil {
			return err
		}
		if err := tx.execLater(ctx, insertSettingQuery, "ct_b", "1"); err != nil {
			return err
		}
		return tx.execLater(ctx, insertSettingQuery, "ct_a", "2")
	})
	if err == nil {
		t.Fatal("a transaction whose last write fails committed")
	}
	if n := countSettings(t, st, "ct_"); n != 0 {
		t.Errorf("%d of its rows stayed, want none", n)
	}
}

// TestWaitingWritesGoAhead: a read after waiting writes sees them, and a
// statement that carries them answers with its own result.
func TestWaitingWritesGoAhead(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	var seen string
	var id int64
	err := st.writeTx(ctx, func(tx *wtx) error {
		if err := tx.execLater(ctx, insertSettingQuery, "ct_seen", "yes"); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE name = ?", "ct_seen").Scan(&seen); err != nil {
			return err
		}
		if err := tx.execLater(ctx, insertSettingQuery, "ct_more", "1"); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO actions (date, user_id, action) VALUES ('2026-01-02 03:04:05', 0, 'ct')`)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != "yes" {
		t.Errorf("the read saw %q, want the waiting write's yes", seen)
	}
	var want int64
	if err := st.read.QueryRow("SELECT id FROM actions WHERE action = 'ct'").Scan(&want); err != nil {
		t.Fatal(err)
	}
	if id != want {
		t.Errorf("LastInsertId %d, want the action's id %d", id, want)
	}
	if n := countSettings(t, st, "ct_"); n != 2 {
		t.Errorf("%d rows committed, want 2", n)
	}
}

// TestFailedWriteLeavesNoTransactionOpen: a write that fails after its
// statements went to the server is rolled back, and its connection goes
// back to the pool with no transaction open: the writes that run on it
// next do not commit the failed one's rows with theirs.
func TestFailedWriteLeavesNoTransactionOpen(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	refused := errors.New("refused")
	for i := range 2 * mysqlConns {
		err := st.writeTx(ctx, func(tx *wtx) error {
			if err := tx.execLater(ctx, insertSettingQuery, fmt.Sprintf("ct_failed_%d", i), "1"); err != nil {
				return err
			}
			var one int
			if err := tx.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil { // sends it
				return err
			}
			return refused
		})
		if !errors.Is(err, refused) {
			t.Fatalf("write %d: %v, want its own refusal", i, err)
		}
	}
	for i := range 2 * mysqlConns {
		if err := st.writeTx(ctx, func(tx *wtx) error {
			return tx.execLater(ctx, insertSettingQuery, fmt.Sprintf("ct_ok_%d", i), "1")
		}); err != nil {
			t.Fatal(err)
		}
	}
	if n := countSettings(t, st, "ct_failed_"); n != 0 {
		t.Errorf("%d rows of failed writes were committed, want none", n)
	}
	if n := countSettings(t, st, "ct_ok_"); n != 2*mysqlConns {
		t.Errorf("%d rows of the later writes, want %d", n, 2*mysqlConns)
	}
}

// TestConnectionLostWithTheCommit: on MySQL, a connection lost while the
// waiting writes and the COMMIT run (here killed from another session) is
// "Server busy", never a success, and none of the transaction's writes
// stays. MySQL-specific: SQLite has no connection to lose.
func TestConnectionLostWithTheCommit(t *testing.T) {
	mysqlOnly(t, "a MySQL connection lost in the middle of a transaction's last query")
	st, _ := openTemp(t)
	ctx := context.Background()
	killed := make(chan error, 1)
	err := st.writeTx(ctx, func(tx *wtx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
			return err
		}
		go func() { killed <- killWhenSleeping(st, id) }()
		if err := tx.execLater(ctx, insertSettingQuery, "ct_lost", "1"); err != nil {
			return err
		}
		return tx.execLater(ctx, "DO SLEEP(5)") // goes with the COMMIT, and is killed
	})
	if kerr := <-killed; kerr != nil {
		t.Fatal(kerr)
	}
	if !errors.Is(err, domain.ErrBusy) {
		t.Errorf("a write whose connection was lost with its COMMIT: %v, want Server busy", err)
	}
	if n := countSettings(t, st, "ct_lost"); n != 0 {
		t.Errorf("%d of its rows stayed, want none", n)
	}
}

// killWhenSleeping kills connection id once it runs a SLEEP.
func killWhenSleeping(st *Store, id int64) error {
	for range 500 {
		var n int
		err := st.read.QueryRow(`SELECT count(*) FROM information_schema.processlist
			WHERE id = ? AND info LIKE '%SLEEP(5)%'`, id).Scan(&n)
		if err != nil {
			return err
		}
		if n > 0 {
			_, err := st.read.Exec("KILL CONNECTION ?", id)
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
	return errors.New("the transaction's last query never ran")
}

// TestWritesAfterAPrepareRunInTurn: once a transaction prepared a statement,
// whose runs carry nothing ahead of them, a write no longer waits: the
// prepared statement's next run sees it.
func TestWritesAfterAPrepareRunInTurn(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	var n int
	err := st.writeTx(ctx, func(tx *wtx) error {
		count, err := tx.PrepareContext(ctx, "SELECT count(*) FROM settings WHERE name = ?")
		if err != nil {
			return err
		}
		defer count.Close()
		if err := tx.execLater(ctx, insertSettingQuery, "ct_prepared", "1"); err != nil {
			return err
		}
		return count.QueryRowContext(ctx, "ct_prepared").Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("the prepared statement counted %d rows, want the write before it", n)
	}
}

// TestWaitingWritesFitTheServersPacket: waiting writes go on their own
// before what one query carries outgrows the packet the URL allows (a
// larger query would go as a prepared statement, which cannot hold
// several).
func TestWaitingWritesFitTheServersPacket(t *testing.T) {
	mysqlOnly(t, "MySQL's packet size")
	st, err := Open(context.Background(), mariadbtest.URL(t)+"?maxAllowedPacket=65536")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	big := strings.Repeat("x", 30000)
	err = st.writeTx(ctx, func(tx *wtx) error {
		for i := range 3 {
			if err := tx.execLater(ctx, insertSettingQuery, fmt.Sprintf("ct_big_%d", i), big); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := countSettings(t, st, "ct_big_"); n != 3 {
		t.Errorf("%d rows, want 3", n)
	}
}
