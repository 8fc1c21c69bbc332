package ops

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"morlite/api"
	"morlite/store"
)

// openStore opens an empty store in a fresh directory.
func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "morlite.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestMetricsAnswersBounded: a method's answer texts past maxAnswers, and
// any text that is not UTF-8, are counted as "other".
func TestMetricsAnswersBounded(t *testing.T) {
	m := newMetrics(openStore(t), slog.New(slog.DiscardHandler), []string{"users_get"})
	for i := range 1000 {
		m.observe(api.Observation{Method: "users_get", Answer: fmt.Sprintf("text %d", i)})
	}
	m.observe(api.Observation{Method: "users_get", Answer: "\xff"})
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "morlite_api_requests_total" {
			continue
		}
		if n := len(mf.GetMetric()); n != maxAnswers+1 {
			t.Fatalf("%d series, want %d texts and other", n, maxAnswers)
		}
		for _, s := range mf.GetMetric() {
			if s.GetLabel()[0].GetValue() == answerOther && s.GetCounter().GetValue() != 1000-maxAnswers+1 {
				t.Fatalf("other = %v, want %d", s.GetCounter().GetValue(), 1000-maxAnswers+1)
			}
		}
		return
	}
	t.Fatal("no request counter gathered")
}

// TestMetricsObserveAllocs: observing an answer seen before allocates
// nothing: the observer runs on every API request.
func TestMetricsObserveAllocs(t *testing.T) {
	m := newMetrics(nil, slog.New(slog.DiscardHandler), []string{"users_get"})
	for _, o := range []api.Observation{
		{Method: "users_get", Answer: "Incorrect hash", Latency: time.Millisecond},
		{Method: "users_get", Latency: time.Millisecond},
		{Method: "made_up", Answer: "There is no such API"},
	} {
		m.observe(o)
		if n := testing.AllocsPerRun(100, func() { m.observe(o) }); n != 0 {
			t.Errorf("%+v: %v allocations per observation", o, n)
		}
	}
}

func BenchmarkMetricsObserve(b *testing.B) {
	m := newMetrics(nil, slog.New(slog.DiscardHandler), []string{"did_device_assign", "users_get"})
	o := api.Observation{Method: "did_device_assign", Answer: "Device assigned to DID", Latency: time.Millisecond}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.observe(o)
		}
	})
}
