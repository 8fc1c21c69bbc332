package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"morlite/internal/spelling"
)

// command is one of morlite's commands: its name, what it takes, what it
// does, and the function that runs it.
type command struct {
	name, synopsis, summary string
	run                     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands lists every command in the order help prints them.
func commands() []command {
	return []command{
		{"serve", "[flags]", "open (create) the database, load a new one from --fixtures or the demo, serve the API and the pages", runServe},
		{"load", "--fixtures FILE [flags]", "load a fixture file into a database without serving it", func(ctx context.Context, args []string, _, stderr io.Writer) error {
			return runLoad(ctx, args, stderr)
		}},
		{"export", "[flags]", "write the database as a fixture file on stdout", runExport},
		{"hash", "--secret KEY [flags] name=value ...", "print a request's hash, as MOR's Generate hash page does", func(_ context.Context, args []string, stdout, stderr io.Writer) error {
			return runHash(args, stdout, stderr)
		}},
		{"check", "[flags]", "check a database read-only: integrity, foreign keys, DID invariants", runCheck},
		{"bench", "[flags]", "measure throughput and latency over real HTTP on a temporary database", runBench},
		{"help", "[command]", "list the commands and their flags, or one command's", nil},
	}
}

// findCommand returns the named command.
func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// unknownCommand refuses a command that does not exist, naming the closest
// real one.
func unknownCommand(name string) error {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	if near := closest(name, names); near != "" {
		return refuse("unknown command %q; did you mean %s? (morlite help lists the commands)", name, near)
	}
	return refuse("unknown command %q (want %s; morlite help lists them)", name, strings.Join(names, ", "))
}

// helpRequest is what parsing -h or --help returns: run prints the help of
// the command whose flags fs holds, on stdout, and exits 0.
type helpRequest struct{ fs *flag.FlagSet }

func (h helpRequest) Error() string { return "help requested" }

// Is lets errors.Is(err, flag.ErrHelp) see a help request.
func (h helpRequest) Is(target error) bool { return target == flag.ErrHelp }

// runHelp is `morlite help [command]`: every command with its flags, or
// one command's.
func runHelp(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) > 1 {
		return refuse("help takes at most one command, not %q", strings.Join(args, " "))
	}
	if len(args) == 1 {
		c, ok := findCommand(args[0])
		if !ok {
			return unknownCommand(args[0])
		}
		return commandHelp(ctx, c, stdout)
	}
	fmt.Fprintln(stdout, "morlite: Kolmisoft MOR's XML billing API over one database file.")
	fmt.Fprintln(stdout, "\nUsage: morlite <command> [flags]   (no command: serve)\n\nCommands:")
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprintln(stdout, "\nA flag wins over its environment variable. Each command's flags:")
	for _, c := range commands() {
		if c.run != nil {
			fmt.Fprintln(stdout)
			if err := commandHelp(ctx, c, stdout); err != nil {
				return err
			}
		}
	}
	return nil
}

// commandHelp prints one command's help: it runs the command with -h,
// which parses no further than its flags.
func commandHelp(ctx context.Context, c command, stdout io.Writer) error {
	if c.run == nil {
		fmt.Fprintf(stdout, "morlite help [command]: %s\n", c.summary)
		return nil
	}
	var h helpRequest
	if err := c.run(ctx, []string{"-h"}, io.Discard, io.Discard); !errors.As(err, &h) {
		return fmt.Errorf("morlite %s -h: %v", c.name, err)
	}
	printFlags(stdout, c, h.fs)
	return nil
}

// printFlags prints a command's synopsis and a table of its flags: name,
// environment variable (the "(MORLITE_...)" its usage ends with), usage
// and default.
func printFlags(w io.Writer, c command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "morlite %s %s\n  %s\n\n", c.name, c.synopsis, c.summary)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  flag\tenvironment\tmeaning")
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		env := "-"
		if i := strings.LastIndex(usage, " (MORLITE_"); i >= 0 && strings.HasSuffix(usage, ")") {
			env, usage = usage[i+2:len(usage)-1], usage[:i]
		}
		name := "--" + f.Name
		if kind != "" && !isSwitch(f) {
			name += " " + kind
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			usage += fmt.Sprintf(" (default %q)", f.DefValue)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", name, env, usage)
	})
	tw.Flush()
}

// isSwitch reports whether a flag works without a value.
func isSwitch(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// flagRefusal words a flag parsing error as a refusal; an unknown flag
// names the closest one the command has.
func flagRefusal(fs *flag.FlagSet, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: ")
	if !ok {
		return refuse("%v", err)
	}
	name = "--" + strings.TrimLeft(name, "-")
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	cmd := strings.TrimPrefix(fs.Name(), "morlite ")
	if near := closest(strings.TrimLeft(name, "-"), names); near != "" {
		return refuse("%s: unknown flag %s; did you mean --%s? (morlite %s -h lists its flags)", cmd, name, near, cmd)
	}
	return refuse("%s: unknown flag %s (morlite %s -h lists its flags)", cmd, name, cmd)
}

// closest returns the candidate nearest to name, when one is near enough
// to be a slip of the keyboard or a shortening: at most two edits away, or
// one starting with the other. It returns "" when none is.
func closest(name string, candidates []string) string {
	best, bestDist := "", 3
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	for _, c := range sorted {
		d := spelling.Distance(strings.ToLower(name), c)
		if len(name) >= 2 && (strings.HasPrefix(c, name) || strings.HasPrefix(name, c)) && d > 2 {
			d = 2
		}
		if d < bestDist && d < len(name) {
			best, bestDist = c, d
		}
	}
	return best
}
