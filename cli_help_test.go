package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

// helpOf runs morlite with args and returns what it printed on stdout; it
// must succeed.
func helpOf(t *testing.T, args ...string) string {
	t.Helper()
	var stdout bytes.Buffer
	if err := run(context.Background(), args, &stdout, io.Discard); err != nil {
		t.Fatalf("morlite %s: %v", strings.Join(args, " "), err)
	}
	return stdout.String()
}

// flagsOf is the flag set a command parses, as its -h reports it.
func flagsOf(t *testing.T, c command) *flag.FlagSet {
	t.Helper()
	var h helpRequest
	if err := c.run(context.Background(), []string{"-h"}, io.Discard, io.Discard); !errors.As(err, &h) {
		t.Fatalf("%s -h: %v", c.name, err)
	}
	return h.fs
}

// commandSection is the part of `morlite help` about one command.
func commandSection(t *testing.T, all, name string) string {
	t.Helper()
	_, section, ok := strings.Cut(all, "\nmorlite "+name+" ")
	if !ok {
		t.Fatalf("morlite help has no section for %s:\n%s", name, all)
	}
	section, _, _ = strings.Cut(section, "\nmorlite ")
	return section
}

// flagLine is the line of a help text that lists --name.
func flagLine(text, name string) string {
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == "--"+name {
			return line
		}
	}
	return ""
}

// TestHelpListsEveryCommandAndFlag: `morlite help`, `morlite -h` and each
// `morlite <command> -h` list every command and every flag it parses.
func TestHelpListsEveryCommandAndFlag(t *testing.T) {
	all := helpOf(t, "help")
	if dash := helpOf(t, "-h"); dash != all {
		t.Fatalf("morlite -h differs from morlite help:\n%s", dash)
	}
	for _, c := range commands() {
		if !strings.Contains(all, "\n  "+c.name+" ") {
			t.Errorf("morlite help does not list the command %s", c.name)
		}
		if c.run == nil {
			continue
		}
		section := commandSection(t, all, c.name)
		own := helpOf(t, c.name, "-h")
		n := 0
		flagsOf(t, c).VisitAll(func(f *flag.Flag) {
			n++
			if flagLine(section, f.Name) == "" || flagLine(own, f.Name) == "" {
				t.Errorf("--%s of %s is missing from its help:\n%s", f.Name, c.name, own)
			}
		})
		if n == 0 {
			t.Errorf("%s has no flags", c.name)
		}
	}
}

// TestHelpNamesEachFlagsVariable: each flag's line names the variable it
// reads, and the variable is really read (the default shown is the
// variable's value); a flag without one says "-".
func TestHelpNamesEachFlagsVariable(t *testing.T) {
	for _, env := range []string{"MORLITE_ADDR", "MORLITE_DB", "MORLITE_FIXTURES", "MORLITE_SANDBOX", "MORLITE_JOURNAL_SIZE", "MORLITE_ALLOW_HOSTS"} {
		t.Setenv(env, "from-"+env)
	}
	for _, tc := range []struct{ cmd, flag, env string }{
		{"serve", "addr", "MORLITE_ADDR"}, {"serve", "db", "MORLITE_DB"}, {"serve", "fixtures", "MORLITE_FIXTURES"},
		{"serve", "sandbox", "MORLITE_SANDBOX"}, {"serve", "journal-size", "MORLITE_JOURNAL_SIZE"},
		{"serve", "allow-host", "MORLITE_ALLOW_HOSTS"}, {"serve", "reset", "-"},
		{"load", "db", "MORLITE_DB"}, {"load", "fixtures", "MORLITE_FIXTURES"}, {"export", "db", "MORLITE_DB"},
		{"check", "db", "MORLITE_DB"}, {"hash", "secret", "-"}, {"bench", "db", "-"}, {"bench", "clients", "-"},
	} {
		line := flagLine(helpOf(t, tc.cmd, "-h"), tc.flag)
		f := strings.Fields(line)
		if len(f) < 3 || (f[1] != tc.env && f[2] != tc.env) {
			t.Errorf("%s --%s: want the variable %s, got %q", tc.cmd, tc.flag, tc.env, line)
		}
		if tc.env != "-" && !strings.Contains(line, `(default "from-`+tc.env+`")`) {
			t.Errorf("%s --%s does not read %s: %q", tc.cmd, tc.flag, tc.env, line)
		}
	}
}

// TestUnknownNamesTheClosest: an unknown command or flag is a refusal that
// names the closest real one, and names none when none is close.
func TestUnknownNamesTheClosest(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serv"}, `unknown command "serv"; did you mean serve?`},
		{[]string{"exprot"}, `unknown command "exprot"; did you mean export?`},
		{[]string{"help", "chek"}, `unknown command "chek"; did you mean check?`},
		{[]string{"frobnicate"}, `unknown command "frobnicate" (want serve, load, export, hash, check, bench, help;`},
		{[]string{"--dbb", "x.db"}, "serve: unknown flag --dbb; did you mean --db?"},
		{[]string{"serve", "--jounral-size", "3"}, "unknown flag --jounral-size; did you mean --journal-size?"},
		{[]string{"serve", "--journal"}, "unknown flag --journal; did you mean --journal-size?"},
		{[]string{"load", "--fixture", "f.yaml"}, "load: unknown flag --fixture; did you mean --fixtures?"},
		{[]string{"hash", "--secrt", "k"}, "hash: unknown flag --secrt; did you mean --secret?"},
		{[]string{"bench", "-client", "3"}, "bench: unknown flag --client; did you mean --clients?"},
		{[]string{"serve", "--x"}, "serve: unknown flag --x (morlite serve -h lists its flags)"},
		{[]string{"serve", "--database", "x.db"}, "serve: unknown flag --database (morlite serve -h lists its flags)"},
	} {
		err := run(context.Background(), tc.args, io.Discard, io.Discard)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("morlite %s = %v, want a refusal with %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}

func TestClosest(t *testing.T) {
	names := []string{"addr", "allow-host", "db", "fixtures", "journal-size", "reset", "sandbox"}
	for in, want := range map[string]string{
		"adr": "addr", "DB": "db", "sandbx": "sandbox", "allow-hosts": "allow-host", "rest": "reset",
		"x": "", "zzzz": "", "fixturesandmore": "fixtures", "": "",
	} {
		if got := closest(in, names); got != want {
			t.Errorf("closest(%q) = %q, want %q", in, got, want)
		}
	}
}
