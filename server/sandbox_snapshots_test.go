package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"morlite/domain"
	"morlite/fixtures"
	"morlite/sandbox"
	"morlite/store"
)

// takeSnapshotJSON posts {"name": name} with the admin's bearer.
func (e *env) takeSnapshotJSON(name string) sandbox.SnapshotInfo {
	e.t.Helper()
	return e.takeSnapshotWith("secret", name)
}

// takeSnapshotWith is takeSnapshotJSON with another bearer.
func (e *env) takeSnapshotWith(bearer, name string) sandbox.SnapshotInfo {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodPost, sandbox.SnapshotsPath, strings.NewReader(`{"name": "`+name+`"}`))
	req.Header.Set("Authorization", "Bearer "+bearer)
	rec := e.do(req)
	var got sandbox.SnapshotInfo
	if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &got) != nil || got.Name != name {
		e.t.Fatalf("take %s: HTTP %d %s", name, rec.Code, rec.Body)
	}
	return got
}

// restoreSnapshotJSON restores name with bearer and returns the answer.
func (e *env) restoreSnapshotJSON(name, bearer string) (int, sandbox.SnapshotInfo, string) {
	e.t.Helper()
	rec := e.sandboxCall(http.MethodPost, sandbox.SnapshotsPath+"/"+name+"/restore", bearer)
	var got sandbox.SnapshotInfo
	_ = json.Unmarshal(rec.Body.Bytes(), &got)
	return rec.Code, got, rec.Body.String()
}

// TestSnapshotTakeAndRestore: a restore of a snapshot taken before a write
// undoes the write, with the counts; a taken name is 409, an unknown 404.
func TestSnapshotTakeAndRestore(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	before := e.dump()
	snap := e.takeSnapshotJSON("before-test")
	want := store.SnapshotCounts{Users: 14, Devices: 10, Dialplans: 2, DIDs: 14, Providers: 3, Actions: snap.Actions}
	if snap.SnapshotCounts != want || snap.Time == "" {
		t.Fatalf("snapshot %+v, want counts %+v", snap, want)
	}
	if got := e.call("did_device_assign", "admin", "did", "37060000001", "device_id", "2"); got != "Device assigned to DID" {
		t.Fatal(got)
	}
	if e.dump() == before {
		t.Fatal("the write did not change the dump")
	}
	code, got, body := e.restoreSnapshotJSON("before-test", "secret")
	if code != http.StatusOK || got.Status != "restored" || got.SnapshotCounts != want {
		t.Fatalf("restore: HTTP %d %s", code, body)
	}
	if e.dump() != before {
		t.Fatal("the restore did not bring the world back")
	}
	rec := e.sandboxJSON(http.MethodPost, sandbox.SnapshotsPath, `{"name": "before-test"}`)
	checkJSONError(t, "a taken name", rec.Code, http.StatusConflict, rec.Body.String())
	code, _, body = e.restoreSnapshotJSON("nope", "secret")
	checkJSONError(t, "restore an unknown name", code, http.StatusNotFound, body)
	rec = e.sandboxJSON(http.MethodGet, sandbox.SnapshotsPath, "")
	var list []sandbox.SnapshotInfo
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &list) != nil || len(list) != 1 || list[0].Name != "before-test" || list[0].DIDs != 14 {
		t.Fatalf("list: HTTP %d %s", rec.Code, rec.Body)
	}
	if rec := e.sandboxJSON(http.MethodDelete, sandbox.SnapshotsPath+"/before-test", ""); rec.Code != http.StatusNoContent {
		t.Fatalf("delete: HTTP %d %s", rec.Code, rec.Body)
	}
	rec = e.sandboxJSON(http.MethodDelete, sandbox.SnapshotsPath+"/before-test", "")
	checkJSONError(t, "delete again", rec.Code, http.StatusNotFound, rec.Body.String())
}

// TestSnapshotNames: only letters, digits, - and _, up to 64.
func TestSnapshotNames(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	e.takeSnapshotJSON(strings.Repeat("a", 64))
	e.takeSnapshotJSON("A-b_9")
	for _, body := range []string{`{"name": ""}`, `{"name": "a b"}`, `{"name": "` + strings.Repeat("a", 65) + `"}`,
		`{"name": "../x"}`, `{"name": "é"}`, `{"name": 5}`, `{}`, `not json`} {
		rec := e.sandboxJSON(http.MethodPost, sandbox.SnapshotsPath, body)
		checkJSONError(t, body, rec.Code, http.StatusBadRequest, rec.Body.String())
		if !strings.Contains(rec.Body.String(), "name") {
			t.Errorf("%s: %s does not name the field", body, rec.Body)
		}
	}
	if snaps, err := e.st.Snapshots(context.Background()); err != nil || len(snaps) != 2 {
		t.Fatalf("snapshots %v %v, want the two good ones", snaps, err)
	}
}

// TestSnapshotSurvivesRestartAndReset: a snapshot is in the database, so a
// reset keeps it and a new server on the same file restores it; the
// restore keeps the database's recorded source.
func TestSnapshotSurvivesRestartAndReset(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	if got := e.call("did_device_assign", "admin", "did", "37060000001", "device_id", "2"); got != "Device assigned to DID" {
		t.Fatal(got)
	}
	changed := e.dump()
	e.takeSnapshotJSON("assigned")
	e.reset("secret")
	source, _ := e.st.Source(context.Background())
	st, err := store.Open(context.Background(), e.path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e.st.Close()
	e.st = st
	reload := func() (*domain.World, error) { return fixtures.Parse("test.yaml", []byte(demoYAML), sandboxNow) }
	e.srv = New(st, slog.New(slog.NewTextHandler(lockedWriter{e}, nil)), WithSandbox("the demo", reload))
	if code, _, body := e.restoreSnapshotJSON("assigned", "secret"); code != http.StatusOK {
		t.Fatalf("restore after a restart: HTTP %d %s", code, body)
	}
	if e.dump() != changed {
		t.Fatal("the restored world is not the snapshot's")
	}
	if got, _ := st.Source(context.Background()); got != source {
		t.Fatalf("source %q after a restore, want %q", got, source)
	}
}

// TestSnapshotPagePanel: the journal page's panel takes and restores.
func TestSnapshotPagePanel(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	w := e.browser()
	w.Login("admin", demoLogins["admin"])
	before := e.dump()
	a := w.postFollow(sandbox.SnapshotPagePath, url.Values{"name": {"clean"}})
	if !strings.Contains(a.Body, "Snapshot clean taken (14 users, 10 devices, 14 DIDs)") {
		t.Fatalf("take: %s", a.Body)
	}
	if !strings.Contains(a.Body, `<option value="clean">clean (`) {
		t.Fatal("the panel does not list the snapshot")
	}
	if got := e.call("did_device_assign", "admin", "did", "37060000001", "device_id", "2"); got != "Device assigned to DID" {
		t.Fatal(got)
	}
	a = w.postFollow(sandbox.SnapshotPagePath, url.Values{"name": {"clean"}, "restore": {"1"}})
	if !strings.Contains(a.Body, "Snapshot clean restored (14 users, 10 devices, 14 DIDs)") || e.dump() != before {
		t.Fatalf("restore: %s", a.Body)
	}
	a = w.postFollow(sandbox.SnapshotPagePath, url.Values{"name": {"clean"}})
	if !strings.Contains(a.Body, "a snapshot named clean exists") {
		t.Fatalf("a taken name: %s", a.Body)
	}
}

// bWorld is the demo with another admin key ("secret-b") and a marker
// comment on every DID: the world the concurrency test snapshots.
func bWorld(t *testing.T) *domain.World {
	t.Helper()
	text := strings.Replace(prehashed(t, demoYAML), "api_secret_key: secret\n", "api_secret_key: secret-b\n", 1)
	w, err := fixtures.Parse("b.yaml", []byte(text), sandboxNow)
	if err != nil || w.Settings["api_secret_key"] != "secret-b" {
		t.Fatalf("the variant world: %v", err)
	}
	for i := range w.DIDs {
		w.DIDs[i].Comment = "snapshot"
	}
	return w
}

// TestSnapshotRestoreUnderWriters: 64 clients write DID comments, half of
// their requests signed with the key of the world in place (A, "secret"),
// half with the snapshot's (B, "secret-b"), while a snapshot of B is
// restored. Afterwards the world must be exactly the snapshot plus whole
// B-requests: its rows but the comments and the action log are B's, every
// comment is B's or a B-request's, and the action log is B's plus one row
// per B-request answered with success. A request that checked its hash in
// A and wrote in B (a restore that does not wait for the requests in
// flight) leaves an "a-" comment or an extra row, and fails the test.
func TestSnapshotRestoreUnderWriters(t *testing.T) {
	e := newSandboxEnv(t, demoYAML)
	if err := e.st.Load(context.Background(), bWorld(t), true); err != nil {
		t.Fatal(err)
	}
	e.takeSnapshotWith("secret-b", "b")
	snapWorld, err := e.st.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for round := range 8 {
		e.reset("secret-b")
		if round%2 == 0 {
			e.reset("secret") // every other round from a reset's world, as from a fresh one
		}
		ok := e.writeDuringRestore()
		e.checkSnapshotPlus(snapWorld, ok, round)
	}
}

// writeDuringRestore runs the 64 writers, restores "b" while they run, lets
// them run on, and returns how many B-requests succeeded.
func (e *env) writeDuringRestore() int64 {
	e.t.Helper()
	var ok atomic.Int64
	var sent atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Go(func() {
			did := strconv.Itoa([]int{2, 3, 4, 6, 7, 8, 9, 10, 11}[g%9])
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				key, tag := "secret", "a-"
				if n%2 == 1 {
					key, tag = "secret-b", "b-"
				}
				v := signWith(key, "did_details_update", "admin", "did_id", did, "comment", tag+strconv.Itoa(g)+"-"+strconv.Itoa(n))
				a, _ := parseWriterAnswer(e.post("did_details_update", v).Body.String())
				sent.Add(1)
				if tag == "b-" && a == "DID details successfully updated" {
					ok.Add(1)
				}
			}
		})
	}
	for sent.Load() < 64 {
		time.Sleep(time.Millisecond)
	}
	if code, _, body := e.restoreSnapshotJSON("b", "secret"); code != http.StatusOK {
		close(stop)
		wg.Wait()
		e.t.Fatalf("restore: HTTP %d %s", code, body)
	}
	after := sent.Load()
	for sent.Load() < after+128 {
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()
	return ok.Load()
}

// checkSnapshotPlus fails unless the database is snap plus ok whole
// B-requests (see TestSnapshotRestoreUnderWriters).
func (e *env) checkSnapshotPlus(snap *domain.World, ok int64, round int) {
	e.t.Helper()
	got, err := e.st.Export(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	if len(got.DIDs) != len(snap.DIDs) {
		e.t.Fatalf("round %d: %d DIDs, want the snapshot's %d", round, len(got.DIDs), len(snap.DIDs))
	}
	for i, d := range got.DIDs {
		if !strings.HasPrefix(d.Comment, "b-") && d.Comment != "snapshot" {
			e.t.Errorf("round %d: DID %s has comment %q: part of a request from before the restore", round, d.Number, d.Comment)
		}
		d.Comment = snap.DIDs[i].Comment
		if !reflect.DeepEqual(d, snap.DIDs[i]) {
			e.t.Errorf("round %d: DID %+v, want %+v", round, d, snap.DIDs[i])
		}
	}
	if n := int64(len(got.Actions) - len(snap.Actions)); n != ok {
		e.t.Errorf("round %d: %d action rows after the snapshot's, want one per B-request answered (%d)", round, n, ok)
	}
	for _, a := range got.Actions[len(snap.Actions):] {
		if strings.Contains(a.Data+a.Data2, "a-") {
			e.t.Errorf("round %d: action %+v comes from a request from before the restore", round, a)
		}
	}
	snap2 := *snap
	got.DIDs, got.Actions = nil, nil
	snap2.DIDs, snap2.Actions = nil, nil
	if !reflect.DeepEqual(*got, snap2) {
		e.t.Errorf("round %d: the world's other rows are not the snapshot's", round)
	}
	e.t.Logf("round %d: %d B-requests after the restore", round, ok)
}

// postFollow posts a page form and opens the page it redirects to.
func (w *webClient) postFollow(path string, form url.Values) webAnswer {
	w.T.Helper()
	a := w.Post(path, form)
	if a.Status != http.StatusSeeOther {
		w.T.Fatalf("POST %s: HTTP %d, want a redirect: %s", path, a.Status, a.Body)
	}
	return w.Get(a.Location)
}
