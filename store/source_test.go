package store

import (
	"context"
	"testing"

	"morlite/domain"
)

// TestLoadRecordsSource: Load keeps where its world came from in the same
// transaction; a world of unknown origin forgets it; a failed load keeps
// the previous one.
func TestLoadRecordsSource(t *testing.T) {
	st, _ := openTemp(t)
	ctx := context.Background()
	if got, err := st.Source(ctx); got != "" || err != nil {
		t.Fatalf("new database: source %q (%v)", got, err)
	}
	admin := domain.User{ID: 0, Username: "admin", UserType: domain.Admin}
	load := func(source string, reset bool) error {
		return st.Load(ctx, &domain.World{Users: []domain.User{admin}, Source: source}, reset)
	}
	for _, step := range []struct {
		source string
		reset  bool
		fails  bool
		want   string
	}{
		{domain.DemoSource, false, false, domain.DemoSource},
		{"lab.yaml", false, true, domain.DemoSource}, // not empty: ErrNotEmpty
		{"lab.yaml", true, false, "lab.yaml"},
		{"", true, false, ""},
	} {
		if err := load(step.source, step.reset); (err != nil) != step.fails {
			t.Fatalf("load %q reset=%v: %v", step.source, step.reset, err)
		}
		if got, err := st.Source(ctx); got != step.want || err != nil {
			t.Fatalf("after load %q reset=%v: source %q (%v), want %q", step.source, step.reset, got, err, step.want)
		}
	}
}
