package store

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"morlite/domain"
)

// The store's share of the bench's workloads, without HTTP:
//   go test -run '^$' -bench . -benchmem ./store

// benchStore is a store holding the demo world and n more free DIDs in the
// admin's pool.
func benchStore(b *testing.B, n int) (*Store, domain.Caller) {
	b.Helper()
	ctx := context.Background()
	path := b.TempDir() + "/bench.db"
	st, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	w := demoWorld(b)
	w.MoreDIDs = func(yield func(domain.DID) bool) {
		for i := range n {
			if !yield(domain.DID{ID: int64(1000 + i), Number: benchNumber(i), Status: domain.StatusFree, Language: "en"}) {
				return
			}
		}
	}
	if err := st.Load(ctx, w, false); err != nil {
		b.Fatal(err)
	}
	u, err := st.UserByUsername(ctx, "admin")
	if err != nil {
		b.Fatal(err)
	}
	return st, domain.Caller{User: u}
}

func benchNumber(i int) string { return fmt.Sprintf("4400%07d", i) }

// BenchmarkSearchDIDs is dids_get for one number: the fast read
// (dids_number.go) keeping its read transaction between reads (kept), the
// fast read ending it after every read, and the general path's joins.
func BenchmarkSearchDIDs(b *testing.B) {
	st, admin := benchStore(b, 1000)
	wal := st.wal
	for _, c := range []struct {
		name        string
		names, keep bool
	}{{"fast,kept", true, true}, {"fast", true, false}, {"joins", false, false}} {
		b.Run(c.name, func(b *testing.B) {
			st.names.on.Store(c.names)
			if st.wal = nil; c.keep {
				st.wal = wal
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				n := benchNumber(i % 1000)
				i += 7
				if _, err := st.SearchDIDs(context.Background(), domain.DIDSearch{Caller: admin, Number: &n}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	st.wal = wal
}

// BenchmarkAssignUnassign is the bench's writes workload without HTTP: 64
// writers, each assigning a free DID of its own to a device and unassigning
// it. cpu-ns/op is the process's CPU time per write, a figure a loaded
// machine moves less than ns/op (which waits on fsync).
func BenchmarkAssignUnassign(b *testing.B) {
	st, admin := benchStore(b, 6400)
	var next atomic.Int64
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	cpu0 := processCPU()
	b.RunParallel(func(pb *testing.PB) {
		ctx, first, i := context.Background(), int(next.Add(1)-1)*100, 0
		for pb.Next() {
			n := benchNumber(first + i/2%100)
			var err error
			if i%2 == 0 {
				_, err = st.AssignDID(ctx, domain.DeviceAssign, "did_device_assign", admin, "1", n)
			} else {
				_, err = st.UnassignDID(ctx, admin, n)
			}
			if err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
