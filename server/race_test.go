package server

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// bobsWorld is a fixture with the admin (key "secret") and bob, plus the
// given device and DID rows (YAML flow maps, one a line).
func bobsWorld(devices, dids []string) string {
	var b strings.Builder
	b.WriteString(`settings: {allow_api: true, api_secret_key: secret}
users:
  - {id: 0, username: admin, usertype: admin}
  - {id: 5, username: bob, usertype: user, owner_id: 0}
`)
	for _, section := range []struct {
		name string
		rows []string
	}{{"devices", devices}, {"dids", dids}} {
		b.WriteString(section.name + ":\n")
		for _, r := range section.rows {
			b.WriteString("  - " + r + "\n")
		}
	}
	return b.String()
}

// raceFixture is bob with n trunk devices and one DID reserved for him.
func raceFixture(n int) string {
	var devices []string
	for i := 1; i <= n; i++ {
		devices = append(devices, fmt.Sprintf(`{id: %d, user_id: 5, name: "t%d", extension: "%d", istrunk: 1}`, i, i, 100+i))
	}
	return bobsWorld(devices, []string{`{id: 1, did: "123456789", status: reserved, user_id: 5}`})
}

// TestConcurrentAssignOneWinner sends 50 concurrent requests over real HTTP,
// each assigning the one reserved DID to a different trunk of its user:
// exactly one wins, the others get the text of arriving second.
func TestConcurrentAssignOneWinner(t *testing.T) {
	const n = 50
	e := newEnv(t, raceFixture(n))
	answers := e.postConcurrently(n, func(dev int) (string, url.Values) {
		return "did_trunk_device_assign", sign("did_trunk_device_assign", "admin", "device_id", fmt.Sprint(dev), "did", "123456789")
	})

	winner, lost := 0, 0
	for dev := 1; dev <= n; dev++ {
		switch answers[dev] {
		case "200  Device assigned to DID":
			winner = dev
		case "200  DID is not free":
			lost++
		default:
			t.Errorf("device %d: unexpected answer %q", dev, answers[dev])
		}
	}
	if lost != n-1 || winner == 0 {
		t.Fatalf("%d losers and winner %d, want exactly one winner", lost, winner)
	}
	if d := e.did("123456789"); d.Status != "active" || d.DeviceID != int64(winner) || d.UserID != 5 {
		t.Fatalf("database shows %+v, winner was device %d", d, winner)
	}
}

// postConcurrently starts a real HTTP server on the env and sends n
// requests at once, request i (from 1) built by req. Answer i reads
// "STATUS Retry-After TEXT" (Retry-After empty when absent).
func (e *env) postConcurrently(n int, req func(i int) (method string, v url.Values)) []string {
	ts := httptest.NewServer(e.srv)
	defer ts.Close()
	answers := make([]string, n+1)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 1; i <= n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			method, v := req(i)
			<-start
			resp, err := http.Post(ts.URL+"/billing/api/"+method+"?"+v.Encode(), "", nil)
			if err != nil {
				answers[i] = err.Error()
				return
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			answers[i] = fmt.Sprintf("%d %s %s", resp.StatusCode, resp.Header.Get("Retry-After"), answerTextOrRaw(string(body)))
		}()
	}
	close(start)
	wg.Wait()
	return answers
}

// answerTextOrRaw extracts the envelope's text without failing the test
// from a goroutine.
func answerTextOrRaw(body string) string {
	for _, tag := range []string{"success", "error"} {
		if i := strings.Index(body, "<"+tag+">"); i >= 0 {
			rest := body[i+len(tag)+2:]
			if j := strings.Index(rest, "</"+tag+">"); j >= 0 {
				return rest[:j]
			}
		}
	}
	return body
}
