package bench

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"morlite/domain"
)

// result is one workload's figures.
type result struct {
	requests int
	errors   int
	elapsed  time.Duration
	cpu      time.Duration // the process's CPU time (client and server) over the run
	lat      []time.Duration
}

func (r result) rate() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// cpuPerRequest is the process's CPU time per answered request: unlike
// req/s, it barely moves when other programs load the machine.
func (r result) cpuPerRequest() time.Duration {
	if r.requests == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.requests)
}

func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, int(float64(len(r.lat))*p))]
}

// call is one prepared request and the text a correct answer carries.
type call struct {
	url  string
	want string
}

// signed builds a request URL for method with the documented hash.
func signed(base, method string, kv ...string) string {
	v := url.Values{"u": {"admin"}}
	p := domain.Params{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
		p[kv[i]] = kv[i+1]
	}
	_, text := domain.HashInput(method, p, domain.Documented)
	v.Set("hash", domain.Hash(text, benchSecret))
	return base + "/billing/api/" + method + "?" + v.Encode()
}

// client is one keep-alive client's script: next returns its next request.
type client interface{ next() call }

// unchecked wraps a client whose answers are not checked (the baseline
// answers one constant text to everything).
type unchecked struct{ c client }

func (u unchecked) next() call {
	c := u.c.next()
	c.want = ""
	return c
}

// writer cycles its own DIDs: assign (trunk on the first pass, where the DID
// is reserved; device assign after, where unassign has freed it), unassign.
type writer struct {
	base      string
	device    string
	dids      []int
	i         int
	pass      int
	assigning bool
}

func (w *writer) next() call {
	number := didNumber(w.dids[w.i])
	w.assigning = !w.assigning
	if !w.assigning {
		w.i++
		if w.i == len(w.dids) {
			w.i, w.pass = 0, w.pass+1
		}
		return call{signed(w.base, "did_device_unassign", "did", number), "Device was unassigned from DID"}
	}
	method := "did_trunk_device_assign"
	if w.pass > 0 {
		method = "did_device_assign"
	}
	return call{signed(w.base, method, "device_id", w.device, "did", number), "Device assigned to DID"}
}

// reader asks dids_get for one random DID number at a time.
type reader struct {
	base string
	n    int
	rnd  *rand.Rand
}

func (r *reader) next() call {
	number := didNumber(r.rnd.IntN(r.n))
	return call{signed(r.base, "dids_get") + "&search_did_number=" + number, "<did>" + number + "</did>"}
}

// mixed sends reads with probability readShare, else its writer's next step.
type mixed struct {
	r         *reader
	w         *writer
	readShare float64
}

func (m *mixed) next() call {
	if m.w.assigning || m.r.rnd.Float64() >= m.readShare {
		return m.w.next()
	}
	return m.r.next()
}

// drive runs the clients concurrently over keep-alive connections for d.
func drive(ctx context.Context, clients []client, d time.Duration) result {
	tr := &http.Transport{MaxIdleConns: len(clients), MaxIdleConnsPerHost: len(clients), MaxConnsPerHost: len(clients)}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var all result
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), processCPU()
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := runClient(ctx, hc, c)
			mu.Lock()
			all.requests += r.requests
			all.errors += r.errors
			all.lat = append(all.lat, r.lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	all.elapsed, all.cpu = time.Since(start), processCPU()-cpu0
	slices.Sort(all.lat)
	return all
}

func runClient(ctx context.Context, hc *http.Client, c client) result {
	var r result
	for ctx.Err() == nil {
		req := c.next()
		t0 := time.Now()
		resp, err := hc.Post(req.url, "", nil)
		if err != nil {
			if ctx.Err() == nil {
				r.errors++
			}
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		r.lat = append(r.lat, time.Since(t0))
		r.requests++
		if err != nil || resp.StatusCode != 200 || (req.want != "" && !strings.Contains(string(body), req.want)) {
			r.errors++
		}
	}
	return r
}
