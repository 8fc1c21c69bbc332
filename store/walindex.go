package store

import (
	"encoding/binary"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// A reader in WAL mode learns what the last commit is from the header SQLite
// keeps at the start of the WAL-index, the database's "-shm" file, which every
// connection to the database maps: a commit writes its new header there
// before any reader can see it (SQLite's readers take their snapshot from
// that header and nothing else). So while the header has not changed since a
// snapshot was taken, that snapshot is the latest, whichever connection or
// process committed last. The fast read (dids_number.go) keeps its read
// transaction open between reads on that ground. The file mapped at Open
// stays the one SQLite uses: SQLite removes a WAL-index only when the last
// connection to the database closes, and the store keeps its own
// connections, its writer's above all, open while it is open.

// walHeader is the WAL-index header's first copy, as SQLite's
// WalIndexHdr lays it out: its change counter, page size, the last commit's
// frame (mxFrame), the database size, checksums and the WAL's salts. Any
// commit changes mxFrame and the checksums; a WAL restarted from its first
// frame has new salts.
type walHeader [48]byte

// frames is the WAL's length in frames up to its last commit (mxFrame).
func (h *walHeader) frames() uint32 { return binary.NativeEndian.Uint32(h[16:20]) }

// walIndex is a read-only mapping of a WAL-index's header.
type walIndex struct {
	mem    []byte
	broken atomic.Bool // the mapping faulted or is gone: it is read no more
	unmaps sync.Once
}

// header reads the header's first copy. SQLite writes the second copy, then
// the first, and answers a commit once both are written; a header read
// while they are being written is the one before, the one after, or a mix
// that equals neither and so never matches a header read later: the caller,
// which takes any other header than the one it kept as a change, at worst
// begins a transaction again.
// ok is false when the mapping cannot be read (a fault: the file was cut
// short under it), for good.
func (w *walIndex) header() (h walHeader, ok bool) {
	if w == nil || w.broken.Load() {
		return h, false
	}
	defer func() {
		if recover() != nil {
			w.broken.Store(true)
			ok = false
		}
	}()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	copy(h[:], w.mem)
	return h, true
}
