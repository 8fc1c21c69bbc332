package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// crashSecret is the API key of crashFixture's world.
const crashSecret = "crash-test-secret"

// crashFixture is a world for n clients: the admin, one plain user (bob),
// and for each client c its own trunk device c+1 and perClient DIDs
// reserved for bob, numbered crashNumber(c, k). hash_mode is strict.
func crashFixture(n, perClient int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `settings: {allow_api: true, api_secret_key: %s, hash_mode: strict}
users:
  - {id: 0, username: admin, usertype: admin}
  - {id: 5, username: bob, usertype: user, owner_id: 0}
devices:
`, crashSecret)
	for c := 0; c < n; c++ {
		fmt.Fprintf(&b, "  - {id: %d, user_id: 5, name: \"t%d\", extension: \"%d\", istrunk: 1}\n", c+1, c, 1000+c)
	}
	b.WriteString("dids:\n")
	for c := 0; c < n; c++ {
		for k := 0; k < perClient; k++ {
			fmt.Fprintf(&b, "  - {id: %d, did: \"%s\", status: reserved, user_id: 5}\n", crashDIDID(c, k, perClient), crashNumber(c, k))
		}
	}
	return b.String()
}

// crashDIDID is client c's k-th DID's id.
func crashDIDID(c, k, perClient int) int64 { return int64(c*perClient + k + 1) }

// crashNumber is client c's k-th DID's number.
func crashNumber(c, k int) string { return fmt.Sprintf("3706%04d%03d", c, k) }

// writeFixture writes a fixture text to a temp file and returns its path.
func writeFixture(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fixture.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
