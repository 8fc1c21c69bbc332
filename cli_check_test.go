package main

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// demoDB is a database `morlite load` filled with the demo, closed.
func demoDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "demo.db")
	if err := run(context.Background(), []string{"load", "--db", db, "--fixtures", "fixtures/demo.yaml"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	return db
}

// damageTable overwrites the root page of a table with garbage, behind
// SQLite's back, as a failing disk or a stray writer would.
func damageTable(t *testing.T, path, table string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var root, size int64
	err = db.QueryRow("SELECT rootpage FROM sqlite_schema WHERE type = 'table' AND name = ?", table).Scan(&root)
	if err == nil {
		err = db.QueryRow("PRAGMA page_size").Scan(&size)
	}
	if err == nil {
		_, err = db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	}
	if err := errors.Join(err, db.Close()); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte(strings.Repeat("\xa5", int(size))), (root-1)*size); err != nil {
		t.Fatal(err)
	}
}

func TestCheckCommand(t *testing.T) {
	db := demoDB(t)
	var out strings.Builder
	if err := run(context.Background(), []string{"check", "--db", db}, &out, io.Discard); err != nil {
		t.Fatalf("check on a sound database: %v\n%s", err, out.String())
	}
	if want := db + ": ok (integrity_check, foreign_key_check, DID invariants)\n"; out.String() != want {
		t.Errorf("report %q, want %q", out.String(), want)
	}
	damageTable(t, db, "dids")
	out.Reset()
	err := run(context.Background(), []string{"check", "--db", db}, &out, io.Discard)
	var ue usageError
	if err == nil || errors.As(err, &ue) {
		t.Fatalf("check on a damaged database: %v (want exit 1)", err)
	}
	if !strings.HasPrefix(out.String(), db+": ") || !strings.Contains(out.String(), "integrity_check") || !strings.Contains(out.String(), "not checked: the file is damaged") {
		t.Errorf("report does not name the damage:\n%s", out.String())
	}
	err = run(context.Background(), []string{"check", "--db", db + ".missing"}, io.Discard, io.Discard)
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), db+".missing") {
		t.Errorf("check of a missing file: %v, want a refusal naming it", err)
	}
}

// TestHealthReportsCorruption: a server on a file whose dids table is
// damaged answers DID requests with MOR's plain 500 (no SQLite text), and
// from the first such answer on /healthz is 503 naming the corruption.
func TestHealthReportsCorruption(t *testing.T) {
	db := demoDB(t)
	damageTable(t, db, "dids")
	base, _, stop := startServe(t, "--db", db)
	defer stop()
	if code, body := sandboxStatus(t, "GET", base+"/healthz"); code != http.StatusOK {
		t.Fatalf("healthz before any statement met the damage: %d %s", code, body)
	}
	resp, err := http.Post(base+seedQuery, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(string(body), "<error>Internal error</error>") || strings.Contains(string(body), "malformed") {
		t.Fatalf("DID request on a damaged table: HTTP %d %s", resp.StatusCode, body)
	}
	code, h := sandboxStatus(t, "GET", base+"/healthz")
	if code != http.StatusServiceUnavailable || !strings.Contains(h, `"status":"unavailable","database":"corrupt","corrupt_since":"`) || strings.Contains(h, "malformed") {
		t.Errorf("healthz after the damage was met: %d %s", code, h)
	}
}

// TestServeRefusesDamagedSettings: a file damaged where every request
// reads is refused at start like any unusable file: status 2, one line
// naming it.
func TestServeRefusesDamagedSettings(t *testing.T) {
	db := demoDB(t)
	damageTable(t, db, "settings")
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--db", db}, io.Discard, io.Discard)
	var ue usageError
	if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), db+": is damaged") {
		t.Fatalf("serve on damaged settings: %v, want a refusal naming %s", err, db)
	}
}
