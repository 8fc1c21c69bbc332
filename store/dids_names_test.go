package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"morlite/domain"
)

// searchBothWays runs search with the names in memory (checking they were
// used) and with the joins, and fails when the two answers differ.
func searchBothWays(t *testing.T, st *Store, search domain.DIDSearch, step string) {
	t.Helper()
	ctx := context.Background()
	named, err := st.SearchDIDs(ctx, search)
	if !namesKept(t, st) && err == nil {
		t.Fatalf("%s: the names in memory were not used", step)
	}
	joinsOnly(st, true)
	joined, jerr := st.SearchDIDs(ctx, search)
	joinsOnly(st, false)
	if !errors.Is(err, jerr) && (err == nil || jerr == nil) || !reflect.DeepEqual(named, joined) {
		t.Fatalf("%s, caller %s: with the names in memory\n%+v, %v\nwith the joins\n%+v, %v",
			step, search.Caller.User.Username, named, err, joined, jerr)
	}
}

// namesKept reports whether the store keeps the names for the world as it
// is now (SQLite: the hook's generation; MySQL: the world generation).
func namesKept(t *testing.T, st *Store) bool {
	if st.eng.shared {
		_, ok := st.world.namesAt(worldGen(t, st))
		return ok
	}
	v := st.names.val.Load()
	return v != nil && v.gen == st.names.gen.Load() && v.names != nil
}

// joinsOnly has dids_get read the names with the joins (on), or from memory.
func joinsOnly(st *Store, on bool) {
	if st.eng.shared {
		st.world.joinsOnly.Store(on)
	} else {
		st.names.on.Store(!on)
	}
}

// TestListDIDsNamesMatchJoins: dids_get answers from the names in memory
// exactly what the joins give, for every demo caller, before and after the
// named rows change.
func TestListDIDsNamesMatchJoins(t *testing.T) {
	ctx := context.Background()
	st, _ := openLoaded(t)
	admin := adminCaller(t, st)
	if _, err := st.AssignDID(ctx, domain.DeviceAssign, "did_device_assign", admin, "2", "37060000001"); err != nil {
		t.Fatal(err)
	}
	var callers []domain.Caller
	for _, name := range []string{"admin", "accountant", "reseller", "reseller2", "bob", "carol", "erin"} {
		u, err := st.UserByUsername(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		callers = append(callers, domain.Caller{User: u})
	}
	active, one := domain.StatusActive, "37060000001"
	changes := []string{
		"",
		"UPDATE devices SET name = 'renamed', device_type = 'IAX2' WHERE id = 2",
		"UPDATE users SET first_name = '', last_name = ' ' WHERE id = 5",
		"UPDATE users SET first_name = 'Res', last_name = 'Eller' WHERE id = 3",
		"UPDATE providers SET name = 'Other' WHERE id = 1",
		"UPDATE dialplans SET name = 'IVR 2', dptype = 'ivr' WHERE id = 1",
	}
	for _, change := range changes {
		if change != "" {
			if err := st.writeTx(ctx, func(tx *wtx) error { _, err := tx.Exec(change); return err }); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range callers {
			for _, s := range []domain.DIDSearch{{Caller: c}, {Caller: c, Status: &active}, {Caller: c, Number: &one}} {
				searchBothWays(t, st, s, "after "+change)
			}
		}
	}
}

// TestListDIDsNamesNeverMixSnapshots: while one write at a time renames a
// device and writes the same text into its DID's comment, every dids_get
// answer shows a device label and a comment of the same write.
func TestListDIDsNamesNeverMixSnapshots(t *testing.T) {
	ctx := context.Background()
	st, _ := openLoaded(t)
	admin := adminCaller(t, st)
	if _, err := st.AssignDID(ctx, domain.DeviceAssign, "did_device_assign", admin, "2", "37060000001"); err != nil {
		t.Fatal(err)
	}
	number := "37060000001"
	search := domain.DIDSearch{Caller: admin, Number: &number}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			name := fmt.Sprint("n", i)
			st.writeTx(ctx, func(tx *wtx) error {
				if _, err := tx.Exec("UPDATE devices SET name = ? WHERE id = 2", name); err != nil {
					return err
				}
				_, err := tx.Exec("UPDATE dids SET comment = ? WHERE did = ?", name, number)
				return err
			})
		}
	}()
	errs := make(chan error, 4)
	deadline := time.Now().Add(time.Second)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				l, err := st.SearchDIDs(ctx, search)
				if err != nil {
					errs <- err
					return
				}
				if c := l[0].DID.Comment; c != "" && !strings.HasSuffix(l[0].DeviceLabel, "/"+c) {
					errs <- fmt.Errorf("device %q next to comment %q: names of another snapshot", l[0].DeviceLabel, c)
					return
				}
			}
		}()
	}
	time.Sleep(time.Until(deadline))
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
