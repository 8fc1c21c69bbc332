package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"morlite/bench"
	"morlite/domain"
	"morlite/fixtures"
	"morlite/server"
	"morlite/store"
)

// usageError is a refusal: a bad command line, a bad fixture file, or a
// database that may not be overwritten. It exits with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func refuse(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// run is the whole program: main only adds signals and exit codes, so that
// tests can run it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	switch {
	case len(args) > 0 && isHelpFlag(args[0]):
		cmd, args = "help", nil // morlite -h: every command, not serve's flags alone
	case len(args) > 0 && !strings.HasPrefix(args[0], "-"):
		cmd, args = args[0], args[1:]
	}
	var err error
	if cmd == "help" {
		err = runHelp(ctx, args, stdout)
	} else if c, ok := findCommand(cmd); ok {
		err = c.run(ctx, args, stdout, stderr)
	} else {
		err = unknownCommand(cmd)
	}
	// Help asked for is an answer, on stdout, and success.
	var h helpRequest
	if errors.As(err, &h) {
		c, _ := findCommand(cmd)
		printFlags(stdout, c, h.fs)
		return nil
	}
	// A database morlite may not use is a refusal: one line, status 2.
	var oe *store.OpenError
	if errors.As(err, &oe) {
		return usageError{oe.Error()}
	}
	return err
}

// isHelpFlag reports whether arg asks for help.
func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "--h", "-help", "--help":
		return true
	}
	return false
}

// defaultAddr is loopback: a server is reachable from elsewhere only when
// its operator says so.
const defaultAddr = "127.0.0.1:8080"

// dbFlags are the flags serve and load share; each reads its MORLITE_
// variable, and a flag wins over its variable.
type dbFlags struct {
	db, fixtures string
	reset        bool
}

// newFlagSet is a command's flag set. It prints nothing itself: parseFlags
// words its errors, and run prints the help a -h asks for.
func newFlagSet(name string, _ io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("morlite "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

func (f *dbFlags) register(fs *flag.FlagSet, withFixtures bool) {
	fs.StringVar(&f.db, "db", envOr("MORLITE_DB", "morlite.db"), "SQLite database file, or mysql://USER:PASSWORD@HOST:PORT/DBNAME (MORLITE_DB)")
	if withFixtures {
		fs.StringVar(&f.fixtures, "fixtures", os.Getenv("MORLITE_FIXTURES"), "fixture file to load into a new database (MORLITE_FIXTURES)")
		fs.BoolVar(&f.reset, "reset", false, "empty the database first, then load the fixtures (or the demo)")
	}
}

// parseFlags parses a command's flags, and refuses any argument left.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := parseOnly(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return refuse("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// parseOnly parses a command's flags: -h is a helpRequest, an unknown flag
// a refusal naming the closest real one.
func parseOnly(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		return helpRequest{fs}
	}
	return flagRefusal(fs, err)
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// fixture is a fixture file's content as read once (or the embedded demo):
// a sandbox reset parses it again, so that its relative dates stay right.
type fixture struct {
	name string
	data []byte
	demo bool
	// parsed is the world prepare loaded from it, if any.
	parsed *domain.World
}

// readFixture reads the fixture file at path, or the embedded demo when
// path is empty.
func readFixture(path string) (*fixture, error) {
	if path == "" {
		return &fixture{name: fixtures.DemoName, data: fixtures.Demo, demo: true}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, refuse("reading fixtures: %v", err)
	}
	return &fixture{name: path, data: data}, nil
}

// parse reads the fixture into a world whose Source names it. A bad file is
// a refusal naming its line.
func (fx *fixture) parse() (*domain.World, error) {
	w, err := fixtures.Parse(fx.name, fx.data, time.Now())
	if err != nil {
		return nil, usageError{err.Error()}
	}
	w.Source = domain.FileSource(fx.name)
	if fx.demo {
		w.Source = domain.DemoSource
	}
	return w, nil
}

// prepare opens the database and loads fixtures as serve and load do: a new
// database gets the file (or the demo); an existing one keeps its data
// unless reset is asked for. It returns the fixture it loaded, nil when it
// loaded none.
func prepare(ctx context.Context, f dbFlags, demoWhenEmpty bool) (*store.Store, *fixture, error) {
	st, err := store.Open(ctx, f.db)
	if err != nil {
		return nil, nil, err
	}
	empty, err := st.IsEmpty(ctx)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	if !empty && f.fixtures != "" && !f.reset {
		st.Close()
		return nil, nil, refuse("%s is not empty; add --reset to replace its contents with %s", st.Where(), f.fixtures)
	}
	if !empty && !f.reset {
		return st, nil, nil
	}
	if f.fixtures == "" && !demoWhenEmpty {
		st.Close()
		return nil, nil, refuse("--fixtures is required")
	}
	fx, err := readFixture(f.fixtures)
	if err == nil {
		var w *domain.World
		if w, err = fx.parse(); err == nil {
			fx.parsed = w
			err = st.Load(ctx, w, f.reset)
		}
	}
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, fx, nil
}

// runServe is `morlite serve`: open, load if new, serve until ctx ends.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f dbFlags
	fs := newFlagSet("serve", stderr)
	args = joinSwitchValue(args, "sandbox")
	addr := fs.String("addr", envOr("MORLITE_ADDR", defaultAddr), "listen address (MORLITE_ADDR)")
	f.register(fs, true)
	var sf sandboxFlags
	sf.register(fs)
	var hf hostFlags
	hf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := errors.Join(sf.check(), hf.check()); err != nil {
		return err
	}
	log := newLogger(stderr)
	st, loaded, err := prepare(ctx, f, true)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, w := range st.Warnings() {
		log.Warn("database durability: "+w, "db", st.Where())
	}
	if err := warnPublicSecrets(ctx, st, log); err != nil {
		return err
	}
	opts, err := sf.options(ctx, st, f, loaded, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := server.New(st, log, append(opts, hf.options(ln)...)...).HTTPServer(*addr)
	fmt.Fprintf(stdout, "morlite listening on http://%s\n", ln.Addr())
	return serveUntilDone(ctx, srv, ln, log)
}

// warnPublicSecrets logs, at every start, when the world served came from
// the demo (loaded now or at an earlier start) or accepts the legacy hash
// form.
func warnPublicSecrets(ctx context.Context, st *store.Store, log *slog.Logger) error {
	source, err := st.Source(ctx)
	if err != nil {
		return err
	}
	if source == domain.DemoSource {
		log.Warn("serving the demo fixtures: their passwords and API secret are public; do not expose this server")
	}
	s, err := st.Settings(ctx)
	if err != nil {
		return err
	}
	if s.HashMode == domain.HashCompatible {
		log.Warn("hash_mode is compatible: the legacy hash form is accepted, so one hash per device authorizes any DID")
	}
	return nil
}

// serveUntilDone serves until ctx ends, then lets in-flight requests finish
// for shutdownGrace; the connections left after it (a slow or stalled
// client) are cut, with one log line saying how many. That is a clean stop.
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener, log *slog.Logger) error {
	var conns connCounter
	conns.track(srv)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		if !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		cut := conns.open()
		srv.Close()
		log.Warn("shutdown grace period over: connections cut", "grace", shutdownGrace, "cut", cut)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// runLoad is `morlite load`: fixtures into a database, no serving.
func runLoad(ctx context.Context, args []string, stderr io.Writer) error {
	var f dbFlags
	fs := newFlagSet("load", stderr)
	f.register(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st, _, err := prepare(ctx, f, false)
	if err != nil {
		return err
	}
	return st.Close()
}

// runExport is `morlite export`: the database as a fixture file on stdout.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f dbFlags
	fs := newFlagSet("export", stderr)
	f.register(fs, false)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, err := os.Stat(f.db); err != nil && !store.IsURL(f.db) {
		return refuse("no database at %s", f.db)
	}
	st, err := store.Open(ctx, f.db)
	if err != nil {
		return err
	}
	defer st.Close()
	w, err := st.Export(ctx)
	if err != nil {
		return err
	}
	out, err := fixtures.Export(w)
	if err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}

// runHash is `morlite hash`: MOR's "Generate hash" on the command line.
func runHash(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("hash", stderr)
	secret := fs.String("secret", "", "the API secret key")
	legacy := fs.Bool("legacy", false, "the legacy form (names older MOR servers did not hash are left out)")
	method := fs.String("method", "", "the API method (users_get hashes u and p only)")
	if err := parseOnly(fs, args); err != nil {
		return err
	}
	p := domain.Params{}
	for _, a := range fs.Args() {
		name, value, ok := strings.Cut(a, "=")
		if !ok {
			return refuse("want name=value, got %q", a)
		}
		p[name] = value
	}
	form := domain.Documented
	if *legacy {
		form = domain.Legacy
	}
	names, text := domain.HashInput(*method, p, form)
	fmt.Fprintf(stdout, "params: %s\nhash: %s\n", strings.Join(names, " "), domain.Hash(text, *secret))
	return nil
}

// runBench is `morlite bench`: the load command (package bench).
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", stderr)
	cfg := bench.Config{}
	fs.IntVar(&cfg.DIDs, "dids", 1000, "DIDs to seed")
	fs.IntVar(&cfg.Clients, "clients", 64, "concurrent keep-alive clients")
	fs.DurationVar(&cfg.Duration, "duration", 5*time.Second, "how long each workload runs")
	workloads := fs.String("workloads", "writes,reads,mix", "comma-separated: writes, reads, mix")
	fs.StringVar(&cfg.Dir, "dir", "", "where the temporary database goes (default: the system's temp dir)")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the workloads to this file")
	fs.StringVar(&cfg.DB, "db", "", "measure on this mysql:// database (empty, or one the bench seeded before) instead of a temporary SQLite file")
	fs.IntVar(&cfg.Instances, "instances", 1, "morlite servers sharing the database, the clients split across them")
	fs.IntVar(&cfg.MaxBatch, "max-batch", 0, "writes per transaction (default: the store's; 1 = one transaction and fsync per write)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if cfg.DIDs < 1 || cfg.Clients < 1 || cfg.Duration <= 0 {
		return refuse("--dids, --clients and --duration must be positive")
	}
	if cfg.Instances > 1 && !store.IsURL(cfg.DB) {
		return refuse("--instances above 1 needs a mysql:// --db: one SQLite file has one server")
	}
	cfg.Workloads = strings.Split(*workloads, ",")
	for _, w := range cfg.Workloads {
		if !bench.ValidWorkload(w) {
			return refuse("unknown workload %q (want writes, reads or mix)", w)
		}
	}
	return bench.Run(ctx, cfg, stdout)
}
