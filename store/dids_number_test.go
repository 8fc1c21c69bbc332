package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"morlite/domain"
)

// numberWorld is the demo world with n more DIDs of every kind: each
// status, owner, reseller, device, dial plan, provider, language and
// closing date, numbered numberOf(i).
func numberWorld(t *testing.T, r *rand.Rand, n int) *domain.World {
	t.Helper()
	w := demoWorld(t)
	pick := func(ids []int64) int64 { return ids[r.IntN(len(ids))] }
	var users, resellers, devices, plans, providers []int64
	for _, u := range w.Users {
		users = append(users, u.ID)
		if u.UserType == domain.Reseller {
			resellers = append(resellers, u.ID)
		}
	}
	resellers = append(resellers, 0, 0)
	devices, plans, providers = []int64{0}, []int64{0}, []int64{0}
	for _, d := range w.Devices {
		devices = append(devices, d.ID)
	}
	for _, d := range w.Dialplans {
		plans = append(plans, d.ID)
	}
	for _, p := range w.Providers {
		providers = append(providers, p.ID)
	}
	statuses := []domain.Status{domain.StatusFree, domain.StatusReserved, domain.StatusActive, domain.StatusClosed, domain.StatusTerminated}
	languages := []string{"en", "EN", "Lt", "lt", "", "É", "é"}
	for i := range n {
		d := domain.DID{ID: int64(100 + i), Number: numberOf(i), Status: statuses[r.IntN(len(statuses))],
			UserID: pick(users), ResellerID: pick(resellers), DeviceID: pick(devices), DialplanID: pick(plans),
			ProviderID: pick(providers), Language: languages[r.IntN(len(languages))], CallLimit: r.Int64N(3),
			Comment: fmt.Sprint("c", i), GraceTime: r.Int64N(2), CallCount: r.Int64N(2), Tonezone: "lt"}
		if r.IntN(3) == 0 {
			d.ClosedTill = time.Date(2026, 1, 2, 3, 4, r.IntN(60), 0, time.UTC)
		}
		w.DIDs = append(w.DIDs, d)
	}
	return w
}

func numberOf(i int) string { return fmt.Sprintf("5500%05d", i) }

// randomSearch is dids_get's parameters for one exact number, with a random
// choice of every other filter.
func randomSearch(r *rand.Rand, n int) domain.Params {
	p := domain.Params{"search_did_number": numberOf(r.IntN(n + 5))} // a few numbers no DID has
	maybe := func(name string, values ...string) {
		if r.IntN(4) == 0 {
			p[name] = values[r.IntN(len(values))]
		}
	}
	maybe("search_status", "free", "Reserved", "active", "closed", "terminated", "nonsense")
	maybe("search_user", "0", "3", "5", "6", "9", "x")
	maybe("search_device", "0", "1", "2", "4")
	maybe("search_dialplan", "0", "1", "2")
	maybe("search_provider", "0", "1", "2")
	maybe("search_language", "en", "EN", "lt", "é", "É", "", "all")
	maybe("search_hide_terminated_dids", "1", "0")
	maybe("from", "0", "1", "2")
	maybe("max_results", "0", "1", "5")
	return p
}

// TestSearchNumberMatchesGeneralPath: dids_get for one number answers,
// for every kind of caller and 8,000 random searches, exactly what the
// general query answers, and does answer them (rather than leaving them to
// the general path).
func TestSearchNumberMatchesGeneralPath(t *testing.T) {
	sqliteOnly(t, "the SQLite read path")
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	const n = 300
	st, _ := openTemp(t)
	w := numberWorld(t, r, n)
	if err := st.Load(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	var callers []domain.Caller
	for _, u := range w.Users {
		full, err := st.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		callers = append(callers, domain.Caller{User: full})
	}
	if _, err := st.SearchDIDs(ctx, domain.DIDSearch{Caller: callers[0]}); err != nil {
		t.Fatal(err) // loads the names
	}
	found := 0
	for i := range 8000 {
		c := callers[i%len(callers)]
		search, err := domain.NewDIDSearch(c, randomSearch(r, n))
		if err != nil {
			continue // an accountant without the right: refused before the store
		}
		fast, ok, fastErr := st.searchNumber(ctx, search)
		if !ok {
			t.Fatalf("search %+v: left to the general path", search)
		}
		want, wantErr := st.searchDIDs(ctx, search)
		if !reflect.DeepEqual(fast, want) || !errors.Is(fastErr, wantErr) && fastErr != wantErr {
			t.Fatalf("caller %s, search %+v:\n fast %+v, %v\n want %+v, %v", c.User.Username, search, fast, fastErr, want, wantErr)
		}
		if wantErr == nil {
			found++
		}
	}
	if found < 200 {
		t.Errorf("only %d searches found their DID: the comparison says little", found)
	}
}

// TestSearchNumberBounded: the fast read is admitted to the read lane (with
// every slot taken it is refused after the lane's wait), is refused once it
// has outlived the lane's deadline, and waits for a lock no longer than
// that deadline (at most the pools' 10 s).
func TestSearchNumberBounded(t *testing.T) {
	sqliteOnly(t, "the SQLite read path")
	const wait = 50 * time.Millisecond
	st, _ := openLoaded(t, WithReadLimits(LaneLimits{Wait: wait, Timeout: 1500 * time.Millisecond}))
	ctx := context.Background()
	search := fastSearch(t, st, "37060000001")

	release := st.HoldReads()
	start := time.Now()
	_, err := st.SearchDIDs(ctx, search)
	release()
	if waited := time.Since(start); err != domain.ErrBusy || waited < wait {
		t.Errorf("with every slot taken: %v after %v, want ErrBusy after %v", err, waited, wait)
	}

	for _, c := range []struct {
		timeout time.Duration
		want    int64
	}{{1500 * time.Millisecond, 1500}, {time.Minute, 10_000}} {
		c0, err := openRawConn(st.file, c.timeout)
		if err != nil {
			t.Fatal(err)
		}
		got, err := rawPragma(c0, "busy_timeout")
		c0.close()
		if err != nil || got != c.want {
			t.Errorf("lane timeout %v: busy_timeout %d (%v), want %d", c.timeout, got, err, c.want)
		}
	}
	c0, err := st.numberConns.get(st)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := rawPragma(c0, "busy_timeout"); got != 1500 {
		t.Errorf("the store's fast connections wait %d ms for a lock, want the lane's 1500", got)
	}
	if got, _ := rawPragma(c0, "query_only"); got != 1 {
		t.Errorf("the store's fast connections have query_only %d, want 1", got)
	}
	st.numberConns.put(st, c0)

	st.reads.limits.Timeout = time.Nanosecond
	if _, err := st.SearchDIDs(ctx, search); err != domain.ErrBusy {
		t.Errorf("past its deadline: %v, want ErrBusy", err)
	}
}

// rawPragma reads an integer pragma on c.
func rawPragma(c *rawConn, name string) (int64, error) {
	stmt, err := c.prepare("PRAGMA " + name)
	if err != nil {
		return 0, err
	}
	defer sqlite3.Xsqlite3_finalize(c.tls, stmt)
	if rc := sqlite3.Xsqlite3_step(c.tls, stmt); rc != sqlite3.SQLITE_ROW {
		return 0, c.err(rc)
	}
	return sqlite3.Xsqlite3_column_int64(c.tls, stmt, 0), nil
}

// TestSearchNumberLeavesOddRows: a row holding a value of another type than
// its column's (text or a real in a number column, a blob in a text one, a
// closing date that is not one) is left to the general path, which answers
// as it always has: converting the value, or failing.
func TestSearchNumberLeavesOddRows(t *testing.T) {
	sqliteOnly(t, "the SQLite read path")
	st, path := openLoaded(t)
	ctx := context.Background()
	search := fastSearch(t, st, "37060000001")
	for _, set := range []string{"call_limit = 'x7'", "grace_time = 2.5", "closed_till = 'soon'", "closed_till = 5", "tonezone = x'6c74'"} {
		rawExec(t, path, "UPDATE dids SET "+set+" WHERE did = '37060000001'")
		if _, ok, err := st.searchNumber(ctx, search); ok {
			t.Errorf("%s: the fast path answers (%v)", set, err)
		}
		st.fastReads = false
		want, wantErr := st.SearchDIDs(ctx, search)
		st.fastReads = true
		got, err := st.SearchDIDs(ctx, search)
		if !reflect.DeepEqual(got, want) || fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("%s: %+v, %v; the general path: %+v, %v", set, got, err, want, wantErr)
		}
		rawExec(t, path, "UPDATE dids SET call_limit = 0, grace_time = 0, closed_till = NULL, tonezone = '' WHERE did = '37060000001'")
	}
}

// TestSearchNumberOddFileName: the fast read's connections open the file
// the pools open, whatever its name holds.
func TestSearchNumberOddFileName(t *testing.T) {
	sqliteOnly(t, "the SQLite read path")
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "a?b#c%41 d.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Load(ctx, demoWorld(t), false); err != nil {
		t.Fatal(err)
	}
	admin, err := st.UserByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	number := "37060000001"
	search := domain.DIDSearch{Caller: domain.Caller{User: admin}, Number: &number}
	if _, err := st.SearchDIDs(ctx, search); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := st.searchNumber(ctx, search); !ok || err != nil || len(got) != 1 || got[0].DID.Number != number {
		t.Errorf("fast read on %q: %+v, %v, %v", st.file, got, ok, err)
	}
}

// fastSearch is the admin's dids_get for number, checked to be answered by
// the general path and by the fast one.
func fastSearch(t *testing.T, st *Store, number string) domain.DIDSearch {
	t.Helper()
	ctx := context.Background()
	admin, err := st.UserByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	search := domain.DIDSearch{Caller: domain.Caller{User: admin}, Number: &number}
	if _, err := st.SearchDIDs(ctx, search); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := st.searchNumber(ctx, search); !ok || err != nil {
		t.Fatalf("the fast path does not answer (%v, %v)", ok, err)
	}
	return search
}
