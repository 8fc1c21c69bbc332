package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"morlite/domain"
)

// behindTheBack runs SQL on the file through a connection of its own, as
// sqlite3 would: the store's caches are not told.
func behindTheBack(t *testing.T, path, query string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query); err != nil {
		t.Fatal(err)
	}
}

// TestSettingsCachedUntilALoad: the settings are read once and kept (a
// change behind the store's back is not seen), and a load replaces them.
func TestSettingsCachedUntilALoad(t *testing.T) {
	sqliteOnly(t, "the settings cache (MySQL reads settings once per request)")
	ctx := context.Background()
	st, path := openTemp(t)
	w := demoWorld(t)
	if err := st.Load(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	s, err := st.Settings(ctx)
	if err != nil || s.APISecretKey != "secret" || !s.AllowAPI {
		t.Fatalf("settings %+v, %v: want the demo's", s, err)
	}
	behindTheBack(t, path, "UPDATE settings SET value = 'changed' WHERE name = 'api_secret_key'")
	if s, _ := st.Settings(ctx); s.APISecretKey != "secret" {
		t.Fatalf("api_secret_key %q: the settings were read again, not kept", s.APISecretKey)
	}
	w.Settings["api_secret_key"] = "reloaded"
	if err := st.Load(ctx, w, true); err != nil {
		t.Fatal(err)
	}
	if s, _ := st.Settings(ctx); s.APISecretKey != "reloaded" {
		t.Fatalf("api_secret_key %q after a load, want the loaded world's", s.APISecretKey)
	}
}

// TestUserCacheKeepsUsersNotAbsence: a user read once is kept (a change
// behind the store's back is not seen); a username that names nobody stays
// not found however often it is asked for.
func TestUserCacheKeepsUsersNotAbsence(t *testing.T) {
	sqliteOnly(t, "the user cache (MySQL reads the caller on every request)")
	ctx := context.Background()
	st, path := openTemp(t)
	if err := st.Load(ctx, demoWorld(t), false); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if u, err := st.UserByUsername(ctx, "nobody"); !errors.Is(err, ErrNotFound) || u != nil {
			t.Fatalf("nobody = %+v, %v, want ErrNotFound", u, err)
		}
	}
	for _, name := range []string{"bob", "admin"} {
		if _, err := st.UserByUsername(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	behindTheBack(t, path, "UPDATE users SET first_name = 'Robert' WHERE username = 'bob'")
	if u, _ := st.UserByUsername(ctx, "bob"); u == nil || u.FirstName != "Bob" {
		t.Fatalf("bob = %+v: the user was read again, not kept", u)
	}
	if u, _ := st.UserByUsername(ctx, "admin"); u == nil || u.Username != "admin" {
		t.Fatalf("admin = %+v: caching bob dropped admin", u)
	}
}

// TestAccountantKeepsRightsAndAddress: an accountant is read with his
// rights and his address.
func TestAccountantKeepsRightsAndAddress(t *testing.T) {
	ctx := context.Background()
	st, _ := openTemp(t)
	w := demoWorld(t)
	var acc *domain.User
	for i := range w.Users {
		if w.Users[i].Username == "accountant" {
			acc = &w.Users[i]
		}
	}
	acc.Address = &domain.Address{City: "Vilnius", Email: "acc@example.com"}
	if err := st.Load(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	u, err := st.UserByUsername(ctx, "accountant")
	if err != nil || u.Address == nil || u.Address.City != "Vilnius" || u.Right(domain.RightDeviceManage) != 2 {
		t.Fatalf("accountant = %+v, %v: want his rights and address", u, err)
	}
}

// TestLoadManyDIDsAndActions: a world of more DIDs than one INSERT carries
// (full statements and a rest) and with action log rows exports as loaded.
func TestLoadManyDIDsAndActions(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{didRowsPerInsert - 1, didRowsPerInsert, 2*didRowsPerInsert + 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			st, _ := openTemp(t)
			w := demoWorld(t)
			w.DIDs = w.DIDs[:0]
			for i := 1; i <= n; i++ {
				w.DIDs = append(w.DIDs, domain.DID{ID: int64(i), Number: fmt.Sprint(5000 + i), Status: domain.StatusFree})
			}
			at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			w.Actions = []domain.Action{
				{ID: 1, Date: at, UserID: 0, Action: "did_create", TargetType: "did", TargetID: 1, Data: "{}", Data2: `{"status":"free"}`},
				{ID: 2, Date: at, UserID: 0, Action: "did_details_update", TargetType: "did", TargetID: 2, Data: `{"comment":""}`, Data2: `{"comment":""}`},
			}
			if err := st.Load(ctx, w, false); err != nil {
				t.Fatal(err)
			}
			got, err := st.Export(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.DIDs) != n || got.DIDs[n-1].Number != fmt.Sprint(5000+n) || len(got.Actions) != 2 ||
				!reflect.DeepEqual(got.Actions[1], w.Actions[1]) {
				t.Fatalf("%d DIDs (last %+v), actions %+v", len(got.DIDs), got.DIDs[len(got.DIDs)-1], got.Actions)
			}
		})
	}
}

// TestMaxBatch: a batch carries at most WithMaxBatch writes.
func TestMaxBatch(t *testing.T) {
	sqliteOnly(t, "SQLite's group commit (MySQL runs each write in its own transaction)")
	st, _ := openTemp(t, WithMaxBatch(2))
	before := st.WriteStats()
	errs := runQueued(t, st, insertSetting("a"), insertSetting("b"), insertSetting("c"), insertSetting("d"), insertSetting("e"))
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// holdWriter's batch, then [a b] [c d] [e].
	if n := st.WriteStats().Batches - before.Batches; n != 4 {
		t.Fatalf("%d transactions, want 4 (batches of at most 2)", n)
	}
}

// TestHotQueriesPrepared: a query run on the read pool, and on SQLite one
// a write ran, are kept as prepared statements for the next time. MySQL's
// writes run as text, each carrying what goes ahead of it (conntx.go).
func TestHotQueriesPrepared(t *testing.T) {
	ctx := context.Background()
	st, _ := openLoaded(t)
	if _, err := st.UnassignDID(ctx, adminCaller(t, st), "37060000006"); err != nil {
		t.Fatal(err)
	}
	if err := st.writeTx(ctx, func(*wtx) error { return nil }); err != nil { // after the one that prepares
		t.Fatal(err)
	}
	st.stmts.mu.Lock()
	read, write := len(st.stmts.stmts[st.read]), len(st.stmts.stmts[st.write])
	st.stmts.mu.Unlock()
	if st.Shared() {
		if read == 0 || write != 0 {
			t.Fatalf("%d statements prepared on the read pool, %d on the writer: want some, none", read, write)
		}
		return
	}
	if read == 0 || write == 0 {
		t.Fatalf("%d statements prepared on the read pool, %d on the writer: want some on each", read, write)
	}
}

// TestOpenRefusesAnotherProgramsDatabase: a SQLite file with tables but no
// goose version table is refused, naming up to 5 of its tables; an empty
// file, and a SQLite file without tables, become a new database.
func TestOpenRefusesAnotherProgramsDatabase(t *testing.T) {
	for _, tc := range []struct {
		name, setup, want string // want "" for opened
	}{
		{"OneTable", "CREATE TABLE customers (id INTEGER PRIMARY KEY)", "(tables: customers)"},
		{"FiveTables", "CREATE TABLE a (x); CREATE TABLE b (x); CREATE TABLE c (x); CREATE TABLE d (x); CREATE TABLE e (x)",
			"(tables: a, b, c, d, e)"},
		{"SixTables", "CREATE TABLE a (x); CREATE TABLE b (x); CREATE TABLE c (x); CREATE TABLE d (x); CREATE TABLE e (x); CREATE TABLE f (x)",
			"(tables: a, b, c, d, e, ...)"},
		{"NoTablesLeft", "CREATE TABLE gone (x); DROP TABLE gone", ""},
		{"EmptyFile", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "other.db")
			if tc.setup != "" {
				behindTheBack(t, path, tc.setup)
			} else if err := os.WriteFile(path, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			st, err := Open(context.Background(), path)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Open = %v, want a new database", err)
				}
				st.Close()
				return
			}
			var oe *OpenError
			if !errors.As(err, &oe) || !strings.HasSuffix(oe.Problem, "another program, not a morlite database "+tc.want) {
				t.Fatalf("Open = %v, want an OpenError ending %q", err, tc.want)
			}
		})
	}
}

// TestDetailsUpdateChangingNothing: a did_details_update that changes no
// column still succeeds and logs its row.
func TestDetailsUpdateChangingNothing(t *testing.T) {
	ctx := context.Background()
	st, _ := openLoaded(t)
	before, err := st.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d := before.DIDs[1]
	if _, err := st.UpdateDIDDetails(ctx, adminCaller(t, st), domain.Params{"did_id": fmt.Sprint(d.ID), "comment": d.Comment}); err != nil {
		t.Fatalf("an update that changes nothing: %v", err)
	}
	after, _ := st.Export(ctx)
	if len(after.Actions) != len(before.Actions)+1 || !reflect.DeepEqual(after.DIDs[1], d) {
		t.Fatalf("actions %d -> %d, DID %+v -> %+v", len(before.Actions), len(after.Actions), d, after.DIDs[1])
	}
}

// TestUserLookupOnReopenedDatabase: a store opened on a database loaded
// earlier (no load since it opened) looks users up, and keeps them.
func TestUserLookupOnReopenedDatabase(t *testing.T) {
	ctx := context.Background()
	st, path := openTemp(t)
	if err := st.Load(ctx, demoWorld(t), false); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for range 2 {
		if u, err := st.UserByUsername(ctx, "bob"); err != nil || u.FirstName != "Bob" {
			t.Fatalf("bob = %+v, %v", u, err)
		}
	}
}

// TestWriteQueriesBeforeAndAfterPrepared: a query a write runs for the
// first time runs unprepared (the writer has no connection to spare for
// preparing it then) and answers; the next time it runs prepared and
// answers the same.
func TestWriteQueriesBeforeAndAfterPrepared(t *testing.T) {
	sqliteOnly(t, "the SQLite writer's statement cache (MySQL prepares on the server)")
	ctx := context.Background()
	st, _ := openTemp(t)
	for round := range 2 {
		var one, two int
		var rowsSeen int
		err := st.writeTx(ctx, func(tx *wtx) error {
			q := st.inTx(tx)
			if err := q.QueryRowContext(ctx, "SELECT 1 + ? -- row", 0).Scan(&one); err != nil {
				return err
			}
			rows, err := q.QueryContext(ctx, "SELECT 2 + ? -- rows", 0)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				rowsSeen++
				if err := rows.Scan(&two); err != nil {
					return err
				}
			}
			_, err = q.ExecContext(ctx, "INSERT INTO settings (name, value) VALUES (?, '1')", fmt.Sprint("round", round))
			return err
		})
		if err != nil || one != 1 || two != 2 || rowsSeen != 1 {
			t.Fatalf("round %d: %v, row %d, rows %d (%d)", round+1, err, one, two, rowsSeen)
		}
	}
	st.stmts.mu.Lock()
	defer st.stmts.mu.Unlock()
	if _, ok := st.stmts.stmts[st.write]["SELECT 1 + ? -- row"]; !ok {
		t.Fatal("the write's query was not prepared for the next time")
	}
}
