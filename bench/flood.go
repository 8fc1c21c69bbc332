package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"text/tabwriter"
	"time"

	"golang.org/x/crypto/bcrypt"

	"morlite/server"
	"morlite/store"
)

// Floods: how cheap API requests fare while the server is flooded with
// logins or with scanning searches. Each flood is measured against the same
// probe run without a flood, in the same run, on the same server.

// FloodConfig is what a flood measurement runs.
type FloodConfig struct {
	DIDs     int           // DIDs to seed
	Flooders int           // concurrent flooding connections
	Probes   int           // concurrent clients sending cheap requests
	Duration time.Duration // per phase
	Dir      string        // where the temporary database goes
}

// floodPassword is the seeded admin's password.
const floodPassword = "flood-pw-1"

// RunFloods seeds a world, serves it on loopback, and prints one row per
// phase: the probes' figures alone, under a flood of correct logins (each
// costs a bcrypt; it runs first, before failures lock the address), under a
// login flood (wrong passwords, one address), and under a flood of dids_get
// scans (search_did_number=%x%, which matches none).
func RunFloods(ctx context.Context, cfg FloodConfig, out io.Writer) error {
	dir, err := os.MkdirTemp(cfg.Dir, "morlite-flood-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "flood.db")
	if err := seedFlood(ctx, path, cfg); err != nil {
		return err
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	base, stop, err := serve(server.New(st, discard).HTTPServer(""))
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(out, "morlite floods: %d DIDs, %d flooding connections, %d probes, %v per phase\n", cfg.DIDs, cfg.Flooders, cfg.Probes, cfg.Duration)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tprobe req/s\tprobe p50\tprobe p99\tp99 x alone\tprobe errors\tflood answers\t")
	var alone result
	for _, ph := range []struct {
		name  string
		flood func(context.Context) string
	}{
		{"alone", nil},
		{"login flood (correct password)", func(ctx context.Context) string { return loginFlood(ctx, base, cfg.Flooders, floodPassword) }},
		{"login flood (wrong passwords)", func(ctx context.Context) string { return loginFlood(ctx, base, cfg.Flooders, "wrong") }},
		{"scan flood (%x%)", func(ctx context.Context) string { return scanFlood(ctx, base, cfg.Flooders) }},
	} {
		r, answers := phase(ctx, base, cfg, ph.flood)
		if ph.flood == nil {
			alone = r
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%v\t%v\t%.1f\t%d\t%s\t\n", ph.name, r.rate(), r.pct(0.5).Round(10*time.Microsecond),
			r.pct(0.99).Round(10*time.Microsecond), float64(r.pct(0.99))/float64(alone.pct(0.99)), r.errors, answers)
	}
	return tw.Flush()
}

// seedFlood loads the bench world with an admin password.
func seedFlood(ctx context.Context, path string, cfg FloodConfig) error {
	st, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	w := World(cfg.DIDs, 8)
	h, err := bcrypt.GenerateFromPassword([]byte(floodPassword), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	w.Users[0].PasswordHash = string(h)
	return st.Load(ctx, w, false)
}

// phase runs the probes (exact-number dids_get) for cfg.Duration while
// flood (if any) runs, and returns their figures and the flood's summary.
func phase(ctx context.Context, base string, cfg FloodConfig, flood func(context.Context) string) (result, string) {
	fctx, cancel := context.WithCancel(ctx)
	var summary string
	var wg sync.WaitGroup
	if flood != nil {
		wg.Add(1)
		go func() { defer wg.Done(); summary = flood(fctx) }()
		time.Sleep(500 * time.Millisecond) // let the flood build up
	}
	var probes []client
	for i := range cfg.Probes {
		probes = append(probes, &reader{base: base, n: cfg.DIDs, rnd: rand.New(rand.NewPCG(uint64(i), 7))})
	}
	r := drive(ctx, probes, cfg.Duration)
	cancel()
	wg.Wait()
	return r, summary
}

// statusCounts counts answers by HTTP status, safe for many goroutines.
type statusCounts struct {
	mu sync.Mutex
	n  map[int]int
}

func (s *statusCounts) add(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == nil {
		s.n = map[int]int{}
	}
	s.n[code]++
}

func (s *statusCounts) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := ""
	for _, code := range []int{200, 303, 401, 429, 503} {
		if s.n[code] > 0 {
			out += fmt.Sprintf("%d×%d ", s.n[code], code)
		}
	}
	return out
}

// flood runs n connections, each repeating one(hc) until ctx ends.
func flood(ctx context.Context, n int, one func(*http.Client) (int, error)) string {
	var counts statusCounts
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			jar, _ := cookiejar.New(nil)
			tr := &http.Transport{DialContext: (&net.Dialer{}).DialContext, MaxIdleConnsPerHost: 1}
			defer tr.CloseIdleConnections()
			hc := &http.Client{Jar: jar, Transport: tr, Timeout: 30 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			for ctx.Err() == nil {
				if code, err := one(hc); err == nil && ctx.Err() == nil {
					counts.add(code)
				}
			}
		}()
	}
	wg.Wait()
	return counts.String()
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// loginFlood posts the login form for admin with password, over and over.
func loginFlood(ctx context.Context, base string, n int, password string) string {
	return flood(ctx, n, func(hc *http.Client) (int, error) {
		resp, err := hc.Get(base + "/billing/callc/login")
		if err != nil {
			return 0, err
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := csrfField.FindSubmatch(page)
		if m == nil {
			return resp.StatusCode, nil
		}
		form := url.Values{"csrf": {string(m[1])}, "login_username": {"admin"}, "login_psw": {password}}
		resp, err = hc.PostForm(base+"/billing/callc/login", form)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		hc.Jar, _ = cookiejar.New(nil) // log in again next time
		return resp.StatusCode, nil
	})
}

// scanFlood sends dids_get searches no index can answer.
func scanFlood(ctx context.Context, base string, n int) string {
	u := signed(base, "dids_get") + "&search_did_number=" + url.QueryEscape("%x%")
	return flood(ctx, n, func(hc *http.Client) (int, error) {
		resp, err := hc.Post(u, "", nil)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	})
}
