//go:build unix

package store

import (
	"errors"
	"os"
	"syscall"
)

// mapWALIndex maps the header of the WAL-index at path read-only. The
// mapping shares the file's pages with SQLite's own, so it sees a commit
// as soon as SQLite's readers do.
func mapWALIndex(path string) (*walIndex, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	var h walHeader
	if fi.Size() < int64(2*len(h)) { // both copies of the header
		return nil, errors.New("store: the WAL-index holds no header yet")
	}
	mem, err := syscall.Mmap(int(f.Fd()), 0, len(h), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	return &walIndex{mem: mem}, nil
}

// unmap ends the mapping, once; a read still under way faults and is
// told the header cannot be read.
func (w *walIndex) unmap() {
	if w != nil {
		w.unmaps.Do(func() {
			w.broken.Store(true)
			syscall.Munmap(w.mem)
		})
	}
}
