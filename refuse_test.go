package main

import (
	"bytes"
	"database/sql"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// skipOrFail skips a test that cannot run on this machine; under CI (which
// sets CI=true, as .ci/run does) it fails instead, so that a check CI is
// meant to run is never silently left out.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("CI: "+format, args...)
	}
	t.Skipf(format, args...)
}

// makeReadOnly makes path unwritable: by its mode for an ordinary user; as
// root (whom modes do not stop) with the immutable attribute.
func makeReadOnly(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if os.Geteuid() != 0 {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(path, 0o755) })
		return
	}
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		skipOrFail(t, "running as root and chattr +i is unavailable (%v: %s): cannot make %s read-only", err, out, path)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", path).Run() })
}

// refusalCase is a database morlite must refuse, the words its one line
// must carry besides the file's path, and what makes it unusable right
// before each run (nil when the file is unusable as it is).
type refusalCase struct {
	path, want string
	prepare    func(t *testing.T)
}

// refusalCases builds each kind of database morlite must refuse. The
// read-only cases are made read-only inside their own subtests, so that a
// machine that cannot do it skips those alone.
func refusalCases(t *testing.T) map[string]refusalCase {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("hello, this is not a database\n"), 0o644)
	foreign := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", foreign)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'x')"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// A morlite-looking file (goose's version table) whose tables clash
	// with the first migration: it cannot be migrated.
	clash := filepath.Join(dir, "clash.db")
	db, err = sql.Open("sqlite", clash)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER NOT NULL,
		is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')));
		INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, 1);
		CREATE TABLE settings (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	good := filepath.Join(dir, "good.db")
	if err := run(t.Context(), []string{"load", "--db", good}, io.Discard, io.Discard); err == nil {
		t.Fatal("load without fixtures succeeded")
	}
	readOnly := filepath.Join(dir, "ro.db")
	if err := run(t.Context(), []string{"load", "--db", readOnly, "--fixtures", writeFixture(t, crashFixture(1, 1))}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	roDir := filepath.Join(dir, "rodir")
	os.Mkdir(roDir, 0o755)
	return map[string]refusalCase{
		"TextFile":         {text, "is not a SQLite database", nil},
		"OtherProgramsDB":  {foreign, "is a SQLite database of another program, not a morlite database (tables: customers)", nil},
		"ReadOnlyFile":     {readOnly, "is not writable", func(t *testing.T) { makeReadOnly(t, readOnly, 0o444) }},
		"ReadOnlyDir":      {filepath.Join(roDir, "new.db"), "is not writable", func(t *testing.T) { makeReadOnly(t, roDir, 0o555) }},
		"Directory":        {dir, "is a directory", nil},
		"MissingDirectory": {filepath.Join(dir, "nope", "x.db"), "is not writable", nil},
		"UnmigratableDB":   {clash, "cannot be migrated to morlite's schema", nil},
	}
}

// TestStartupRefusesUnusableDatabase runs serve, load and export (the real
// main, in a child process) on each kind of unusable database: each exits
// with status 2 and one line naming the file, never a stack or a driver
// dump, and leaves the file as it was.
func TestStartupRefusesUnusableDatabase(t *testing.T) {
	for name, c := range refusalCases(t) {
		for _, cmd := range []string{"serve --addr 127.0.0.1:0", "load", "export"} {
			t.Run(name+"/"+strings.Fields(cmd)[0], func(t *testing.T) {
				if c.prepare != nil {
					c.prepare(t)
				}
				before, _ := os.ReadFile(c.path)
				var stderr bytes.Buffer
				p := runMain(t, cmd+" --db "+c.path)
				p.Stderr = &stderr
				err := p.Run()
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 2 {
					t.Fatalf("exit: %v, want status 2; stderr:\n%s", err, stderr.String())
				}
				want := "morlite: " + c.path + ": " + c.want
				if cmd == "export" && (strings.Contains(c.path, "nope") || strings.Contains(c.path, "new.db")) {
					want = "morlite: no database at " + c.path
				}
				line := stderr.String()
				if strings.Count(line, "\n") != 1 || !strings.HasPrefix(line, want) {
					t.Fatalf("stderr = %q, want one line starting %q", line, want)
				}
				for _, leak := range []string{"goroutine", "goose", ".go:", "panic", "SQL logic"} {
					if strings.Contains(line, leak) {
						t.Errorf("stderr leaks %q: %q", leak, line)
					}
				}
				if after, _ := os.ReadFile(c.path); !bytes.Equal(before, after) {
					t.Errorf("the refused file changed")
				}
			})
		}
	}
}

// TestDefaultAddressIsLoopback: serve listens on loopback unless told
// otherwise, and its help says so.
func TestDefaultAddressIsLoopback(t *testing.T) {
	host, _, err := net.SplitHostPort(defaultAddr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		t.Fatalf("default address %q is not loopback", defaultAddr)
	}
	t.Setenv("MORLITE_ADDR", "")
	var stderr bytes.Buffer
	err = run(t.Context(), []string{"serve", "-help"}, io.Discard, &stderr)
	if !errors.Is(err, flag.ErrHelp) && !strings.Contains(err.Error(), "help requested") {
		t.Fatalf("serve -help: %v", err)
	}
	if !strings.Contains(stderr.String(), `(default "127.0.0.1:8080")`) {
		t.Fatalf("serve's help does not show the loopback default:\n%s", stderr.String())
	}
}
