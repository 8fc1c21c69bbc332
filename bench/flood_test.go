package bench

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// BenchmarkFloods prints the flood figures the README quotes:
//
//	go test -run '^$' -bench BenchmarkFloods -benchtime 1x ./bench
func BenchmarkFloods(b *testing.B) {
	for range b.N {
		cfg := FloodConfig{DIDs: 100000, Flooders: 64, Probes: 4, Duration: 5 * time.Second}
		if err := RunFloods(context.Background(), cfg, os.Stdout); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFloodsRun runs every phase briefly on a small world: the harness
// works and the server answers the probes throughout.
func TestFloodsRun(t *testing.T) {
	cfg := FloodConfig{DIDs: 200, Flooders: 4, Probes: 1, Duration: 200 * time.Millisecond, Dir: t.TempDir()}
	var out strings.Builder
	if err := RunFloods(context.Background(), cfg, &out); err != nil {
		t.Fatal(err)
	}
	for _, phase := range []string{"alone", "login flood (wrong passwords)", "login flood (correct password)", "scan flood (%x%)"} {
		if !strings.Contains(out.String(), phase) {
			t.Errorf("no %q row:\n%s", phase, out.String())
		}
	}
	t.Log(out.String())
}
