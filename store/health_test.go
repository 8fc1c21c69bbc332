package store

import (
	"context"
	"os"
	"testing"
)

// TestBatchSizeBuckets: a batch counts in the smallest power-of-two bucket
// that holds it; one past the top bound counts in the total only.
func TestBatchSizeBuckets(t *testing.T) {
	var st Store
	for _, n := range []int{1, 2, 3, 4, 5, 128, 129, 1000} {
		st.w.sizes.record(n)
	}
	got := st.BatchSizes()
	want := BatchSizes{Cumulative: [...]uint64{1, 2, 4, 5, 5, 5, 5, 6}, Count: 8, Sum: 1272}
	if got != want {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

// TestBatchSizesOfWriter: writes that wait behind a running one are
// committed, and counted, as one batch.
func TestBatchSizesOfWriter(t *testing.T) {
	sqliteOnly(t, "SQLite's group commit")
	st, _ := openTemp(t)
	ctx := context.Background()
	release := holdWriter(t, st)
	done := make(chan error, 5)
	for i := range 5 {
		go func() { done <- st.writeTx(ctx, func(*wtx) error { return nil }) }()
		waitQueued(t, st, i+1)
	}
	release()
	for range 5 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	got := st.BatchSizes()
	want := BatchSizes{Cumulative: [...]uint64{1, 1, 1, 2, 2, 2, 2, 2}, Count: 2, Sum: 6}
	if got != want {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if ws := st.WriteStats(); ws.Batches != int64(got.Count) || ws.Jobs != int64(got.Sum) {
		t.Fatalf("batch sizes %+v disagree with the writer's stats %+v", got, ws)
	}
}

// TestHealthReads: a fresh store is reachable, its schema current, and its
// size is its file plus its WAL.
func TestHealthReads(t *testing.T) {
	sqliteOnly(t, "the size of a SQLite file and its WAL")
	st, path := openTemp(t)
	ctx := context.Background()
	if err := st.Reachable(ctx); err != nil {
		t.Fatal(err)
	}
	applied, latest, err := st.SchemaVersion(ctx)
	if err != nil || applied != latest || latest < 1 {
		t.Fatalf("schema version %d of %d (%v)", applied, latest, err)
	}
	size, err := st.Size()
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	for _, name := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(name); err == nil {
			want += fi.Size()
		}
	}
	if size != want || size == 0 {
		t.Fatalf("size %d, want %d", size, want)
	}
	st.Close()
	if err := st.Reachable(ctx); err == nil {
		t.Fatal("a closed store is reachable")
	}
}
