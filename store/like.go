package store

import (
	"database/sql/driver"
	"strings"
	"unicode"

	"modernc.org/sqlite"
)

// SQLite refuses a LIKE pattern longer than 50,000 bytes ("LIKE or GLOB
// pattern too complex"), and a request may carry 64 KiB. A search must
// still answer what LIKE means, so a pattern is first shortened without
// changing its meaning (a run of % is one %), and one still too long is
// matched by morlite_like, the same rules in Go.

// maxLikePattern is SQLite's SQLITE_MAX_LIKE_PATTERN_LENGTH.
const maxLikePattern = 50000

// likeCond is the condition "expr LIKE pattern" for a request's pattern,
// and its argument, in the dialect's form. fold compares lower-cased
// sides, for an engine whose LIKE does not ignore ASCII case by itself
// (morlite_like ignores it, as SQLite's LIKE does).
func (d *dialect) likeCond(expr, pattern string, fold bool) (string, string) {
	p := collapsePercent(pattern)
	if d.likeLimit > 0 && len(p) > d.likeLimit {
		return "morlite_like(?, " + expr + ")", p
	}
	if fold {
		return "lower(" + expr + ") LIKE lower(?)", d.likePattern(p)
	}
	return expr + " LIKE ?", d.likePattern(p)
}

// collapsePercent turns each run of % into one, which matches the same.
func collapsePercent(p string) string {
	if !strings.Contains(p, "%%") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && i > 0 && p[i-1] == '%' {
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

func init() {
	sqlite.MustRegisterDeterministicScalarFunction("morlite_like", 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		p, okP := sqlText(args[0])
		s, okS := sqlText(args[1])
		if !okP || !okS {
			return nil, nil
		}
		return likeMatch([]rune(p), []rune(s)), nil
	})
}

func sqlText(v driver.Value) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	}
	return "", false
}

// likeMatch is SQLite's LIKE without ESCAPE: % matches any run of
// characters, _ exactly one, and letters match either case (ASCII only,
// as SQLite's). It backtracks to the last % only, so it runs in at most
// len(p)*len(s) steps.
func likeMatch(p, s []rune) bool {
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == '%':
			star, mark = pi, si
			pi++
		case pi < len(p) && (p[pi] == '_' || foldASCII(p[pi]) == foldASCII(s[si])):
			pi++
			si++
		case star >= 0:
			mark++
			pi, si = star+1, mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}

func foldASCII(r rune) rune {
	if r < unicode.MaxASCII {
		return unicode.ToLower(r)
	}
	return r
}
