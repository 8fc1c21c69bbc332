package bench

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"morlite/internal/mariadbtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	mariadbtest.Stop()
	os.Exit(code)
}

// TestRunPrintsEveryFigure runs the bench briefly on a small world, on
// SQLite and on MariaDB with two instances: every workload gets its row
// with no errors, and the run ends with the restart and RSS figures. It
// checks that the command works, not how fast it is.
func TestRunPrintsEveryFigure(t *testing.T) {
	for _, engine := range []string{"SQLite", "MariaDBTwoInstances"} {
		t.Run(engine, func(t *testing.T) {
			var out bytes.Buffer
			cfg := Config{DIDs: 200, Clients: 4, Duration: 300 * time.Millisecond,
				Workloads: []string{"writes", "reads", "mix"}, Dir: t.TempDir()}
			if engine != "SQLite" {
				cfg.DB, cfg.Instances = mariadbtest.URL(t), 2
			}
			if err := Run(context.Background(), cfg, &out); err != nil {
				t.Fatal(err)
			}
			checkFigures(t, out.String())
		})
	}
}

func checkFigures(t *testing.T, text string) {
	t.Helper()
	for _, name := range []string{"baseline", "writes", "reads", "mix"} {
		row := regexp.MustCompile(`(?m)^\s*` + name + `\s+(\d+)\s+[\d.]+\s+\S+\s+\S+\s+\S+\s+(\d+)`).FindStringSubmatch(text)
		if row == nil || row[1] == "0" || row[2] != "0" {
			t.Fatalf("row %s missing, empty or with errors:\n%s", name, text)
		}
	}
	for _, want := range []string{"seed: 200 DIDs", "restart on the existing database", "peak RSS"} {
		if !strings.Contains(text, want) {
			t.Fatalf("no %q in:\n%s", want, text)
		}
	}
	if strings.Contains(text, mariadbtest.Password) {
		t.Fatalf("the password is in the output:\n%s", text)
	}
}

func TestRunRefusesUnknownWorkload(t *testing.T) {
	err := Run(context.Background(), Config{DIDs: 1, Clients: 1, Duration: time.Millisecond, Workloads: []string{"write"}}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), `unknown workload "write"`) {
		t.Fatalf("err = %v", err)
	}
}
