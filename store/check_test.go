package store

import (
	"context"
	"database/sql"
	"strings"
	"testing"
)

// TestCheckFindsBrokenRows loads a sound world, proves Check clean, then
// breaks rows behind the store's back and proves Check names each break.
func TestCheckFindsBrokenRows(t *testing.T) {
	sqliteOnly(t, "SQLite's integrity and foreign key checks")
	st, path := openLoaded(t)
	ctx := context.Background()
	if problems, err := st.Check(ctx); err != nil || len(problems) != 0 {
		t.Fatalf("Check on a loaded world = %v, %v; want clean", problems, err)
	}
	rawExec(t, path, `PRAGMA foreign_keys = OFF;
		UPDATE dids SET status = 'free', user_id = 5 WHERE did = '123456789';
		UPDATE dids SET device_id = 999 WHERE did = '37060000006';`)
	problems, err := st.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	text := joinErrs(problems)
	for _, want := range []string{"foreign_key_check: dids", "a free DID has user_id", "device_id 999 names no device"} {
		if !strings.Contains(text, want) {
			t.Errorf("Check did not report %q; got:\n%s", want, text)
		}
	}
}

func joinErrs(errs []error) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString(e.Error() + "\n")
	}
	return b.String()
}

// openLoaded is a fresh database holding the demo.
func openLoaded(t *testing.T, opts ...Option) (*Store, string) {
	t.Helper()
	st, path := openTemp(t, opts...)
	if err := st.Load(context.Background(), demoWorld(t), false); err != nil {
		t.Fatal(err)
	}
	return st, path
}

// rawExec runs SQL on the file through a connection of its own.
func rawExec(t *testing.T, path, query string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(query); err != nil {
		t.Fatal(err)
	}
}
