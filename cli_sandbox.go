package main

import (
	"context"
	"flag"
	"log/slog"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"morlite/domain"
	"morlite/sandbox"
	"morlite/server"
	"morlite/store"
)

// sandboxFlags are serve's --sandbox and --journal-size (MORLITE_SANDBOX,
// MORLITE_JOURNAL_SIZE).
type sandboxFlags struct {
	mode        string // auto, or a boolean
	journalText string
	journalSize int
}

func (sf *sandboxFlags) register(fs *flag.FlagSet) {
	sf.mode = envOr("MORLITE_SANDBOX", "auto")
	fs.Var(switchValue{&sf.mode}, "sandbox",
		"sandbox mode (request journal, reset, faults, snapshots): auto (on when serving the demo), true or false; --sandbox alone is true (MORLITE_SANDBOX)")
	fs.StringVar(&sf.journalText, "journal-size", envOr("MORLITE_JOURNAL_SIZE", strconv.Itoa(sandbox.DefaultJournalSize)),
		"API requests the sandbox's journal keeps in memory; 0 keeps none (MORLITE_JOURNAL_SIZE)")
}

// switchValue is a flag that reads like a switch but takes a value too:
// --sandbox alone is --sandbox=true, and --sandbox=auto still works.
type switchValue struct{ p *string }

func (v switchValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

func (v switchValue) Set(s string) error { *v.p = s; return nil }

// IsBoolFlag lets the flag stand alone.
func (v switchValue) IsBoolFlag() bool { return true }

// joinSwitchValue turns "--name VALUE" into "--name=VALUE" when VALUE is
// not a flag, so that a switch flag keeps its spaced form (--sandbox auto)
// in a command that takes no other argument.
func joinSwitchValue(args []string, name string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		if (a == "-"+name || a == "--"+name) && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			a, i = a+"="+args[i+1], i+1
		}
		out = append(out, a)
	}
	return out
}

// check refuses a bad --sandbox or --journal-size before anything is opened.
func (sf *sandboxFlags) check() error {
	if _, _, ok := sf.parseMode(); !ok {
		return refuse("--sandbox must be auto, true or false, not %q", sf.mode)
	}
	n, err := strconv.Atoi(strings.TrimSpace(sf.journalText))
	if err != nil || n < 0 {
		return refuse("--journal-size must be a whole number, 0 or more, not %q", sf.journalText)
	}
	sf.journalSize = n
	return nil
}

// parseMode reads --sandbox: auto, or forced on or off.
func (sf *sandboxFlags) parseMode() (auto, on, ok bool) {
	if strings.EqualFold(sf.mode, "auto") {
		return true, false, true
	}
	on, err := strconv.ParseBool(sf.mode)
	return false, on, err == nil
}

// options decides sandbox mode and what a reset reloads: the --fixtures
// file as read at startup, else the demo when the database holds it, else
// the database's contents as exported at startup. auto is on exactly when
// the server serves the demo. It logs one line when sandbox mode is on.
func (sf *sandboxFlags) options(ctx context.Context, st *store.Store, f dbFlags, loaded *fixture, log *slog.Logger) ([]server.Option, error) {
	source, err := st.Source(ctx)
	if err != nil {
		return nil, err
	}
	auto, on, _ := sf.parseMode()
	if auto {
		on = f.fixtures == "" && source == domain.DemoSource
	}
	if !on {
		return nil, nil
	}
	describe, reload, err := sandboxWorld(ctx, st, f, loaded, source)
	if err != nil {
		return nil, err
	}
	log.Info("sandbox mode is on: POST /sandbox/reset reloads "+describe, "journal_size", sf.journalSize)
	return []server.Option{server.WithSandbox(describe, reload), server.WithJournal(sf.journalSize)}, nil
}

// sandboxWorld says what a reset reloads and how.
func sandboxWorld(ctx context.Context, st *store.Store, f dbFlags, loaded *fixture, source string) (string, func() (*domain.World, error), error) {
	switch {
	case f.fixtures != "" && loaded != nil:
		fx, err := loaded.prehashed()
		return "the fixture file " + loaded.name + " (as read at startup)", fx.parse, err
	case source == domain.DemoSource:
		demo := loaded
		if demo == nil {
			demo, _ = readFixture("")
		}
		demo, err := demo.prehashed()
		return "the embedded demo", demo.parse, err
	}
	w, err := st.Export(ctx)
	if err != nil {
		return "", nil, err
	}
	w.Source = source
	return "the database's contents as they were at startup", func() (*domain.World, error) { return w, nil }, nil
}

// prehashed returns the fixture with each user's plain-text password
// replaced by the bcrypt hash of one parse of it, so that a reset does not
// spend bcrypt's deliberate slowness again on every user. Everything else
// is kept as written, relative dates included.
func (fx *fixture) prehashed() (*fixture, error) {
	w := fx.parsed
	if w == nil {
		var err error
		if w, err = fx.parse(); err != nil {
			return nil, err
		}
	}
	hashes := map[string]string{}
	for _, u := range w.Users {
		hashes[u.Username] = u.PasswordHash
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(fx.data, &doc); err != nil || len(doc.Content) == 0 {
		return fx, nil
	}
	users := mappingValue(doc.Content[0], "users")
	if users == nil {
		return fx, nil
	}
	for _, row := range users.Content {
		if name := mappingValue(row, "username"); name != nil {
			usePasswordHash(row, hashes[name.Value])
		}
	}
	data, err := yaml.Marshal(&doc)
	if err != nil {
		return fx, nil
	}
	return &fixture{name: fx.name, data: data, demo: fx.demo}, nil
}

// mappingValue is the value of key in a YAML mapping node, nil when absent.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// usePasswordHash turns a user row's `password: P` into `password_hash: H`.
func usePasswordHash(row *yaml.Node, hash string) {
	for i := 0; i+1 < len(row.Content) && hash != ""; i += 2 {
		if row.Content[i].Value == "password" {
			row.Content[i].Value = "password_hash"
			row.Content[i+1].Value, row.Content[i+1].Tag, row.Content[i+1].Style = hash, "!!str", yaml.DoubleQuotedStyle
		}
	}
}
