package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestNumberPatternMatchesLike: the indexed forms of search_did_number find
// exactly what a plain LIKE finds, and use the index.
func TestNumberPatternMatchesLike(t *testing.T) {
	ctx := context.Background()
	st, _ := openLoaded(t)
	ids := func(cond string, args ...any) string {
		rows, err := st.read.QueryContext(ctx, "SELECT d.id FROM dids d WHERE "+cond+" ORDER BY d.id", args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			out = append(out, fmt.Sprint(id))
		}
		return strings.Join(out, ",")
	}
	for _, p := range []string{"123456789", "37060000001", "3706%", "37060000009%", "9%", "%0001", "3706000000_",
		"", "%", "abc", "3706%1", "1234567890", "%%", "_%"} {
		var w where
		addNumberPattern(&w, p, st.eng)
		if got, want := ids(strings.Join(w.conds, " AND "), w.args...), ids("d.did LIKE ?", p); got != want {
			t.Errorf("pattern %q: indexed form finds [%s], LIKE finds [%s]", p, got, want)
		}
	}
	if st.eng != sqliteDialect {
		return // the query plan below is SQLite's; InnoDB uses the index for a LIKE with a literal prefix
	}
	for _, p := range []string{"123456789", "3706%"} {
		var w where
		addNumberPattern(&w, p, sqliteDialect)
		var id, parent, notused int
		var plan string
		err := st.read.QueryRowContext(ctx, "EXPLAIN QUERY PLAN SELECT d.id FROM dids d WHERE "+strings.Join(w.conds, " AND "), w.args...).Scan(&id, &parent, &notused, &plan)
		if err != nil || !strings.Contains(plan, "INDEX") {
			t.Errorf("pattern %q: plan %q (%v), want an index search", p, plan, err)
		}
	}
}
