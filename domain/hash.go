package domain

import (
	"bufio"
	"crypto/sha1"
	"crypto/subtle"
	_ "embed"
	"encoding/hex"
	"slices"
	"strings"
)

//go:embed hash-order.txt
var hashOrderText string

// hashName is one line of hash-order.txt.
type hashName struct {
	name   string
	legacy bool // hashed by legacy servers too
}

// hashOrder is MOR's fixed order of hashed parameter names, loaded once from
// the embedded data file; hashIndex is each name's place in it.
var (
	hashOrder = parseHashOrder(hashOrderText)
	hashIndex = indexHashOrder(hashOrder)
)

func indexHashOrder(order []hashName) map[string]int {
	m := make(map[string]int, len(order))
	for i, h := range order {
		if _, dup := m[h.name]; !dup {
			m[h.name] = i
		}
	}
	return m
}

// parseHashOrder reads one name a line; text after '#' is a comment, and a
// comment saying "not hashed by legacy servers" leaves the name out of the
// legacy form.
func parseHashOrder(text string) []hashName {
	var out []hashName
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line, comment, _ := strings.Cut(sc.Text(), "#")
		name := strings.TrimSpace(line)
		if name == "" {
			continue
		}
		out = append(out, hashName{name: name, legacy: !strings.Contains(comment, "not hashed by legacy servers")})
	}
	return out
}

// HashOrder returns the hashed parameter names in MOR's order.
func HashOrder() []string {
	names := make([]string, len(hashOrder))
	for i, h := range hashOrder {
		names[i] = h.name
	}
	return names
}

// Params is a request's merged parameter set: name to value.
type Params map[string]string

// Get returns the named value, "" when absent.
func (p Params) Get(name string) string { return p[name] }

// Has reports whether the request carried the name, even with an empty value.
func (p Params) Has(name string) bool {
	_, ok := p[name]
	return ok
}

// HashForm selects which of MOR's hash forms to compute.
type HashForm int

// Hash forms.
const (
	// Documented is the form MOR's documentation describes.
	Documented HashForm = iota
	// Legacy leaves out the names older MOR servers did not hash.
	Legacy
)

// UsersGetMethod is the one method whose hash is exactly u + p + secret.
const UsersGetMethod = "users_get"

// HashInput returns the parameter names that go into method's hash string
// for the given form, in order, and their concatenated values (without the
// secret). Value filters: user_id counts only when all digits or empty and is
// hashed as its integer form; device counts only when all digits or "all".
func HashInput(method string, p Params, form HashForm) (names []string, text string) {
	if method == UsersGetMethod {
		return []string{"u", "p"}, p.Get("u") + p.Get("p")
	}
	// A request carries a handful of parameters and the order lists some
	// two hundred names: find each parameter's place and sort those.
	places := make([]int, 0, len(p))
	for name, v := range p {
		i, ok := hashIndex[name]
		if !ok || (form == Legacy && !hashOrder[i].legacy) || !hashedValue(name, v) {
			continue
		}
		places = append(places, i)
	}
	slices.Sort(places)
	var b strings.Builder
	for _, i := range places {
		name := hashOrder[i].name
		v := p[name]
		if name == "user_id" {
			v = integerForm(v)
		}
		names = append(names, name)
		b.WriteString(v)
	}
	return names, b.String()
}

// hashedValue applies the value filters: user_id counts only when all
// digits or empty; device only when all digits or "all".
func hashedValue(name, v string) bool {
	switch name {
	case "user_id":
		return v == "" || IsDigits(v)
	case "device":
		return v == "all" || IsDigits(v)
	}
	return true
}

// Hash returns MOR's hash: the lower-case hex SHA-1 of text + secret.
func Hash(text, secret string) string {
	sum := sha1.Sum([]byte(text + secret))
	return hex.EncodeToString(sum[:])
}

// HashMatches compares a sent hash with the expected one as text, in
// constant time. A sent hash whose length is not 40 counts as missing.
func HashMatches(sent, expected string) bool {
	if len(sent) != 40 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(sent), []byte(expected)) == 1
}

// integerForm strips leading zeros from a digit string; "" and "000" are "0".
func integerForm(digits string) string {
	s := strings.TrimLeft(digits, "0")
	if s == "" {
		return "0"
	}
	return s
}

// IsDigits reports whether s is one or more ASCII digits.
func IsDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
