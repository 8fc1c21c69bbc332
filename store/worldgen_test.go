package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"morlite/domain"
	"morlite/internal/mariadbtest"
)

// TestChangesWorld: the statements that change the settings or a caller
// are told from the others by their verb and table, whatever the case,
// spacing or quoting.
func TestChangesWorld(t *testing.T) {
	for query, want := range map[string]bool{
		"INSERT INTO settings (name, value) VALUES (?, ?)":              true,
		"UPDATE users SET primary_device_id = NULL WHERE id = ?":        true,
		"  update\n\tusers set x = 1":                                   true,
		"INSERT INTO user_rights (user_id, name, value) VALUES (?, ?)":  true,
		"INSERT INTO addresses(address) VALUES (?)":                     true,
		"DELETE FROM users":                                             true,
		"DELETE FROM `user_rights` WHERE user_id = 5":                   true,
		`DELETE FROM "addresses"`:                                       true,
		"DELETE FROM devices WHERE id = ?":                              true,
		"TRUNCATE TABLE settings":                                       true,
		"REPLACE INTO settings (name, value) VALUES ('a', 'b')":         true,
		"INSERT IGNORE INTO users (id) VALUES (1)":                      true,
		"UPDATE dids SET device_id = ?, user_id = ? WHERE id = ?":       false,
		"INSERT INTO actions (id, date, user_id) VALUES (?, ?, ?)":      false,
		"INSERT INTO devices (id, user_id) VALUES (?, ?)":               true,
		"UPDATE devices SET secret = ? WHERE id = ?":                    true,
		"UPDATE dialplans SET name = ? WHERE id = ?":                    true,
		"INSERT INTO providers (id, name) VALUES (?, ?)":                true,
		"SELECT id FROM users WHERE username = ?":                       false,
		"DELETE FROM dids":                                              false,
		"DELETE FROM snapshots WHERE name = ?":                          false,
		"INSERT INTO meta (\"key\", value) VALUES ('source', ?)":        false,
		"SET STATEMENT lock_wait_timeout = 2 FOR ALTER TABLE addresses": false,
		"UPDATE": false,
	} {
		if got := changesWorld(query); got != want {
			t.Errorf("changesWorld(%q) = %v, want %v", query, got, want)
		}
	}
}

// worldGen reads the stored world generation.
func worldGen(t *testing.T, st *Store) int64 {
	t.Helper()
	g, err := readWorldGen(context.Background(), st.read)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestWorldGenMovesWithCallerWrites: every store path that writes the
// settings, users, user_rights, addresses, devices, dial plans or providers
// moves the world generation on in its transaction; DID moves leave it alone, as they must not all queue on
// its row. MySQL only: SQLite's caches follow the writer connection's hook.
func TestWorldGenMovesWithCallerWrites(t *testing.T) {
	st, _ := mysqlStore(t, "the world generation that MySQL instances check")
	ctx := context.Background()
	admin := domain.Caller{User: &domain.User{ID: 0, Username: "admin", UserType: domain.Admin}}
	raw := func(q string) func() error {
		return func() error {
			return st.writeTx(ctx, func(tx *wtx) error { _, err := tx.ExecContext(ctx, q); return err })
		}
	}
	world := demoWorld(t)
	world.Settings["allow_registration_over_api"] = "1"
	steps := []struct {
		name  string
		do    func() error
		moves bool
	}{
		{"LoadEmpty", func() error { return st.Load(ctx, world, false) }, true},
		{"AssignDID", func() error {
			_, err := st.AssignDID(ctx, domain.TrunkAssign, "did_trunk_device_assign", admin, "1", "123456789")
			return err
		}, false},
		{"UnassignDID", func() error { _, err := st.UnassignDID(ctx, admin, "123456789"); return err }, false},
		{"RegisterUser", func() error {
			_, _, err := st.RegisterUser(ctx, domain.Params{"id": "adm1nhash0", "username": "newbie",
				"password": "pass123", "password2": "pass123", "first_name": "New", "last_name": "Comer",
				"email": "new@example.com", "device_type": "SIP", "country_id": "123"})
			return err
		}, true},
		{"CreateDevice", func() error {
			_, err := st.CreateDevice(ctx, admin, domain.Params{"user_id": "0"})
			return err
		}, true},
		{"UpdateDevice", func() error {
			return st.UpdateDevice(ctx, admin, domain.Params{"device": "1", "description": "renamed"})
		}, true},
		{"DeleteDevice", func() error { return st.DeleteDevice(ctx, admin, domain.Params{"device": "2"}) }, true},
		{"RawSettings", raw("UPDATE settings SET value = value WHERE name = 'api_secret_key'"), true},
		{"RawUsers", raw("UPDATE users SET first_name = 'Robert' WHERE id = 5"), true},
		{"RawUserRights", raw("DELETE FROM user_rights WHERE user_id = 2"), true},
		{"RawAddresses", raw("INSERT INTO addresses (address) VALUES ('x')"), true},
		{"RawDevices", raw("UPDATE devices SET name = 'renamed' WHERE id = 1"), true},
		{"RawDialplans", raw("UPDATE dialplans SET name = 'renamed' WHERE id = 1"), true},
		{"RawProviders", raw("UPDATE providers SET name = 'renamed' WHERE id = 1"), true},
		{"RawDIDs", raw("UPDATE dids SET comment = 'x' WHERE id = 1"), false},
		{"LoadReset", func() error { return st.Load(ctx, demoWorld(t), true) }, true},
	}
	for _, step := range steps {
		before := worldGen(t, st)
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if moved := worldGen(t, st) != before; moved != step.moves {
			t.Errorf("%s: the world generation moved = %v, want %v", step.name, moved, step.moves)
		}
	}
	// The snapshot restore and the sandbox reset load through Load; a
	// failed write keeps the generation where it was.
	before := worldGen(t, st)
	err := st.writeTx(ctx, func(tx *wtx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET first_name = 'Bobby' WHERE id = 5"); err != nil {
			return err
		}
		return ErrNotFound
	})
	if err == nil || worldGen(t, st) != before {
		t.Errorf("a rolled back change: err %v, generation %d → %d", err, before, worldGen(t, st))
	}
}

// TestWorldCacheAcrossInstances: instance B serves the settings and callers
// it read while the world generation stays, and reads them again on its very
// next request once a change through instance A (a store method, a load)
// has moved the generation. A change made behind both instances' backs,
// without moving the generation, shows that B did serve its copies.
func TestWorldCacheAcrossInstances(t *testing.T) {
	a, url := mysqlStore(t, "the world generation that MySQL instances check")
	ctx := context.Background()
	b := secondInstance(t, a, url)
	request := func() (domain.Settings, *domain.User) {
		t.Helper()
		rctx := OneRequest(ctx)
		s, err := b.Settings(rctx)
		if err != nil {
			t.Fatal(err)
		}
		u, err := b.UserByUsername(rctx, "reseller")
		if err != nil {
			t.Fatal(err)
		}
		return s, u
	}
	if s, u := request(); s.APISecretKey != "secret" || u.APISecretKey != "reseller-secret" {
		t.Fatalf("first request: keys %q, %q", s.APISecretKey, u.APISecretKey)
	}
	behind, err := Open(ctx, url) // its raw writes bypass the store's paths
	if err != nil {
		t.Fatal(err)
	}
	defer behind.Close()
	for _, q := range []string{"UPDATE settings SET value = 'behind' WHERE name = 'api_secret_key'",
		"UPDATE users SET api_secret_key = 'behind' WHERE username = 'reseller'"} {
		if _, err := behind.write.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if s, u := request(); s.APISecretKey != "secret" || u.APISecretKey != "reseller-secret" {
		t.Fatalf("with the generation unmoved, B read the rows again: keys %q, %q", s.APISecretKey, u.APISecretKey)
	}
	err = a.writeTx(ctx, func(tx *wtx) error {
		_, err := tx.ExecContext(ctx, "UPDATE users SET api_secret_key = 'through-a' WHERE username = 'reseller'")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if s, u := request(); s.APISecretKey != "behind" || u.APISecretKey != "through-a" {
		t.Fatalf("after a change through A: keys %q, %q", s.APISecretKey, u.APISecretKey)
	}
	w := demoWorld(t)
	w.Settings["api_secret_key"] = "reloaded"
	for i := range w.Users {
		if w.Users[i].Username == "reseller" {
			w.Users[i].UserType, w.Users[i].APISecretKey = domain.PlainUser, ""
		}
	}
	if err := a.Load(ctx, w, true); err != nil {
		t.Fatal(err)
	}
	if s, u := request(); s.APISecretKey != "reloaded" || u.UserType != domain.PlainUser {
		t.Fatalf("after a load through A: key %q, reseller's type %q", s.APISecretKey, u.UserType)
	}
}

// TestOptimisticRequestConfirms: a request that assumed the kept
// generation is confirmed by the generation its DID query read, or by a
// read of it when the query found no rows; it is refused when the world
// moved (through another instance) in between.
func TestOptimisticRequestConfirms(t *testing.T) {
	a, url := mysqlStore(t, "the world generation that MySQL instances check")
	ctx := context.Background()
	b := secondInstance(t, a, url)
	admin, err := b.UserByUsername(OneRequest(ctx), "admin") // B keeps the world
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Settings(OneRequest(ctx)); err != nil {
		t.Fatal(err)
	}
	caller := domain.Caller{User: admin}
	number := func(n string) domain.DIDSearch { return domain.DIDSearch{Caller: caller, Number: &n} }
	for _, tc := range []struct {
		name   string
		search domain.DIDSearch
		move   bool
		want   bool
	}{
		{"Unmoved", number("123456789"), false, true},
		{"UnmovedNoRows", number("999"), false, true},
		{"Moved", number("123456789"), true, false},
		{"MovedNoRows", number("999"), true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rctx := assumingKept(t, b)
			if tc.move {
				moveWorld(t, a)
			}
			_, err := b.SearchDIDs(rctx, tc.search)
			if found := err == nil; found == betting(rctx) {
				t.Fatalf("found %v (%v), and the query read the generation: %v", found, err, !betting(rctx))
			}
			if got := b.Confirm(rctx); got != tc.want {
				t.Fatalf("Confirm = %v, want %v", got, tc.want)
			}
			if _, err := b.Settings(OneRequest(ctx)); err != nil { // B keeps the new world
				t.Fatal(err)
			}
		})
	}
}

// TestNamesAcrossInstances: B shows dids_get's names (here a device's
// label) from the names it keeps, and from the changed names on its very
// next request once a change through A moved the world generation.
func TestNamesAcrossInstances(t *testing.T) {
	a, url := mysqlStore(t, "the world generation that MySQL instances check")
	ctx := context.Background()
	if err := a.Load(ctx, demoWorld(t), false); err != nil {
		t.Fatal(err)
	}
	admin := domain.Caller{User: &domain.User{ID: 0, Username: "admin", UserType: domain.Admin}}
	if _, err := a.AssignDID(ctx, domain.TrunkAssign, "did_trunk_device_assign", admin, "1", "123456789"); err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	label := func(optimistic bool) string {
		t.Helper()
		rctx := OneRequest(ctx)
		if optimistic {
			rctx = OptimisticRequest(ctx)
		}
		if _, err := b.Settings(rctx); err != nil {
			t.Fatal(err)
		}
		n := "123456789"
		rows, err := b.SearchDIDs(rctx, domain.DIDSearch{Caller: admin, Number: &n})
		if err != nil || len(rows) != 1 {
			t.Fatalf("dids_get: %v, %v", rows, err)
		}
		if !b.Confirm(rctx) {
			return "moved"
		}
		return rows[0].DeviceLabel
	}
	for _, optimistic := range []bool{false, true} {
		if got := label(optimistic); got != "SIP/101" {
			t.Fatalf("first reads (optimistic %v): label %q", optimistic, got)
		}
	}
	behind, err := Open(ctx, url) // its raw writes bypass the store's paths
	if err != nil {
		t.Fatal(err)
	}
	defer behind.Close()
	if _, err := behind.write.ExecContext(ctx, "UPDATE devices SET name = 'behind' WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	if got := label(true); got != "SIP/101" {
		t.Fatalf("with the generation unmoved, B read the names again: %q", got)
	}
	err = a.writeTx(ctx, func(tx *wtx) error {
		_, err := tx.ExecContext(ctx, "UPDATE devices SET name = 'through-a' WHERE id = 1")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := label(true); got != "moved" {
		t.Fatalf("an optimistic read after a change through A: %q, want it refused", got)
	}
	if got := label(false); got != "SIP/through-a" {
		t.Fatalf("after a change through A: label %q", got)
	}
}

// TestOptimisticWriteCommitsOnlyUnmoved: a write of a request that assumed
// the kept generation commits when the generation it reads in its
// transaction (beside its locked rows, or on its own when no statement read
// it) is the assumed one; when the world moved through another instance in
// between, it is rolled back, answers errWorldMoved, and the request is
// not confirmed.
func TestOptimisticWriteCommitsOnlyUnmoved(t *testing.T) {
	a, url := mysqlStore(t, "the world generation that MySQL instances check")
	ctx := context.Background()
	b := secondInstance(t, a, url)
	admin := domain.Caller{User: &domain.User{ID: 0, Username: "admin", UserType: domain.Admin}}
	assign := func(rctx context.Context) error {
		_, err := b.AssignDID(rctx, domain.TrunkAssign, "did_trunk_device_assign", admin, "1", "123456789")
		return err
	}
	unassign := func(rctx context.Context) error {
		_, err := b.UnassignDID(rctx, admin, "123456789")
		return err
	}
	comment := func(rctx context.Context) error { // reads no generation itself
		return b.writeTx(rctx, func(tx *wtx) error {
			_, err := tx.ExecContext(rctx, "UPDATE dids SET comment = 'changed' WHERE did = '123456789'")
			return err
		})
	}
	state := func() string {
		d, err := a.DIDByNumber(ctx, "123456789")
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("device %d, comment %q", d.DeviceID, d.Comment)
	}
	for _, tc := range []struct {
		name  string
		write func(context.Context) error
		move  bool
	}{
		{"AssignMoved", assign, true}, {"Assign", assign, false},
		{"UnassignMoved", unassign, true}, {"Unassign", unassign, false},
		{"NoGenerationReadMoved", comment, true}, {"NoGenerationRead", comment, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rctx := assumingKept(t, b)
			if tc.move {
				moveWorld(t, a)
			}
			before := state()
			err := tc.write(rctx)
			after := state()
			switch {
			case tc.move && (!errors.Is(err, errWorldMoved) || after != before || b.Confirm(rctx)):
				t.Fatalf("world moved: err %v, %s -> %s, confirmed %v", err, before, after, b.Confirm(rctx))
			case !tc.move && (err != nil || after == before || !b.Confirm(rctx)):
				t.Fatalf("world unmoved: err %v, %s -> %s, confirmed %v", err, before, after, b.Confirm(rctx))
			}
		})
	}
}

// TestConfirmReadLocksNoGeneration: a write that read no generation in its
// transaction reads it before its COMMIT without locking its row, so it
// does not wait for a transaction that holds that row.
func TestConfirmReadLocksNoGeneration(t *testing.T) {
	a, url := mysqlStore(t, "the world generation that MySQL instances check")
	b := secondInstance(t, a, url)
	rctx := assumingKept(t, b)
	raw, err := mariadbtest.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	holder, err := raw.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	if _, err := holder.Exec("SELECT gen FROM world_gen WHERE id = 1 FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- b.writeTx(rctx, func(tx *wtx) error { // reads no generation itself
			_, err := tx.ExecContext(rctx, "UPDATE dids SET comment = 'confirmed' WHERE did = '123456789'")
			return err
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the write waited for the generation's row lock")
	}
}

// assumingKept returns the context of a request to st that assumes the
// world generation st keeps (st reads the world first when it keeps none).
func assumingKept(t *testing.T, st *Store) context.Context {
	t.Helper()
	if _, err := st.Settings(OneRequest(context.Background())); err != nil { // st keeps the world
		t.Fatal(err)
	}
	rctx := OptimisticRequest(context.Background())
	if _, err := st.Settings(rctx); err != nil || !betting(rctx) {
		t.Fatalf("the request did not assume the kept generation (%v)", err)
	}
	return rctx
}

// moveWorld moves the world generation on through st, as a change to a
// caller does.
func moveWorld(t *testing.T, st *Store) {
	t.Helper()
	ctx := context.Background()
	err := st.writeTx(ctx, func(tx *wtx) error {
		_, err := tx.ExecContext(ctx, "UPDATE users SET first_name = first_name WHERE id = 5")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// secondInstance loads the demo world through a and opens a second
// instance on the same database, closed with the test.
func secondInstance(t *testing.T, a *Store, url string) *Store {
	t.Helper()
	ctx := context.Background()
	if err := a.Load(ctx, demoWorld(t), false); err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}
