package server

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"morlite/domain"
)

// secretsWorld has a distinctive secret in every place one can hide: the
// API key, a reseller's key, passwords (two users share one) and a device
// secret.
const secretsWorld = `settings: {allow_api: true, api_secret_key: Kx9-global-api-key-7Qw, hash_mode: strict}
users:
  - {id: 0, username: admin, usertype: admin, password: Adm1n-pass-word}
  - {id: 3, username: rs, usertype: reseller, owner_id: 0, api_secret_key: Rz4-reseller-key-1Lp, password: Shared-pass-word}
  - {id: 5, username: bob, usertype: user, owner_id: 0, password: Shared-pass-word}
devices:
  - {id: 1, user_id: 5, name: "t1", extension: "101", istrunk: 1, secret: Dv7-device-secret-3Zt}
dids:
  - {id: 1, did: "123456789", status: reserved, user_id: 5}
`

var worldSecrets = []string{"Kx9-global-api-key-7Qw", "Rz4-reseller-key-1Lp", "Adm1n-pass-word", "Shared-pass-word", "Dv7-device-secret-3Zt"}

// TestLogsHoldNoSecret captures the log of a request with a wrong hash, a
// successful one and one whose write fails, and finds in it neither a
// secret nor any hash the server expected.
func TestLogsHoldNoSecret(t *testing.T) {
	e := newEnv(t, secretsWorld)
	params := domain.Params{"u": "admin", "device_id": "1", "did": "123456789"}
	_, text := domain.HashInput("did_trunk_device_assign", params, domain.Documented)
	expected := domain.Hash(text, "Kx9-global-api-key-7Qw")
	_, legacy := domain.HashInput("did_trunk_device_assign", params, domain.Legacy)
	expectedLegacy := domain.Hash(legacy, "Kx9-global-api-key-7Qw")

	wrong := sign("did_trunk_device_assign", "admin", "device_id", "1", "did", "123456789")
	wrong.Set("hash", strings.Repeat("0", 40))
	if got := answerText(t, e.post("did_trunk_device_assign", wrong).Body.String()); got != "Incorrect hash" {
		t.Fatalf("wrong hash answered %q", got)
	}
	good := wrong
	good.Set("hash", expected)
	if got := answerText(t, e.post("did_trunk_device_assign", good).Body.String()); got != "Device assigned to DID" {
		t.Fatalf("signed request answered %q", got)
	}
	e.exec("CREATE TRIGGER fail BEFORE UPDATE ON dids BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
	unassign := sign("did_device_unassign", "admin", "did", "123456789")
	unassign.Set("hash", domain.Hash("123456789", "Kx9-global-api-key-7Qw"))
	if got := answerText(t, e.post("did_device_unassign", unassign).Body.String()); got != "Failed to unassign DID" {
		t.Fatalf("failing write answered %q", got)
	}
	log := e.logText()
	if !strings.Contains(log, "incorrect hash") || !strings.Contains(log, "disk on fire") {
		t.Fatalf("the log did not capture the failures:\n%s", log)
	}
	for _, s := range append(worldSecrets, expected, expectedLegacy, unassign.Get("hash")) {
		if strings.Contains(log, s) {
			t.Errorf("the log holds %q:\n%s", s, log)
		}
	}
}

// TestPasswordsStoredSalted scans the database file for every demo
// password in plain text (none may be there), verifies every stored hash
// with bcrypt, and expects two users with one password to get two hashes.
func TestPasswordsStoredSalted(t *testing.T) {
	skipUnderRace(t)
	passwords := map[string]string{}
	for _, m := range regexp.MustCompile(`username: (\w+), password: ([^,}\s]+)`).FindAllStringSubmatch(demoYAML, -1) {
		passwords[m[1]] = m[2]
	}
	if len(passwords) < 5 {
		t.Fatalf("found only %d demo passwords", len(passwords))
	}
	for _, world := range []string{demoYAML, secretsWorld} {
		e := newEnv(t, world)
		if world == secretsWorld {
			passwords = map[string]string{"admin": "Adm1n-pass-word", "rs": "Shared-pass-word", "bob": "Shared-pass-word"}
		}
		var file []byte
		for _, suffix := range []string{"", "-wal"} {
			b, _ := os.ReadFile(e.path + suffix)
			file = append(file, b...)
		}
		w, err := e.st.Export(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		hashes := map[string]string{}
		for _, u := range w.Users {
			hashes[u.Username] = u.PasswordHash
		}
		for user, pw := range passwords {
			if strings.Contains(string(file), pw) {
				t.Errorf("%s's password %q is in the database file in plain text", user, pw)
			}
			if err := bcrypt.CompareHashAndPassword([]byte(hashes[user]), []byte(pw)); err != nil {
				t.Errorf("%s's stored hash does not verify: %v", user, err)
			}
		}
		if world == secretsWorld && hashes["rs"] == hashes["bob"] {
			t.Errorf("two users with one password share a hash: not salted")
		}
	}
}
