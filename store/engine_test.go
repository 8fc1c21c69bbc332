package store

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"morlite/domain"
	"morlite/internal/mariadbtest"
)

// The suite runs on SQLite, and again on MariaDB with
// MORLITE_TEST_ENGINE=mysql (.ci/run runs both).
func TestMain(m *testing.M) {
	code := m.Run()
	mariadbtest.Stop()
	os.Exit(code)
}

// sqliteOnly passes over a test of something only SQLite has when the suite
// runs on MySQL; the SQLite run of the suite runs it.
func sqliteOnly(t *testing.T, what string) {
	t.Helper()
	if mariadbtest.Enabled() {
		t.Skip("engine-specific: " + what + " (run by the SQLite pass)")
	}
}

// mysqlOnly passes over a test of what only the MySQL engine does when the
// suite runs on SQLite; the MySQL pass of the suite runs it.
func mysqlOnly(t *testing.T, what string) {
	t.Helper()
	if !mariadbtest.Enabled() {
		t.Skip("engine-specific: " + what + " (run by the MySQL pass)")
	}
}

// mysqlStore opens a fresh MariaDB database.
func mysqlStore(t *testing.T, what string) (*Store, string) {
	t.Helper()
	mysqlOnly(t, what)
	url := mariadbtest.URL(t)
	st, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, url
}

// TestIdentifiersCompareExactly: usernames and DID numbers match byte for
// byte on both engines (MySQL's default collations would not).
func TestIdentifiersCompareExactly(t *testing.T) {
	st, _ := openLoaded(t)
	ctx := context.Background()
	for _, name := range []string{"ADMIN", "admin ", "Admin", "ädmin"} {
		if u, err := st.UserByUsername(ctx, name); !errors.Is(err, ErrNotFound) {
			t.Errorf("user %q = %+v, %v; want not found", name, u, err)
		}
	}
	if _, err := st.UserByUsername(ctx, "admin"); err != nil {
		t.Fatal(err)
	}
	if d, err := st.DIDByNumber(ctx, "37060000001 "); !errors.Is(err, ErrNotFound) {
		t.Errorf("DID with a trailing space = %+v, %v; want not found", d, err)
	}
}

// TestMySQLSession asserts the session settings the answers rest on: UTC,
// the SQL mode that reads morlite's queries as SQLite does, and binary
// comparison.
func TestMySQLSession(t *testing.T) {
	st, _ := mysqlStore(t, "MySQL's session settings")
	ctx := context.Background()
	for _, db := range []struct {
		name string
		q    queryer
	}{{"read", st.read}, {"write", st.write}} {
		var tz, mode, coll string
		err := db.q.QueryRowContext(ctx, "SELECT @@session.time_zone, @@session.sql_mode, @@collation_connection").Scan(&tz, &mode, &coll)
		if err != nil {
			t.Fatal(err)
		}
		if tz != "+00:00" || coll != "utf8mb4_nopad_bin" {
			t.Errorf("%s pool: time_zone %q, collation %q", db.name, tz, coll)
		}
		for _, m := range []string{"ANSI_QUOTES", "PIPES_AS_CONCAT", "STRICT_ALL_TABLES", "NO_AUTO_VALUE_ON_ZERO"} {
			if !strings.Contains(mode, m) {
				t.Errorf("%s pool: sql_mode %q lacks %s", db.name, mode, m)
			}
		}
	}
	if len(st.Warnings()) != 0 {
		t.Errorf("durability warnings on a durable server: %v", st.Warnings())
	}
}

// TestMySQLRetriesDeadlocks: two writes that lock the same two rows in
// opposite orders deadlock; InnoDB rolls one back, and it runs again and
// succeeds, counted as a retry.
func TestMySQLRetriesDeadlocks(t *testing.T) {
	st, _ := mysqlStore(t, "InnoDB's deadlocks")
	ctx := context.Background()
	if err := st.Load(ctx, demoWorld(t), false); err != nil {
		t.Fatal(err)
	}
	var first, second sync.WaitGroup
	first.Add(2)
	write := func(a, b int) error {
		tries := 0
		return st.writeTx(ctx, func(tx *wtx) error {
			tries++
			if _, err := tx.ExecContext(ctx, "UPDATE dids SET comment = 'x' WHERE id = ?", a); err != nil {
				return err
			}
			if tries == 1 {
				first.Done()
				first.Wait() // both hold their first row
			}
			_, err := tx.ExecContext(ctx, "UPDATE dids SET comment = 'y' WHERE id = ?", b)
			return err
		})
	}
	errs := make([]error, 2)
	second.Add(2)
	go func() { defer second.Done(); errs[0] = write(1, 2) }()
	go func() { defer second.Done(); errs[1] = write(2, 1) }()
	second.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("writes failed: %v", errs)
	}
	if r := st.WriteStats().Retries; r < 1 {
		t.Fatalf("%d retries, want the deadlock's loser run again", r)
	}
}

// TestMySQLConflictAnswers: a write that keeps giving way answers its
// method's failure text, or Server busy when it has none, with nothing
// half-applied.
func TestMySQLConflictAnswers(t *testing.T) {
	deadlock := conflictError{errors.New("Error 1213: Deadlock found")}
	if got := domain.AsError(writeFailed(deadlock, domain.ErrDeviceNotAssigned)); got != domain.ErrDeviceNotAssigned {
		t.Errorf("assign: %v", got)
	}
	if got := domain.AsError(deadlock); got != domain.ErrBusy {
		t.Errorf("a method without a failure text: %v", got)
	}
}

// TestRedactURL: the password never shows.
func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"mysql://u:p%40ss@db:3306/m?tls=true": "mysql://u:***@db:3306/m?tls=true",
		"mysql://u:p@ss@db/m":                 "mysql://u:***@db/m",
		"mysql://u@db/m":                      "mysql://u@db/m",
		"/var/lib/morlite.db":                 "/var/lib/morlite.db",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMySQLRefusals: an unreachable server and a database of another
// program are refused with the host, never the password.
func TestMySQLRefusals(t *testing.T) {
	mysqlOnly(t, "MySQL's refusals")
	srv := mariadbtest.Shared(t)
	ctx := context.Background()
	_, err := Open(ctx, "mysql://morlite:"+mariadbtest.Password+"@127.0.0.1:1/x")
	var oe *OpenError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "127.0.0.1:1") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("unreachable: %v", err)
	}
	url := srv.NewDatabase(t)
	name := url[strings.LastIndex(url, "/")+1:]
	if _, err := srv.Root().Exec("CREATE TABLE " + name + ".customers (id INT)"); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, url)
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "another program") || !strings.Contains(err.Error(), "customers") {
		t.Errorf("foreign database: %v", err)
	}
	for _, e := range []error{err} {
		if e != nil && strings.Contains(e.Error(), mariadbtest.Password) {
			t.Errorf("the password shows: %v", e)
		}
	}
}

// TestMySQLSocket: ?socket=PATH reaches the server through its Unix
// socket, whatever the host says, whatever characters its path holds; a
// socket that is not there is refused
// naming its path, never the password; a socket named twice is refused.
func TestMySQLSocket(t *testing.T) {
	mysqlOnly(t, "MySQL's Unix socket")
	srv := mariadbtest.Shared(t)
	ctx := context.Background()
	tcp := srv.NewDatabase(t)
	name := tcp[strings.LastIndex(tcp, "/")+1:]
	sock := filepath.Join(srv.Dir, "sock")
	base := "mysql://" + mariadbtest.User + ":" + mariadbtest.Password + "@localhost/" + name
	st, err := Open(ctx, base+"?socket="+url.QueryEscape(sock)+"&timeout=3s")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.writeTx(ctx, func(tx *wtx) error { return tx.execLater(ctx, insertSettingQuery, "via_socket", "1") }); err != nil {
		t.Fatal(err)
	}
	var via string
	if err := st.read.QueryRowContext(ctx, "SELECT value FROM settings WHERE name = 'via_socket'").Scan(&via); err != nil || via != "1" {
		t.Fatalf("a write through the socket reads back %q, %v", via, err)
	}
	var host string
	if err := st.read.QueryRowContext(ctx, "SELECT host FROM information_schema.processlist WHERE id = CONNECTION_ID()").Scan(&host); err != nil || host != "localhost" {
		t.Errorf("connected from %q (%v), want localhost: the socket", host, err)
	}
	// A socket's path may hold what the driver's address syntax cannot
	// ('@', the end of its credentials): here a link to the server's.
	odd := filepath.Join(t.TempDir(), "mysqld@main")
	if err := os.Mkdir(odd, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(sock, filepath.Join(odd, "sock")); err != nil {
		t.Fatal(err)
	}
	viaOdd, err := Open(ctx, base+"?socket="+url.QueryEscape(filepath.Join(odd, "sock")))
	if err != nil {
		t.Fatalf("a socket path with '@': %v", err)
	}
	viaOdd.Close()
	missing := filepath.Join(t.TempDir(), "no.sock")
	_, err = Open(ctx, base+"?socket="+missing)
	var oe *OpenError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), missing) || strings.Contains(err.Error(), mariadbtest.Password) {
		t.Errorf("missing socket: %v", err)
	}
	_, err = Open(ctx, base+"?socket="+sock+"&socket="+sock)
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "names its socket once") {
		t.Errorf("two sockets: %v", err)
	}
}

// TestMySQLStalledServerBoundsReads: an exact-number dids_get gives up on a
// server that stops answering (SIGSTOP) within about the read lane's
// timeout, as "Server busy"; once the server answers again, so do the
// reads.
func TestMySQLStalledServerBoundsReads(t *testing.T) {
	mysqlOnly(t, "a MySQL server that stops answering")
	srv, err := mariadbtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	ctx := context.Background()
	st, err := Open(ctx, srv.NewDatabase(t), WithReadLimits(LaneLimits{Slots: 4, Wait: time.Second, Timeout: 500 * time.Millisecond, Queue: 16}))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Load(ctx, demoWorld(t), false); err != nil {
		t.Fatal(err)
	}
	admin := domain.Caller{User: &domain.User{ID: 0, UserType: domain.Admin}}
	exact := "37060000001"
	search := domain.DIDSearch{Caller: admin, Number: &exact}
	if _, err := st.SearchDIDs(ctx, search); err != nil {
		t.Fatal(err)
	}
	if err := srv.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = st.SearchDIDs(ctx, search)
	took := time.Since(start)
	if err := srv.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if !Unavailable(err) && !errors.Is(err, domain.ErrBusy) {
		t.Errorf("a read from a stalled server: %v, want Server busy", err)
	}
	if took > 3*time.Second {
		t.Errorf("a read from a stalled server gave up after %v, want about the lane's 500ms", took)
	}
	if got, err := st.SearchDIDs(ctx, search); err != nil || len(got) != 1 {
		t.Errorf("a read once the server answers again: %v, %v", got, err)
	}
}

// TestMySQLDurabilityWarning: a server that may lose committed writes on a
// crash of its host is named in a warning at open.
func TestMySQLDurabilityWarning(t *testing.T) {
	mysqlOnly(t, "MySQL's durability settings")
	srv := mariadbtest.Shared(t)
	if _, err := srv.Root().Exec("SET GLOBAL innodb_flush_log_at_trx_commit = 2"); err != nil {
		t.Fatal(err)
	}
	defer srv.Root().Exec("SET GLOBAL innodb_flush_log_at_trx_commit = 1")
	st, _ := mysqlStore(t, "MySQL's durability settings")
	if w := st.Warnings(); len(w) != 1 || !strings.Contains(w[0], "innodb_flush_log_at_trx_commit is 2") {
		t.Fatalf("warnings %q", w)
	}
}

// TestIDsFollowTheLoadedOnesAfterAReset: after a reset, a new DID's id
// follows the largest one loaded, as on a new database (MySQL's
// AUTO_INCREMENT does not go back by itself when rows are deleted).
func TestIDsFollowTheLoadedOnesAfterAReset(t *testing.T) {
	ctx := context.Background()
	st, _ := openLoaded(t)
	admin := adminCaller(t, st)
	first, err := st.CreateDID(ctx, admin, "1", "555000111")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateDID(ctx, admin, "1", "555000112"); err != nil {
		t.Fatal(err)
	}
	if err := st.Load(ctx, demoWorld(t), true); err != nil {
		t.Fatal(err)
	}
	again, err := st.CreateDID(ctx, admin, "1", "555000113")
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID {
		t.Fatalf("the first DID after the reset has id %d, want %d as after the first load", again.ID, first.ID)
	}
}
