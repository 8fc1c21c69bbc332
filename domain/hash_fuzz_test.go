package domain

import (
	"crypto/sha1"
	"encoding/hex"
	"slices"
	"testing"
)

// FuzzHash checks the hash computation on any parameters: the hashed names
// come in MOR's order and are sent ones, the hash string is their values
// (user_id in its integer form), the legacy form hashes a subset, the hash
// is SHA-1 of string + secret in lower-case hex, and HashMatches accepts it
// and nothing one character off.
func FuzzHash(f *testing.F) {
	f.Add("did_trunk_device_assign", "device_id", "1", "did", "123456789", "secret")
	f.Add("devices_get", "user_id", "0100", "device", "all", "456789")
	f.Add("users_get", "u", "admin", "p", "admin1", "secret")
	f.Add("x", "user_id", "", "device", "12a", "")
	f.Add("did_device_assign", "did", "\x00\xff", "device_id", "١٢٣", "k\xe2")
	order := HashOrder()
	f.Fuzz(func(t *testing.T, method, n1, v1, n2, v2, secret string) {
		p := Params{n1: v1, n2: v2}
		docNames, docText := HashInput(method, p, Documented)
		legNames, legText := HashInput(method, p, Legacy)
		for _, form := range []struct {
			names []string
			text  string
		}{{docNames, docText}, {legNames, legText}} {
			checkHashInput(t, method, p, order, form.names, form.text)
			h := Hash(form.text, secret)
			sum := sha1.Sum([]byte(form.text + secret))
			if h != hex.EncodeToString(sum[:]) {
				t.Fatalf("Hash = %s, not the SHA-1 of string + secret", h)
			}
			if !HashMatches(h, h) {
				t.Fatal("HashMatches refuses the hash itself")
			}
			off := []byte(h)
			off[len(off)-1] ^= 1
			if HashMatches(string(off), h) {
				t.Fatal("HashMatches accepts a hash one character off")
			}
		}
		for _, n := range legNames {
			if !slices.Contains(docNames, n) {
				t.Fatalf("legacy hashes %q, the documented form does not", n)
			}
		}
	})
}

// checkHashInput recomputes the hash string from the names.
func checkHashInput(t *testing.T, method string, p Params, order, names []string, text string) {
	t.Helper()
	if method == UsersGetMethod {
		if want := p["u"] + p["p"]; text != want {
			t.Fatalf("users_get hash string %q, want u+p %q", text, want)
		}
		return
	}
	at, want := -1, ""
	for _, n := range names {
		i := slices.Index(order, n)
		if i <= at || !p.Has(n) {
			t.Fatalf("names %q: %q is out of MOR's order or was not sent", names, n)
		}
		at = i
		v := p[n]
		if n == "user_id" {
			v = integerForm(v)
		}
		want += v
	}
	if text != want {
		t.Fatalf("hash string %q, want %q", text, want)
	}
}
