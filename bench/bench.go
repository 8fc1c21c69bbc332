// Package bench measures morlite over real HTTP on loopback: it seeds a
// temporary database, starts the real server in-process, drives it with
// keep-alive clients, and prints every figure as a ratio to a baseline
// measured in the same run on the same server stack (an echo handler that
// answers the constant success envelope without touching the database).
package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"morlite/server"
	"morlite/store"
)

// Config is what to measure.
type Config struct {
	DIDs       int           // DIDs to seed
	Clients    int           // concurrent keep-alive clients
	Duration   time.Duration // per workload
	Workloads  []string      // of "writes", "reads", "mix"
	Dir        string        // where the temporary database goes ("" = system temp)
	CPUProfile string        // write a CPU profile of the workloads here
	MaxBatch   int           // writes per transaction (0: the store's default; 1: no group commit)
	DB         string        // a mysql:// URL to measure on ("" = a temporary SQLite file)
	Instances  int           // morlite servers sharing the database, clients split across them (0 = 1)
}

// benchSource marks a database the bench seeded: the only non-empty one it
// replaces.
const benchSource = "bench"

// Run seeds, serves, drives and prints the figures to out.
func Run(ctx context.Context, cfg Config, out io.Writer) error {
	for _, w := range cfg.Workloads {
		if !ValidWorkload(w) {
			return fmt.Errorf("unknown workload %q (want writes, reads or mix)", w)
		}
	}
	dir, err := os.MkdirTemp(cfg.Dir, "morlite-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "bench.db")
	engine := "SQLite"
	if cfg.DB != "" {
		path, engine = cfg.DB, store.RedactURL(cfg.DB)
	}
	cfg.Instances = max(1, cfg.Instances)
	fmt.Fprintf(out, "morlite bench: %s, %d instance(s), %d DIDs, %d clients, %v per workload, GOMAXPROCS %d, %s\n",
		engine, cfg.Instances, cfg.DIDs, cfg.Clients, cfg.Duration, runtime.GOMAXPROCS(0), time.Now().UTC().Format("2006-01-02"))
	seed, err := seedDB(ctx, path, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "seed: %d DIDs in %v\n", cfg.DIDs, seed.Round(time.Millisecond))
	base, err := measureBaseline(ctx, cfg)
	if err != nil {
		return err
	}
	if err := measureWorkloads(ctx, path, cfg, base, out); err != nil {
		return err
	}
	ready, err := restart(ctx, path)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "restart on the existing database, ready to serve: %v\n", ready.Round(time.Millisecond))
	fmt.Fprintf(out, "peak RSS: %d MB\n", peakRSSMB())
	return nil
}

// ValidWorkload reports whether name is one of the bench's workloads.
func ValidWorkload(name string) bool { return name == "writes" || name == "reads" || name == "mix" }

// discard is the servers' logger: the bench prints figures, not logs.
var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// measureBaseline drives the baseline server with the writers' requests.
func measureBaseline(ctx context.Context, cfg Config) (result, error) {
	url, stop, err := serve(server.NewBaseline(discard).HTTPServer(""))
	if err != nil {
		return result{}, err
	}
	defer stop()
	var clients []client
	for _, w := range writers([]string{url}, cfg) {
		clients = append(clients, unchecked{w})
	}
	return drive(ctx, clients, cfg.Duration), nil
}

// measureWorkloads serves the seeded database and prints one row per
// workload, each as a ratio to base.
func measureWorkloads(ctx context.Context, path string, cfg Config, base result, out io.Writer) error {
	var opts []store.Option
	if cfg.MaxBatch > 0 {
		opts = append(opts, store.WithMaxBatch(cfg.MaxBatch))
	}
	var stores []*store.Store
	var urls []string
	for range cfg.Instances {
		st, err := store.Open(ctx, path, opts...)
		if err != nil {
			return err
		}
		defer st.Close()
		url, stop, err := serve(server.New(st, discard).HTTPServer(""))
		if err != nil {
			return err
		}
		defer stop()
		stores, urls = append(stores, st), append(urls, url)
	}
	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\treq/s\tx baseline\tp50\tp99\tmax\terrors\tmean batch\tCPU/req\tCPU ratio\t")
	row(tw, "baseline", base, base, "")
	ws := writers(urls, cfg)
	for _, name := range cfg.Workloads {
		before := writeStats(stores)
		r := drive(ctx, clientsFor(name, ws, urls, cfg), cfg.Duration)
		row(tw, name, r, base, meanBatch(before, writeStats(stores)))
	}
	return tw.Flush()
}

// writeStats adds up the instances' write counters.
func writeStats(stores []*store.Store) store.WriteStats {
	var sum store.WriteStats
	for _, st := range stores {
		ws := st.WriteStats()
		sum.Batches, sum.Jobs = sum.Batches+ws.Batches, sum.Jobs+ws.Jobs
	}
	return sum
}

// seedDB bulk-loads the bench world and reports how long it took.
func seedDB(ctx context.Context, path string, cfg Config) (time.Duration, error) {
	start := time.Now()
	st, err := store.Open(ctx, path)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	src, err := st.Source(ctx)
	if err != nil {
		return 0, err
	}
	w := World(cfg.DIDs, cfg.Clients)
	w.Source = benchSource
	if err := st.Load(ctx, w, src == benchSource); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// serve starts srv on a loopback port and returns its base URL.
func serve(srv *http.Server) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	go srv.Serve(ln)
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// writers gives each client its own DIDs (those reserved for its user) and
// its user's trunk.
func writers(urls []string, cfg Config) []*writer {
	ws := make([]*writer, cfg.Clients)
	for c := range ws {
		w := &writer{base: urls[c%len(urls)], device: strconv.Itoa(c + 1)}
		for i := c; i < cfg.DIDs; i += cfg.Clients {
			w.dids = append(w.dids, i)
		}
		ws[c] = w
	}
	return ws
}

func clientsFor(name string, ws []*writer, urls []string, cfg Config) []client {
	cs := make([]client, len(ws))
	for i, w := range ws {
		r := &reader{base: urls[i%len(urls)], n: cfg.DIDs, rnd: rand.New(rand.NewPCG(uint64(i), 42))}
		switch name {
		case "writes":
			cs[i] = w
		case "reads":
			cs[i] = r
		default: // "mix", the only other name ValidWorkload lets through
			cs[i] = &mixed{r: r, w: w, readShare: 0.9}
		}
	}
	return cs
}

func row(w io.Writer, name string, r, base result, batch string) {
	fmt.Fprintf(w, "%s\t%.0f\t%.2f\t%v\t%v\t%v\t%d\t%s\t%v\t%.2f\t\n", name, r.rate(), r.rate()/base.rate(),
		r.pct(0.50).Round(10*time.Microsecond), r.pct(0.99).Round(10*time.Microsecond),
		r.pct(1).Round(10*time.Microsecond), r.errors, batch,
		r.cpuPerRequest().Round(100*time.Nanosecond), cpuRatio(base, r))
}

// cpuRatio is the baseline's CPU time per request over r's: the share of
// the baseline's rate r would reach with the machine to itself, were CPU
// all it waited for (it does not see the writer's fsync waits).
func cpuRatio(base, r result) float64 {
	if r.cpuPerRequest() == 0 {
		return 0
	}
	return float64(base.cpuPerRequest()) / float64(r.cpuPerRequest())
}

func meanBatch(before, after store.WriteStats) string {
	b := after.Batches - before.Batches
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(after.Jobs-before.Jobs)/float64(b))
}

// restart opens the existing database and answers one request.
func restart(ctx context.Context, path string) (time.Duration, error) {
	start := time.Now()
	st, err := store.Open(ctx, path)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	url, stop, err := serve(server.New(st, discard).HTTPServer(""))
	if err != nil {
		return 0, err
	}
	defer stop()
	req := (&reader{base: url, n: 1, rnd: rand.New(rand.NewPCG(1, 1))}).next()
	resp, err := http.Post(req.url, "", nil)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return time.Since(start), nil
}

// peakRSSMB reads the process's peak resident set (VmHWM) from /proc.
func peakRSSMB() int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return kb / 1024
		}
	}
	return -1
}
