package store

import (
	"context"
	"fmt"
	"testing"

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

// BenchmarkSearchDIDs is dids_get for one number, with the names in memory
// and with the joins.
func BenchmarkSearchDIDs(b *testing.B) {
	st, admin := benchStore(b, 1000)
	for _, named := range []bool{true, false} {
		b.Run(fmt.Sprintf("names=%v", named), func(b *testing.B) {
			st.names.on.Store(named)
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
}
