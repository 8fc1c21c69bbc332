package store

import (
	"math/bits"
	"sync/atomic"
)

// BatchSizeBounds are the inclusive upper bounds of the batch-size
// histogram's buckets: powers of two up to DefaultMaxBatch. A bigger batch
// (WithMaxBatch above the default) counts in the total only.
var BatchSizeBounds = [...]int{1, 2, 4, 8, 16, 32, 64, 128}

// batchSizes counts the writer's transactions by how many writes each
// carried, with atomics: the writer records, a scrape reads.
type batchSizes struct {
	counts [len(BatchSizeBounds) + 1]atomic.Uint64 // per bucket; the last is over the top bound
	sum    atomic.Uint64
}

// record counts one batch of n writes (n >= 1).
func (b *batchSizes) record(n int) {
	// The bucket of n is the smallest i with n <= 2^i.
	i := min(bits.Len(uint(n-1)), len(BatchSizeBounds))
	b.counts[i].Add(1)
	b.sum.Add(uint64(n))
}

// BatchSizes is the histogram of the writer's batch sizes, in Prometheus'
// shape: Cumulative[i] batches carried at most BatchSizeBounds[i] writes.
type BatchSizes struct {
	Cumulative [len(BatchSizeBounds)]uint64
	Count      uint64 // batches
	Sum        uint64 // writes in them
}

// BatchSizes returns how many writes each of the writer's transactions
// carried (committed or attempted, as counted in WriteStats.Batches).
func (s *Store) BatchSizes() BatchSizes {
	var h BatchSizes
	for i := range s.w.sizes.counts {
		h.Count += s.w.sizes.counts[i].Load()
		if i < len(h.Cumulative) {
			h.Cumulative[i] = h.Count
		}
	}
	h.Sum = s.w.sizes.sum.Load()
	return h
}
