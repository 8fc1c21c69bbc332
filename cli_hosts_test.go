package main

import (
	"net/http"
	"strings"
	"testing"
)

// hostStatus sends method path to base with that Host and the demo's
// bearer key, and returns the status and body.
func hostStatus(t *testing.T, base, host, method, path string) (int, string) {
	t.Helper()
	return bearerStatus(t, method, base+path, host)
}

// hostPaths are one request of each kind: sandbox, health, metrics, API,
// pages, and a path nothing routes.
var hostPaths = []struct{ method, path string }{
	{"POST", "/sandbox/reset"},
	{"GET", "/healthz"},
	{"GET", "/metrics"},
	{"GET", "/billing/api/dids_get?u=admin"},
	{"GET", "/billing/callc/login"},
	{"GET", "/no/such/path"},
}

// TestServeRefusesForeignHost: a server on loopback answers only to
// loopback names (DNS rebinding), whatever the path, unless the operator
// names more with --allow-host or MORLITE_ALLOW_HOSTS.
func TestServeRefusesForeignHost(t *testing.T) {
	base, _, stop := startServe(t, "--db", t.TempDir()+"/m.db")
	defer stop()
	port := base[strings.LastIndex(base, ":"):]
	for _, host := range []string{"rebind.attacker.example", "rebind.attacker.example" + port, "localhost.attacker.example", "10.0.0.1" + port} {
		for _, p := range hostPaths {
			code, body := hostStatus(t, base, host, p.method, p.path)
			if code != http.StatusForbidden || !strings.HasPrefix(body, "Forbidden: this server answers only to its own host names") {
				t.Errorf("Host %q %s %s: HTTP %d, want 403", host, p.method, p.path, code)
			}
		}
	}
	for _, host := range []string{"localhost" + port, "LOCALHOST", "127.0.0.1" + port, "[::1]" + port, "127.0.0.2"} {
		if code, body := hostStatus(t, base, host, "GET", "/healthz"); code != http.StatusOK {
			t.Errorf("Host %q: HTTP %d %q, want 200", host, code, body)
		}
	}
	if code, body := hostStatus(t, base, "localhost"+port, "POST", "/sandbox/reset"); code != http.StatusOK {
		t.Errorf("reset from localhost: HTTP %d %q", code, body)
	}
}

func TestServeAllowHost(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  string
	}{
		{"Flag", []string{"--allow-host", "morlite.test, rebind.attacker.example"}, ""},
		{"Environment", nil, "rebind.attacker.example"},
		{"Any", []string{"--allow-host", "*"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("MORLITE_ALLOW_HOSTS", tc.env)
			base, _, stop := startServe(t, append([]string{"--db", t.TempDir() + "/m.db"}, tc.args...)...)
			defer stop()
			if code, body := hostStatus(t, base, "rebind.attacker.example:8080", "POST", "/sandbox/reset"); code != http.StatusOK {
				t.Errorf("named host: HTTP %d %q, want 200", code, body)
			}
			if code, _ := hostStatus(t, base, "localhost", "GET", "/healthz"); code != http.StatusOK {
				t.Errorf("localhost: HTTP %d, want 200", code)
			}
			code, _ := hostStatus(t, base, "other.example", "GET", "/healthz")
			if want := http.StatusForbidden; tc.name == "Any" && code != http.StatusOK || tc.name != "Any" && code != want {
				t.Errorf("other.example: HTTP %d", code)
			}
		})
	}
}
