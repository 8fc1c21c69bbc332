package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"

	"morlite/domain"
)

// cachedRowsMatchFile fails the test when a row the writer's cache holds
// differs from the file's, and returns how many rows it compared.
func cachedRowsMatchFile(t *testing.T, st *Store, step string) int {
	t.Helper()
	ctx := context.Background()
	st.rows.mu.Lock()
	dids := make([]domain.DID, 0, len(st.rows.dids))
	for _, d := range st.rows.dids {
		dids = append(dids, d)
	}
	devices := make([]cachedDevice, 0, len(st.rows.devices))
	for _, v := range st.rows.devices {
		devices = append(devices, v)
	}
	st.rows.mu.Unlock()
	for _, c := range dids {
		f, err := st.DIDByNumber(ctx, c.Number)
		if err != nil || !reflect.DeepEqual(*f, c) {
			t.Fatalf("after %s: cached DID %+v, the file holds %+v (%v)", step, c, f, err)
		}
	}
	for _, c := range devices {
		d, err := getDevice(ctx, st.reader(), c.device.ID)
		if err != nil || !reflect.DeepEqual(d, c.device) {
			t.Fatalf("after %s: cached device %+v, the file holds %+v (%v)", step, c.device, d, err)
		}
		u, err := st.UserByID(ctx, d.UserID)
		if err != nil || !reflect.DeepEqual(u, c.user) {
			t.Fatalf("after %s: cached user of device %d %+v, the file holds %+v (%v)", step, d.ID, c.user, u, err)
		}
	}
	return len(dids) + len(devices)
}

// rawChanges are writes that no API method makes but the cache must follow
// all the same: any change the writer connection makes is seen by the hook.
var rawChanges = []string{
	"UPDATE dids SET comment = comment || 'x', call_count = call_count + 1 WHERE id = %d",
	"UPDATE devices SET istrunk = 1 - istrunk, name = name || 'x' WHERE id = %d",
	"UPDATE users SET first_name = first_name || 'x' WHERE id = (SELECT user_id FROM devices WHERE id = %d)",
	"UPDATE addresses SET city = city || 'x' WHERE id = %d",
}

// TestRowCacheMatchesFile drives a random mix of every DID method, failing
// ones included, and raw changes to DIDs, devices, users and addresses
// through the writer, and after each step compares every cached row with
// the file.
func TestRowCacheMatchesFile(t *testing.T) {
	sqliteOnly(t, "the writer's row cache (kept by SQLite's pre-update hook)")
	ctx := context.Background()
	st, _ := openLoaded(t)
	admin := adminCaller(t, st)
	rnd := rand.New(rand.NewPCG(1, 2))
	number := func() string { return fmt.Sprintf("370600000%02d", 1+rnd.IntN(14)) }
	id := func() string { return strconv.Itoa(1 + rnd.IntN(14)) }
	moves := []domain.Move{domain.MoveClose, domain.MoveStop, domain.MoveTerminate, domain.MoveMakeFree}
	compared := 0
	for i := range 600 {
		var step string
		switch k := rnd.IntN(10); {
		case k < 3:
			step = "assign"
			st.AssignDID(ctx, domain.AssignMethod(rnd.IntN(2)), "did_device_assign", admin, strconv.Itoa(1+rnd.IntN(8)), number())
		case k < 6:
			step = "unassign"
			st.UnassignDID(ctx, admin, number())
		case k < 8:
			step = "lifecycle"
			st.CloseDID(ctx, moves[rnd.IntN(len(moves))], admin, id())
		case k < 9:
			step = "details"
			st.UpdateDIDDetails(ctx, admin, domain.Params{"did_id": id(), "comment": "c" + strconv.Itoa(i)})
		default:
			step = "raw change"
			q := fmt.Sprintf(rawChanges[rnd.IntN(len(rawChanges))], 1+rnd.IntN(8))
			if err := st.writeTx(ctx, func(tx *wtx) error { _, err := tx.Exec(q); return err }); err != nil {
				t.Fatal(err)
			}
		}
		compared += cachedRowsMatchFile(t, st, fmt.Sprintf("step %d (%s)", i, step))
	}
	if compared < 600 {
		t.Fatalf("only %d cached rows compared over 600 steps: the cache is not used", compared)
	}
}

// TestRowCacheForgetsRolledBackJob: a job that reads its own change through
// the cache and then fails leaves nothing of it in the cache.
func TestRowCacheForgetsRolledBackJob(t *testing.T) {
	sqliteOnly(t, "the writer's row cache (kept by SQLite's pre-update hook)")
	ctx := context.Background()
	st, _ := openLoaded(t)
	err := st.writeTx(ctx, func(tx *wtx) error {
		q := st.inTx(tx)
		if _, err := tx.Exec("UPDATE dids SET comment = 'rolled back' WHERE did = '37060000001'"); err != nil {
			return err
		}
		if d, err := st.findDIDCached(ctx, q, "37060000001"); err != nil || d.Comment != "rolled back" {
			return fmt.Errorf("the job does not see its own change: %+v, %v", d, err)
		}
		if _, _, err := st.deviceByRawIDCached(ctx, q, "1"); err != nil {
			return err
		}
		return errors.New("changed my mind")
	})
	if err == nil || err.Error() != "changed my mind" {
		t.Fatalf("err = %v", err)
	}
	cachedRowsMatchFile(t, st, "a rolled back job")
}

// TestRowCacheForgetsFailedCommit: when the commit fails (here a deferred
// foreign key), what the batch's jobs put in the cache is dropped.
func TestRowCacheForgetsFailedCommit(t *testing.T) {
	sqliteOnly(t, "the writer's row cache (kept by SQLite's pre-update hook)")
	ctx := context.Background()
	st, _ := openLoaded(t)
	admin := adminCaller(t, st)
	if _, err := st.AssignDID(ctx, domain.DeviceAssign, "did_device_assign", admin, "2", "37060000001"); err != nil {
		t.Fatal(err)
	}
	release := holdWriter(t, st)
	done := make(chan error, 2)
	go func() {
		_, err := st.UnassignDID(ctx, admin, "37060000001")
		done <- err
	}()
	waitQueued(t, st, 1)
	go func() {
		done <- st.writeTx(ctx, func(tx *wtx) error {
			if _, err := tx.Exec("PRAGMA defer_foreign_keys = ON"); err != nil {
				return err
			}
			_, err := tx.Exec("UPDATE dids SET device_id = 999 WHERE did = '37060000002'")
			return err
		})
	}()
	waitQueued(t, st, 2)
	release()
	for range 2 {
		if err := <-done; err == nil {
			t.Fatal("a write of the failed batch reported success")
		}
	}
	if d, _ := st.DIDByNumber(ctx, "37060000001"); d.DeviceID != 2 {
		t.Fatalf("the failed batch was committed: %+v", d)
	}
	cachedRowsMatchFile(t, st, "a failed commit")
}

// TestRowCacheKeepsTheStoredForm: the DID kept after a change is the row as
// the file holds it, whatever the clock's zone and precision, and without
// the columns no DID method writes.
func TestRowCacheKeepsTheStoredForm(t *testing.T) {
	sqliteOnly(t, "the writer's row cache (kept by SQLite's pre-update hook)")
	ctx := context.Background()
	st, _ := openLoaded(t)
	admin := adminCaller(t, st)
	before, err := st.DIDByNumber(ctx, "37060000001")
	if err != nil {
		t.Fatal(err)
	}
	after := *before
	after.Status = domain.StatusClosed
	after.ClosedTill = time.Date(2027, 1, 2, 3, 4, 5, 678, time.FixedZone("UTC+1", 3600))
	after.CallCount, after.Tonezone = 99, "de" // not written by a DID method
	err = st.writeTx(ctx, func(tx *wtx) error {
		return st.saveDIDMove(ctx, st.inTx(tx), admin, "did_close", *before, after)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := cachedRowsMatchFile(t, st, "a close"); n != 1 {
		t.Fatalf("%d rows cached, want the closed DID", n)
	}
}
