package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"morlite/domain"
	"morlite/fixtures"
	"morlite/internal/mariadbtest"
)

// openTemp opens a fresh database on the engine the suite runs on (see
// testEngine): a file under t.TempDir(), or a new MySQL database; it returns
// the store and its path or URL.
func openTemp(t *testing.T, opts ...Option) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "morlite.db")
	if mariadbtest.Enabled() {
		path = mariadbtest.URL(t)
	}
	st, err := Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

// TestPragmas asserts the connection settings durability and integrity rest on.
func TestPragmas(t *testing.T) {
	sqliteOnly(t, "SQLite's pragmas")
	st, _ := openTemp(t)
	ctx := context.Background()
	for _, writer := range []bool{true, false} {
		for name, want := range map[string]string{
			"journal_mode": "wal", "foreign_keys": "1", "synchronous": "2", "busy_timeout": "10000",
		} {
			got, err := st.Pragma(ctx, name, writer)
			if err != nil || got != want {
				t.Errorf("writer=%v PRAGMA %s = %q (%v), want %q", writer, name, got, err, want)
			}
		}
	}
	if got, _ := st.Pragma(ctx, "query_only", false); got != "1" {
		t.Errorf("read pool query_only = %q, want 1", got)
	}
	if st.write.Stats().MaxOpenConnections != 1 {
		t.Errorf("write pool allows %d connections, want 1", st.write.Stats().MaxOpenConnections)
	}
	tx, err := st.write.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// An immediate transaction holds the write lock from BEGIN: a second
	// writer on another handle must fail at once (no busy wait here).
	other, err := sql.Open("sqlite", "file:"+st.path()+"?_pragma=busy_timeout(0)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if otx, err := other.BeginTx(ctx, nil); err == nil {
		otx.Rollback()
		t.Fatal("a second immediate transaction began while the writer held one")
	}
}

// demoText is the demo as export writes it (passwords already hashed), so
// that each test gets its own copy without paying for bcrypt again.
var demoText = sync.OnceValues(func() ([]byte, error) {
	w, err := fixtures.Parse(fixtures.DemoName, fixtures.Demo, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil {
		return nil, err
	}
	return fixtures.Export(w)
})

func demoWorld(t testing.TB) *domain.World {
	t.Helper()
	text, err := demoText()
	if err != nil {
		t.Fatal(err)
	}
	w, err := fixtures.Parse("demo-export.yaml", text, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestLoadExportRoundTrip: load -> export -> load gives the same state.
func TestLoadExportRoundTrip(t *testing.T) {
	ctx := context.Background()
	st, _ := openTemp(t)
	w := demoWorld(t)
	w.Actions = []domain.Action{{ID: 1, Date: time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC), UserID: 0,
		Action: "did_device_assign", TargetType: "did", TargetID: 2, Data: `{"status":"free"}`, Data2: `{"status":"active"}`}}
	if err := st.Load(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	got, err := st.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, w) {
		t.Fatalf("export differs from what was loaded:\n got %+v\nwant %+v", got, w)
	}
	text, err := fixtures.Export(got)
	if err != nil {
		t.Fatal(err)
	}
	again, err := fixtures.Parse("export.yaml", text, time.Now())
	if err != nil {
		t.Fatalf("exported file does not load: %v\n%s", err, text)
	}
	st2, _ := openTemp(t)
	if err := st2.Load(ctx, again, false); err != nil {
		t.Fatal(err)
	}
	got2, err := st2.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got2, w) {
		t.Fatalf("load(export(db)) differs:\n got %+v\nwant %+v", got2, w)
	}
}

func TestLoadRefusesNonEmptyAndResets(t *testing.T) {
	ctx := context.Background()
	st, _ := openTemp(t)
	w := demoWorld(t)
	if err := st.Load(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	if err := st.Load(ctx, w, false); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("second load = %v, want ErrNotEmpty", err)
	}
	if err := st.Load(ctx, w, true); err != nil {
		t.Fatalf("reset load: %v", err)
	}
}

// TestSchemaConstraints: the rules the domain relies on hold in the schema
// itself, and a load that breaks one stores nothing.
func TestSchemaConstraints(t *testing.T) {
	tests := map[string]func(w *domain.World){
		"UniqueDIDNumber":       func(w *domain.World) { w.DIDs[1].Number = w.DIDs[0].Number },
		"UniqueExtension":       func(w *domain.World) { w.Devices[1].Extension = w.Devices[0].Extension },
		"UniqueUsername":        func(w *domain.World) { w.Users[1].Username = w.Users[0].Username },
		"UniqueDeviceUsername":  func(w *domain.World) { w.Devices[1].Username = w.Devices[0].Username },
		"DIDDeviceForeignKey":   func(w *domain.World) { w.DIDs[0].DeviceID = 999 },
		"DeviceUserForeignKey":  func(w *domain.World) { w.Devices[0].UserID = 999 },
		"DIDResellerForeignKey": func(w *domain.World) { w.DIDs[0].ResellerID = 999 },
		"StatusCheck":           func(w *domain.World) { w.DIDs[0].Status = "lost" },
	}
	for name, breakIt := range tests {
		t.Run(name, func(t *testing.T) {
			st, _ := openTemp(t)
			w := demoWorld(t)
			breakIt(w)
			if err := st.Load(context.Background(), w, false); err == nil {
				t.Fatal("the schema accepted it")
			}
			if empty, _ := st.IsEmpty(context.Background()); !empty {
				t.Fatal("a failed load left rows behind")
			}
		})
	}
}

// TestOddFileNames: a path with URI characters opens that very file.
func TestOddFileNames(t *testing.T) {
	sqliteOnly(t, "file names")
	dir := t.TempDir()
	for _, name := range []string{"a#b.db", "a?b.db", "a%20b.db", "a b.db"} {
		path := filepath.Join(dir, name)
		st, err := Open(context.Background(), path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		st.Close()
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s: the database went elsewhere: %v", name, err)
		}
	}
}
