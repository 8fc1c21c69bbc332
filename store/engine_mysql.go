package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"

	"morlite/migrations"
)

// mysqlDialect: a server that many morlite processes share. A write
// transaction holds only the rows it locks, so its reads lock what they
// read; what the process keeps is checked against the world generation
// (worldcache.go).
var mysqlDialect = &dialect{
	name:         "mysql",
	goose:        goose.DialectMySQL,
	versions:     database.DialectMySQL,
	migrations:   func() (fs.FS, error) { return fs.Sub(migrations.MySQLFS, "mysql") },
	lockReads:    " FOR UPDATE",
	upsertSource: `INSERT INTO meta ("key", value) VALUES ('source', ?) ON DUPLICATE KEY UPDATE value = VALUES(value)`,
	// InnoDB checks a reference at each statement; a load turns the checks
	// off for its own session and back on before the connection is reused.
	deferChecks: "SET foreign_key_checks = 0",
	checksBack:  "SET foreign_key_checks = 1",
	// InnoDB's AUTO_INCREMENT counter does not go back when rows are
	// deleted; set this way it restarts after the largest id.
	// Each waits at most 2 s for the table's metadata lock: a waiting
	// ALTER would hold every other query on the table behind it.
	afterReset: []string{"SET STATEMENT lock_wait_timeout = 2 FOR ALTER TABLE addresses AUTO_INCREMENT = 1",
		"SET STATEMENT lock_wait_timeout = 2 FOR ALTER TABLE dids AUTO_INCREMENT = 1",
		"SET STATEMENT lock_wait_timeout = 2 FOR ALTER TABLE actions AUTO_INCREMENT = 1"},
	verifyRefs: verifyReferences,
	probe:      "SELECT 1",
	// MySQL's LIKE treats a backslash as an escape; SQLite's has none.
	likePattern: func(p string) string { return strings.ReplaceAll(p, `\`, `\\`) },
	// MariaDB's LIKE recurses at each %: 256 stay far inside the default
	// thread stack (thousands overran it in a test).
	likeWildcards: 256,
	shared:        true,
}

// galeraDialect is mysqlDialect on a Galera cluster node: a write
// transaction's reads take shared locks. A write replicated from another
// node checks the references of the rows it changes (the DID's user and
// device, the action's caller) under shared locks, and the node aborts any
// local transaction that holds one of those rows exclusively ("brute force
// abort"): with exclusive reads, writes to different DIDs of one user, or
// by one caller, through different nodes kept aborting each other. Shared
// locks still order two writes of one row: the second one's update waits,
// or one of them is chosen as a deadlock victim and runs again.
var galeraDialect = func() *dialect {
	d := *mysqlDialect
	d.lockReads = " LOCK IN SHARE MODE"
	return &d
}()

// sqlMode makes MySQL read morlite's queries as SQLite does: "key" is a
// name and || joins text; strict, so that a value that does not fit is an
// error and never silently cut; an explicit id 0 (MOR's admin) is stored
// as 0, not replaced by the next AUTO_INCREMENT value.
const sqlMode = "'ANSI_QUOTES,PIPES_AS_CONCAT,STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO'"

// mysqlConns is how many connections the MySQL write pool keeps: writes run
// side by side, each in its own transaction (InnoDB commits them as a
// group), and the server arbitrates between them with row locks.
const mysqlConns = 16

// mysqlConfig turns mysql://USER:PASSWORD@HOST[:PORT]/DBNAME[?params] into
// the driver's configuration with morlite's session settings, and returns
// the URL as logs may show it (the password as ***).
func mysqlConfig(raw string) (*mysql.Config, string, error) {
	shown := RedactURL(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, shown, errors.New("is not a MySQL URL (want mysql://USER:PASSWORD@HOST:PORT/DBNAME)")
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	if dbName == "" || strings.Contains(dbName, "/") {
		return nil, shown, errors.New("names no database (want mysql://USER:PASSWORD@HOST:PORT/DBNAME)")
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "3306")
	}
	socket, rawQuery, err := socketOf(u.RawQuery)
	if err != nil {
		return nil, shown, err
	}
	address := "tcp(" + host + ")"
	if socket != "" {
		// The path is set after parsing: a path may hold what the
		// driver's address syntax cannot ('@', "/...)/").
		address = "unix"
	}
	// The driver parses its own parameters (tls=, timeouts, ...).
	cfg, err := mysql.ParseDSN(address + "/" + dbName + "?" + rawQuery)
	if err != nil {
		return nil, shown, fmt.Errorf("has a parameter the MySQL driver refuses: %s", strings.TrimPrefix(err.Error(), "invalid DSN: "))
	}
	if socket != "" {
		cfg.Addr = socket
	}
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Logger = quietLogger{}
	cfg.InterpolateParams = true // one round trip per query
	cfg.ParseTime = false
	cfg.Loc = time.UTC
	if err := cfg.Apply(mysql.Charset("utf8mb4", ""),
		mysql.AddParam("collation_connection", "'utf8mb4_nopad_bin'"),
		mysql.AddParam("time_zone", "'+00:00'"),
		mysql.AddParam("sql_mode", sqlMode),
		mysql.AddParam("innodb_lock_wait_timeout", "10")); err != nil {
		return nil, shown, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 60 * time.Second
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = 60 * time.Second
	}
	return cfg, shown, nil
}

// socketOf takes the socket parameter out of a URL's query: a server on
// the same machine is reached through its Unix socket (?socket=PATH, the
// host then only a name), as MySQL's own clients do for localhost. It
// returns the socket's path ("" when there is none) and the rest of the
// query.
func socketOf(rawQuery string) (path, rest string, err error) {
	var kept []string
	for _, kv := range strings.Split(rawQuery, "&") {
		key, value, _ := strings.Cut(kv, "=")
		if key != "socket" {
			kept = append(kept, kv)
			continue
		}
		p, err := url.QueryUnescape(value)
		if err != nil || p == "" || path != "" {
			return "", "", errors.New("names its socket once, as a path (want ?socket=/run/mysqld/mysqld.sock)")
		}
		path = p
	}
	return path, strings.Join(kept, "&"), nil
}

// RedactURL returns a database URL with its password written as ***, as
// every log line, error and metric shows it. A SQLite path is returned as is.
func RedactURL(raw string) string {
	if !IsURL(raw) {
		return raw
	}
	rest := strings.TrimPrefix(raw, "mysql://")
	at := strings.LastIndex(strings.SplitN(rest, "/", 2)[0], "@")
	if at < 0 {
		return raw
	}
	userinfo := rest[:at]
	if user, _, ok := strings.Cut(userinfo, ":"); ok {
		userinfo = user + ":***"
	}
	return "mysql://" + userinfo + rest[at:]
}

// quietLogger drops the driver's own log lines: morlite logs each failure
// once, with what the request was.
type quietLogger struct{}

func (quietLogger) Print(...any) {}

// openMySQL connects to the database, refuses one of another program,
// migrates it, checks its durability settings, and opens the pools.
func openMySQL(ctx context.Context, raw string, opts ...Option) (*Store, error) {
	cfg, shown, err := mysqlConfig(raw)
	if err != nil {
		return nil, &OpenError{Path: shown, Problem: err.Error()}
	}
	probe, err := mysqlPool(cfg, 2)
	if err != nil {
		return nil, &OpenError{Path: shown, Problem: err.Error()}
	}
	defer func() { probe.Close() }()
	pctx, cancel := context.WithTimeout(ctx, cfg.Timeout+5*time.Second)
	defer cancel()
	if err := probe.PingContext(pctx); err != nil {
		return nil, &OpenError{Path: shown, Problem: "cannot be reached at " + cfg.Addr + ": " + firstLine(err)}
	}
	eng := mysqlDialect
	if galera(ctx, probe) {
		eng = galeraDialect
		// Reads wait until this node has applied every write committed
		// through the others before they began: the schema check and the
		// migrations below too (through a new probe), or an instance that
		// starts just after another migrated finds half a schema.
		if err := cfg.Apply(mysql.AddParam("wsrep_sync_wait", "1")); err != nil {
			return nil, err
		}
		probe.Close()
		if probe, err = mysqlPool(cfg, 2); err != nil {
			return nil, &OpenError{Path: shown, Problem: err.Error()}
		}
	}
	if err := checkOursMySQL(ctx, probe, shown); err != nil {
		return nil, err
	}
	if err := migrateMySQL(ctx, probe, shown); err != nil {
		return nil, err
	}
	s := &Store{file: shown, eng: eng, Now: time.Now, queueSize: DefaultQueueSize, maxBatch: DefaultMaxBatch,
		laterSize: laterSizeFor(cfg.MaxAllowedPacket)}
	for _, o := range opts {
		o(s)
	}
	s.warnings = durabilityWarnings(ctx, probe)
	wcfg := cfg.Clone()
	wcfg.MultiStatements = true // a transaction's statements travel together (conntx.go)
	if s.write, err = mysqlPool(wcfg, mysqlConns); err != nil {
		return nil, err
	}
	if s.reads.limits.Slots == 0 {
		// A read on MySQL mostly waits for the network and the server,
		// not for this process's CPU: as many run at once as writes do.
		s.reads.limits.Slots = mysqlConns
	}
	s.initLanes() // admit.go: the read pool has a connection for every admitted read
	if s.read, err = mysqlPool(cfg, s.readPoolSize()); err != nil {
		s.write.Close()
		return nil, err
	}
	s.startWriter()
	return s, nil
}

// mysqlPool opens a pool of at most n connections.
func mysqlPool(cfg *mysql.Config, n int) (*sql.DB, error) {
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(30 * time.Minute)
	return db, nil
}

// galera reports whether the server is a Galera cluster node.
func galera(ctx context.Context, db *sql.DB) bool {
	var on sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT @@wsrep_on").Scan(&on); err != nil {
		return false // not MariaDB, or built without wsrep
	}
	return on.String == "1" || strings.EqualFold(on.String, "ON")
}

// checkOursMySQL refuses a database that holds tables but no goose version
// table: another program's, which morlite must not write into.
func checkOursMySQL(ctx context.Context, db *sql.DB, shown string) error {
	tables, err := queryAll(ctx, db, func(r scanner) (string, error) {
		var n string
		return n, r.Scan(&n)
	}, "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name")
	if err != nil {
		return &OpenError{Path: shown, Problem: "cannot be read: " + firstLine(err)}
	}
	for _, t := range tables {
		if t == goose.DefaultTablename {
			return nil
		}
	}
	if len(tables) > 0 {
		if len(tables) > 5 {
			tables = append(tables[:5], "...")
		}
		return &OpenError{Path: shown, Problem: "is a database of another program, not a morlite database (tables: " + strings.Join(tables, ", ") + ")"}
	}
	return nil
}

// migrateMySQL runs the embedded MySQL migrations. Instances that start
// together take turns through a named lock, so that only one migrates.
func migrateMySQL(ctx context.Context, db *sql.DB, shown string) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return &OpenError{Path: shown, Problem: "cannot be reached: " + firstLine(err)}
	}
	defer conn.Close()
	var got sql.NullInt64
	// Galera refuses GET_LOCK; the instances then rely on goose alone.
	if conn.QueryRowContext(ctx, "SELECT GET_LOCK('morlite_migrate', 60)").Scan(&got) == nil && got.Int64 == 1 {
		defer conn.ExecContext(context.WithoutCancel(ctx), "DO RELEASE_LOCK('morlite_migrate')")
	}
	fsys, err := mysqlDialect.migrations()
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectMySQL, db, fsys)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return &OpenError{Path: shown, Problem: "cannot be migrated to morlite's schema: " + rootCause(err)}
	}
	return nil
}

// durabilityWarnings names the server settings under which a write morlite
// answered as a success could be lost when the database host crashes.
func durabilityWarnings(ctx context.Context, db *sql.DB) []string {
	var flush, logBin, syncBinlog sql.NullInt64
	err := db.QueryRowContext(ctx, "SELECT @@innodb_flush_log_at_trx_commit, @@log_bin, @@sync_binlog").Scan(&flush, &logBin, &syncBinlog)
	if err != nil {
		return []string{"could not read the server's durability settings: " + firstLine(err)}
	}
	var out []string
	if flush.Int64 != 1 {
		out = append(out, fmt.Sprintf("innodb_flush_log_at_trx_commit is %d, not 1: a crash of the database host can lose writes morlite answered as done", flush.Int64))
	}
	if logBin.Int64 == 1 && syncBinlog.Int64 != 1 {
		out = append(out, fmt.Sprintf("sync_binlog is %d, not 1, with binary logging on: a crash of the database host can lose writes from the binary log (and from replicas)", syncBinlog.Int64))
	}
	return out
}

// Warnings returns what the store found worth an operator's attention at
// open (the MySQL server's durability settings); none on SQLite.
func (s *Store) Warnings() []string { return s.warnings }

// mysqlError numbers morlite acts on.
const (
	erDupEntry      = 1062 // a unique key taken by a concurrent insert
	erLockWait      = 1205 // innodb_lock_wait_timeout
	erDeadlock      = 1213 // a deadlock, or a Galera certification conflict
	erServerGone    = 1053 // the server is shutting down
	erConnKilled    = 1927 // the connection was killed
	erWsrepNotReady = 1047 // a Galera node that is not part of the cluster
	erTooManyConns  = 1040
)

// conflict reports an error after which the whole method runs again: the
// engine chose this transaction to give way to another.
func conflict(err error) bool {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	switch me.Number {
	case erDeadlock, erLockWait, erDupEntry:
		return true
	}
	return false
}

// Unavailable reports whether err means the database could not be reached
// or dropped the connection: the outcome of a write is then unknown, and
// the answer is "Server busy", never a success and never the driver's text.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case erServerGone, erConnKilled, erWsrepNotReady, erTooManyConns:
			return true
		}
		return false
	}
	var ne net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.As(err, &ne)
}

// verifyReferences finds, for every foreign key of the schema, a row whose
// reference names no row: what InnoDB would have refused had a load not
// turned its checks off.
func verifyReferences(ctx context.Context, tx *wtx) error {
	type fk struct{ table, column, parent, parentColumn string }
	keys, err := queryAll(ctx, tx.Tx, func(r scanner) (fk, error) {
		var k fk
		return k, r.Scan(&k.table, &k.column, &k.parent, &k.parentColumn)
	}, `SELECT table_name, column_name, referenced_table_name, referenced_column_name
		FROM information_schema.key_column_usage
		WHERE table_schema = DATABASE() AND referenced_table_name IS NOT NULL`)
	if err != nil {
		return err
	}
	for _, k := range keys {
		var id any
		err := tx.Tx.QueryRowContext(ctx, "SELECT c."+k.column+" FROM "+k.table+" c WHERE c."+k.column+
			" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "+k.parent+" p WHERE p."+k.parentColumn+" = c."+k.column+") LIMIT 1").Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("%s.%s %s names no %s row", k.table, k.column, id, k.parent)
	}
	return nil
}
