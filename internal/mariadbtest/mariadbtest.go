// Package mariadbtest starts a throw-away MariaDB server for tests: one per
// test binary, in a temporary directory, on its own socket and port, with
// a fresh database for each test that asks for one. Tests run against it
// when MORLITE_TEST_ENGINE=mysql; without a mariadbd on the machine they
// fail under CI (CI=true) and skip elsewhere, saying why.
package mariadbtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Password is the test user's password: tests check it never shows.
const Password = "pw-s3cret-9f2c"

// User is the test user's name.
const User = "morlite"

// Enabled reports whether the suites run on MySQL/MariaDB
// (MORLITE_TEST_ENGINE=mysql) rather than SQLite.
func Enabled() bool { return os.Getenv("MORLITE_TEST_ENGINE") == "mysql" }

// Server is a running throw-away mariadbd.
type Server struct {
	Dir  string // its data, socket and log
	Port int
	cmd  *exec.Cmd
	done chan struct{}
	root *sql.DB
}

var (
	mu      sync.Mutex
	shared  *Server
	lastErr error
	seq     atomic.Int64
)

// Shared returns the test binary's server, starting it on first use. A
// missing mariadbd fails the test under CI and skips it elsewhere.
func Shared(t testing.TB) *Server {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if shared == nil && lastErr == nil {
		shared, lastErr = Start()
	}
	if lastErr != nil {
		unavailable(t, lastErr)
	}
	return shared
}

// unavailable fails (CI) or skips (elsewhere) a test that needs MariaDB.
func unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("MariaDB is needed and did not start: %v", err)
	}
	t.Skipf("MariaDB is needed (apt-get install mariadb-server) and did not start: %v", err)
}

// URL returns the mysql:// URL of a new, empty database on the shared
// server.
func URL(t testing.TB) string {
	t.Helper()
	return Shared(t).NewDatabase(t)
}

// NewDatabase creates an empty database and returns its URL.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d_%d", os.Getpid(), seq.Add(1))
	if _, err := s.root.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatalf("create database: %v", err)
	}
	return s.URLOf(name)
}

// URLOf is the URL of database name on this server, as the test user.
func (s *Server) URLOf(name string) string {
	return fmt.Sprintf("mysql://%s:%s@127.0.0.1:%d/%s", User, Password, s.Port, name)
}

// Root runs statements as root, outside any store (the tests' way to change
// a database behind morlite's back).
func (s *Server) Root() *sql.DB { return s.root }

// Stop stops the shared server and removes its files; TestMain calls it.
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	if shared != nil {
		shared.Stop()
		shared = nil
	}
}

// Start installs a new server in a temporary directory (in memory when the
// machine has /dev/shm) and starts it.
func Start() (*Server, error) {
	bin, err := exec.LookPath("mariadbd")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/mariadbd"); serr != nil {
			return nil, errors.New("no mariadbd on this machine")
		}
		bin = "/usr/sbin/mariadbd"
	}
	base := ""
	if info, err := os.Stat("/dev/shm"); err == nil && info.IsDir() {
		base = "/dev/shm"
	}
	dir, err := os.MkdirTemp(base, "morlite-mariadb-")
	if err != nil {
		return nil, err
	}
	install := exec.Command("mariadb-install-db", "--no-defaults", "--datadir="+filepath.Join(dir, "data"),
		"--auth-root-authentication-method=normal", "--skip-test-db", "--user="+osUser())
	if out, err := install.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("mariadb-install-db: %v: %s", err, lastLines(out))
	}
	s := &Server{Dir: dir, Port: freePort()}
	if err := s.Start(bin); err != nil {
		s.Stop()
		return nil, err
	}
	if err := s.setup(); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// Start (re)starts mariadbd on the server's directory and port and waits
// until it answers.
func (s *Server) Start(bin string) error {
	if bin == "" {
		bin = "mariadbd"
	}
	s.cmd = exec.Command(bin, "--no-defaults", "--datadir="+filepath.Join(s.Dir, "data"),
		"--socket="+filepath.Join(s.Dir, "sock"), "--port="+strconv.Itoa(s.Port),
		"--bind-address=127.0.0.1", "--user="+osUser(), "--skip-name-resolve",
		"--pid-file="+filepath.Join(s.Dir, "pid"), "--log-error="+filepath.Join(s.Dir, "error.log"),
		"--innodb-buffer-pool-size=128M", "--max-connections=2000", "--innodb-flush-log-at-trx-commit=1")
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(s.cmd, s.done)
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr = "root", "unix", filepath.Join(s.Dir, "sock")
	cfg.Logger = quiet{}
	cfg.MultiStatements = true
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return err
	}
	if s.root != nil {
		s.root.Close()
	}
	s.root = sql.OpenDB(conn)
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := s.root.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(filepath.Join(s.Dir, "error.log"))
			return fmt.Errorf("mariadbd exited: %s", lastLines(log))
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mariadbd did not answer within a minute: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// setup creates the test user, with a password, reachable over TCP.
func (s *Server) setup() error {
	_, err := s.root.Exec("CREATE USER '" + User + "'@'%' IDENTIFIED BY '" + Password + "';" +
		"GRANT ALL ON *.* TO '" + User + "'@'%'")
	return err
}

// Signal sends sig to mariadbd (SIGSTOP: a server that stops answering
// without closing its connections; SIGCONT: it answers again).
func (s *Server) Signal(sig os.Signal) error { return s.cmd.Process.Signal(sig) }

// Kill SIGKILLs mariadbd and waits until it is gone.
func (s *Server) Kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		<-s.done
	}
}

// Stop shuts the server down and removes its files.
func (s *Server) Stop() {
	if s.root != nil {
		s.root.Close()
	}
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(20 * time.Second):
			s.Kill()
		}
	}
	os.RemoveAll(s.Dir)
}

// osUser is the account mariadbd runs as: itself, even as root.
func osUser() string {
	if os.Getuid() == 0 {
		return "root"
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return strconv.Itoa(os.Getuid())
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 33306
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func lastLines(b []byte) string {
	const n = 600
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// Open opens a database URL the way tests reach behind morlite's back:
// several statements per Exec, and the SQL mode morlite's sessions use, so
// that a test's SQL reads the same on both engines.
func Open(rawURL string) (*sql.DB, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", u.Host, strings.TrimPrefix(u.Path, "/")
	cfg.MultiStatements = true
	cfg.Logger = quiet{}
	cfg.Params = map[string]string{"sql_mode": "'ANSI_QUOTES,PIPES_AS_CONCAT,STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO'", "time_zone": "'+00:00'"}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(conn), nil
}

// quiet drops the driver's log lines (a test that kills the server makes
// it complain).
type quiet struct{}

func (quiet) Print(...any) {}
