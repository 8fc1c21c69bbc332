package server

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"morlite/store"
)

// floodFixture is n free DIDs in the admin's pool and one device of bob's.
func floodFixture(n int) string {
	var dids []string
	for i := 1; i <= n; i++ {
		dids = append(dids, fmt.Sprintf(`{id: %d, did: "%d"}`, i, 5000+i))
	}
	return bobsWorld([]string{`{id: 1, user_id: 5, name: "d1", extension: "101"}`}, dids)
}

// TestOverloadSheds floods a server whose writer is held in the middle of a
// write and whose queue holds 4: the held write and the 4 queued ones are
// answered once the writer goes on, every other request is shed at once
// with 503 "Server busy" and Retry-After, and the shed ones changed
// nothing.
func TestOverloadSheds(t *testing.T) {
	const n, queue = 120, 4
	e := newEnv(t, floodFixture(n), store.WithQueueSize(queue), store.WithMaxBatch(1))
	e.exec(`CREATE TRIGGER slow AFTER UPDATE ON dids BEGIN SELECT test_block('overload'); END`)
	entered, release := holdBlock(t, "overload")
	ts := httptest.NewServer(e.srv)
	defer ts.Close()
	defer release() // before ts.Close, which waits for the held requests
	codes := make([]string, n+1)
	var wg sync.WaitGroup
	post := func(i int) {
		defer wg.Done()
		v := sign("did_device_assign", "admin", "device_id", "1", "did", fmt.Sprint(5000+i))
		resp, err := http.Post(ts.URL+"/billing/api/did_device_assign?"+v.Encode(), "", nil)
		if err != nil {
			codes[i] = err.Error()
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		codes[i] = fmt.Sprintf("%d %s %s", resp.StatusCode, resp.Header.Get("Retry-After"), answerTextOrRaw(string(body)))
	}
	wg.Add(n)
	go post(1)
	<-entered // the writer holds request 1 inside its transaction
	for i := 2; i <= n; i++ {
		go post(i)
	}
	waitShed(t, e, n-1-queue)
	release()
	wg.Wait()
	checkFlood(t, e, codes, 1+queue)
}

// waitShed waits until the store has shed want writes.
func waitShed(t *testing.T, e *env, want int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for e.st.WriteStats().Shed < want {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes shed, want %d", e.st.WriteStats().Shed, want)
		}
		time.Sleep(time.Millisecond)
	}
}

// checkFlood checks each answer against its DID: exactly wantOK assigned,
// the rest shed and unchanged.
func checkFlood(t *testing.T, e *env, codes []string, wantOK int) {
	t.Helper()
	ok, shed := 0, 0
	for i := 1; i < len(codes); i++ {
		d := e.did(fmt.Sprint(5000 + i))
		switch codes[i] {
		case "200  Device assigned to DID":
			ok++
			if d.Status != "active" || d.DeviceID != 1 {
				t.Errorf("DID %d answered assigned but is %+v", i, d)
			}
		case "503 1 Server busy":
			shed++
			if d.Status != "free" {
				t.Errorf("DID %d was shed but changed: %+v", i, d)
			}
		default:
			t.Errorf("request %d: unexpected answer %q", i, codes[i])
		}
	}
	if ok != wantOK || shed != len(codes)-1-wantOK {
		t.Fatalf("%d answered and %d shed, want %d and %d", ok, shed, wantOK, len(codes)-1-wantOK)
	}
}
