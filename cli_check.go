package main

import (
	"context"
	"fmt"
	"io"

	"morlite/store"
)

// runCheck is `morlite check`: SQLite's integrity and foreign-key checks
// and the DID invariants on a database, read only. It prints a report on
// stdout and returns an error (exit 1) when it finds a problem.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f dbFlags
	fs := newFlagSet("check", stderr)
	f.register(fs, false)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	problems, err := store.CheckFile(ctx, f.db)
	if err != nil {
		return err
	}
	if len(problems) == 0 {
		fmt.Fprintf(stdout, "%s: ok (integrity_check, foreign_key_check, DID invariants)\n", f.db)
		return nil
	}
	fmt.Fprintf(stdout, "%s: %d problem(s):\n", f.db, len(problems))
	for _, p := range problems {
		fmt.Fprintf(stdout, "  - %v\n", p)
	}
	return fmt.Errorf("%s: %d problem(s) found", f.db, len(problems))
}
