package main

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const textDemoWarning = "serving the demo fixtures: their passwords and API secret are public; do not expose this server"

// TestDemoWarningOnEveryStart: the demo's public secrets are announced at
// every start that serves the demo, not only the start that loaded it; a
// world from another file is not announced.
func TestDemoWarningOnEveryStart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	for i := range 3 {
		_, stderr, stop := startServe(t, "--db", db)
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stderr.String(), textDemoWarning) {
			t.Errorf("start %d: no demo warning:\n%s", i+1, stderr)
		}
	}
	other := loadedDB(t, writeFixture(t, labFixture))
	for i := range 2 {
		_, stderr, stop := startServe(t, "--db", other)
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stderr.String(), textDemoWarning) {
			t.Errorf("start %d of a fixture file's world warns of the demo:\n%s", i+1, stderr)
		}
	}
}

// TestShutdownCutsSlowClient: a client that holds a connection past the
// grace period is cut, and the shutdown is still clean (run returns nil,
// so the process exits 0) with one line counting what was cut.
func TestShutdownCutsSlowClient(t *testing.T) {
	defer func(g time.Duration) { shutdownGrace = g }(shutdownGrace)
	shutdownGrace = 300 * time.Millisecond
	base, stderr, stop := startServe(t, "--db", filepath.Join(t.TempDir(), "m.db"))
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A request whose body never ends: the handler waits reading it.
	req := "POST /billing/api/dids_get HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nu=ad"
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if err := stop(); err != nil {
		t.Fatalf("shutdown with a slow client: %v", err)
	}
	if !strings.Contains(stderr.String(), "shutdown grace period over: connections cut") || !strings.Contains(stderr.String(), "cut=1") {
		t.Errorf("no line counting the cut connection:\n%s", stderr)
	}
}
