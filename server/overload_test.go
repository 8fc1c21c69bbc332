package server

import (
	"fmt"
	"net/url"
	"testing"

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

// TestOverloadSheds floods a server whose writes are slow and whose queue is
// short: some requests are shed at once with 503 "Server busy" and
// Retry-After, the answered ones are correct, and the shed ones changed
// nothing.
func TestOverloadSheds(t *testing.T) {
	const n = 120
	e := newEnv(t, floodFixture(n), store.WithQueueSize(4), store.WithMaxBatch(1))
	// Every DID write burns CPU inside SQLite, so the writer falls behind.
	e.exec(`CREATE TRIGGER slow AFTER UPDATE ON dids BEGIN
		SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) SELECT x FROM c);
	END`)
	codes := e.postConcurrently(n, func(i int) (string, url.Values) {
		return "did_device_assign", sign("did_device_assign", "admin", "device_id", "1", "did", fmt.Sprint(5000+i))
	})

	ok, shed := 0, 0
	for i := 1; i <= n; i++ {
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
	t.Logf("%d answered, %d shed", ok, shed)
	if shed == 0 || ok == 0 {
		t.Fatalf("%d answered and %d shed: a flood must shed some and serve some", ok, shed)
	}
}
