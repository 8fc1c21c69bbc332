package store

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestLikeMatchIsSQLiteLike: morlite_like answers what SQLite's LIKE
// answers, on patterns short enough for both.
func TestLikeMatchIsSQLiteLike(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "like.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	values := []string{"", "a", "A", "abc", "aBc", "37060000001", "Carol Jones", "ÄÖ", "äö", "a%b", "a_b", "ééé", "%"}
	patterns := []string{"", "%", "%%", "_", "__", "a", "A%", "%c", "%b%", "a_c", "%0000%1", "370%", "carol%", "%JONES",
		"ä%", "Ä%", "_ö", "a%%b", "%_%_%", "a\\%b", "%a%b%c%", "é_é", "___"}
	for _, v := range values {
		for _, p := range patterns {
			var want, got bool
			if err := db.QueryRow("SELECT ? LIKE ?, morlite_like(?, ?)", v, p, p, v).Scan(&want, &got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%q LIKE %q: SQLite %v, morlite_like %v", v, p, want, got)
			}
		}
	}
}

func TestLikeCondLongPatterns(t *testing.T) {
	for _, tc := range []struct {
		pattern, cond, arg string
	}{
		{strings.Repeat("%", 60000), "x LIKE ?", "%"},
		{"1" + strings.Repeat("%", 60000) + "2", "x LIKE ?", "1%2"},
		{strings.Repeat("a%", 30000), "morlite_like(?, x)", strings.Repeat("a%", 30000)},
	} {
		cond, arg := sqliteDialect.likeCond("x", tc.pattern, false)
		if cond != tc.cond || arg != tc.arg {
			t.Errorf("likeCond(%.20q...) = %q, %.20q; want %q, %.20q", tc.pattern, cond, arg, tc.cond, tc.arg)
		}
	}
}
