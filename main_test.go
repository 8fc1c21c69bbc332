package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"morlite/internal/mariadbtest"
)

// TestMain lets a test run the real main in a child process: the test
// binary re-executes itself with MORLITE_TEST_MAIN=1.
func TestMain(m *testing.M) {
	if os.Getenv("MORLITE_TEST_MAIN") == "1" {
		os.Args = append([]string{"morlite"}, strings.Fields(os.Getenv("MORLITE_TEST_ARGS"))...)
		main()
		os.Exit(0)
	}
	code := m.Run()
	mariadbtest.Stop()
	os.Exit(code)
}

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs `morlite serve` in-process on port 0 and returns its base
// URL and a stop function that returns run's error.
func startServe(t *testing.T, args ...string) (string, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), stdout, stderr) }()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if _, addr, ok := strings.Cut(stdout.String(), "listening on "); ok {
			stop := func() error { cancel(); return <-done }
			return strings.TrimSpace(addr), stderr, stop
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve ended early: %v\n%s", err, stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("serve did not start:\n%s", stderr)
	return "", nil, nil
}

const seedQuery = "/billing/api/did_trunk_device_assign?u=username&did=123456789&device_id=1&hash=bc2f114099d16656d37e45fd9e8744cb9386d462"

func postText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Post(url, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// TestServeDemoSeedRequest is the README's promise: serve with defaults, run
// the seed page's request as printed, and see it succeed; a restart keeps it.
func TestServeDemoSeedRequest(t *testing.T) {
	db := filepath.Join(t.TempDir(), "morlite.db")
	base, stderr, stop := startServe(t, "--db", db)
	if body := postText(t, base+seedQuery); !strings.Contains(body, "<success>Device assigned to DID</success>") {
		t.Fatalf("seed request: %s", body)
	}
	if !strings.Contains(stderr.String(), "serving the demo") || !strings.Contains(stderr.String(), "hash_mode is compatible") {
		t.Errorf("no demo warning in the log:\n%s", stderr)
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}

	base, _, stop = startServe(t, "--db", db)
	if body := postText(t, base+seedQuery); !strings.Contains(body, "<error>DID is not free</error>") {
		t.Fatalf("after restart the assignment is gone: %s", body)
	}
	stop()

	base, _, stop = startServe(t, "--db", db, "--reset")
	if body := postText(t, base+seedQuery); !strings.Contains(body, "Device assigned to DID") {
		t.Fatalf("--reset did not reload the demo: %s", body)
	}
	stop()
}

func TestServeRefusesFixturesOnNonEmptyDatabase(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "morlite.db")
	fx := filepath.Join(dir, "lab.yaml")
	os.WriteFile(fx, []byte("users:\n  - {id: 0, username: root, usertype: admin}\n"), 0o600)
	if err := run(context.Background(), []string{"load", "--db", db, "--fixtures", fx}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"serve", "--db", db, "--fixtures", fx, "--addr", "127.0.0.1:0"}, io.Discard, io.Discard)
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--reset") {
		t.Fatalf("serve on a non-empty database = %v, want a refusal naming --reset", err)
	}
	if err := run(context.Background(), []string{"load", "--db", db, "--fixtures", fx}, io.Discard, io.Discard); !errors.As(err, &ue) {
		t.Fatalf("load on a non-empty database = %v, want a refusal", err)
	}
	if err := run(context.Background(), []string{"load", "--db", db, "--fixtures", fx, "--reset"}, io.Discard, io.Discard); err != nil {
		t.Fatalf("load --reset: %v", err)
	}
}

func TestLoadExportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var first, second bytes.Buffer
	demo := filepath.Join(dir, "demo.db")
	if err := run(ctx, []string{"load", "--db", demo, "--fixtures", "fixtures/demo.yaml"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"export", "--db", demo}, &first, io.Discard); err != nil {
		t.Fatal(err)
	}
	fx := filepath.Join(dir, "export.yaml")
	os.WriteFile(fx, first.Bytes(), 0o600)
	again := filepath.Join(dir, "again.db")
	if err := run(ctx, []string{"load", "--db", again, "--fixtures", fx}, io.Discard, io.Discard); err != nil {
		t.Fatalf("loading the export: %v\n%s", err, first.String())
	}
	if err := run(ctx, []string{"export", "--db", again}, &second, io.Discard); err != nil {
		t.Fatal(err)
	}
	if first.String() != second.String() {
		t.Fatalf("export(load(export)) differs:\n%s\n---\n%s", first.String(), second.String())
	}
	if strings.Contains(first.String(), "password:") || !strings.Contains(first.String(), "password_hash") {
		t.Fatal("export must write password_hash, never password")
	}
}

func TestExportRefusesMissingDatabase(t *testing.T) {
	var ue usageError
	err := run(context.Background(), []string{"export", "--db", filepath.Join(t.TempDir(), "none.db")}, io.Discard, io.Discard)
	if !errors.As(err, &ue) {
		t.Fatalf("export of a missing file = %v", err)
	}
}

func TestHashCommand(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--secret", "secret", "did=123456789", "device_id=1"}, "params: device_id did\nhash: cb9dff0d59f7ffaf036d55b57c817bf528edb54a\n"},
		{[]string{"--secret", "secret", "--legacy", "did=123456789", "device_id=1"}, "params: device_id\nhash: bc2f114099d16656d37e45fd9e8744cb9386d462\n"},
		{[]string{"--secret", "secret", "--method", "users_get", "u=admin", "p=admin1"}, "params: u p\nhash: c420ef706a02e6449994b7575b25ef5f74cc722b\n"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if err := run(context.Background(), append([]string{"hash"}, tt.args...), &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if out.String() != tt.want {
			t.Errorf("hash %v:\n%s\nwant\n%s", tt.args, out.String(), tt.want)
		}
		if strings.Contains(out.String(), "secret") {
			t.Error("hash printed the secret")
		}
	}
}

func TestBadFixtureNamesLine(t *testing.T) {
	dir := t.TempDir()
	fx := filepath.Join(dir, "lab.yaml")
	os.WriteFile(fx, []byte("users:\n  - {id: 0, username: root, usertype: admin}\n  - {id: 1, username: x, colour: red}\n"), 0o600)
	err := run(context.Background(), []string{"load", "--db", filepath.Join(dir, "x.db"), "--fixtures", fx}, io.Discard, io.Discard)
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "lab.yaml:3") {
		t.Fatalf("bad fixture = %v, want a refusal naming lab.yaml:3", err)
	}
}

func TestEnvironmentAndFlagPrecedence(t *testing.T) {
	dir := t.TempDir()
	fx := filepath.Join(dir, "lab.yaml")
	os.WriteFile(fx, []byte("users:\n  - {id: 0, username: root, usertype: admin}\n"), 0o600)
	t.Setenv("MORLITE_DB", filepath.Join(dir, "env.db"))
	t.Setenv("MORLITE_FIXTURES", fx)
	if err := run(context.Background(), []string{"load"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "env.db")); err != nil {
		t.Fatal("MORLITE_DB was not used")
	}
	if err := run(context.Background(), []string{"load", "--db", filepath.Join(dir, "flag.db")}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "flag.db")); err != nil {
		t.Fatal("--db did not win over MORLITE_DB")
	}
}

// runMain runs the real main in a child process.
func runMain(t *testing.T, args string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "MORLITE_TEST_MAIN=1", "MORLITE_TEST_ARGS="+args)
	return cmd
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	for args, want := range map[string]int{
		"frobnicate":                             2,
		"load --db " + dir + "/a.db":             2,
		"load --db " + dir + "/a.db --no-such":   2,
		"export --db " + dir + "/missing.db":     2,
		"serve --db " + dir + "/b.db --addr :-1": 1,
	} {
		err := runMain(t, args).Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != want {
			t.Errorf("morlite %s: %v, want exit status %d", args, err, want)
		}
	}
}

// TestGracefulShutdownOnSIGTERM starts the real main, sends SIGTERM, and
// expects a clean exit with the database closed.
func TestGracefulShutdownOnSIGTERM(t *testing.T) {
	db := filepath.Join(t.TempDir(), "morlite.db")
	cmd := runMain(t, "serve --addr 127.0.0.1:0 --db "+db)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.Contains(line, "listening on") {
		t.Fatalf("no listening line: %q %v", line, err)
	}
	base := strings.TrimSpace(strings.SplitN(line, "listening on ", 2)[1])
	if body := postText(t, base+seedQuery); !strings.Contains(body, "Device assigned to DID") {
		t.Fatalf("seed request: %s", body)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	var exported bytes.Buffer
	if err := run(context.Background(), []string{"export", "--db", db}, &exported, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(exported.String(), `did: "123456789", status: active`) {
		t.Fatalf("the answered assignment is not in the database after shutdown:\n%s", exported.String())
	}
}
