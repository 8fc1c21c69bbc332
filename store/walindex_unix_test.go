//go:build unix

package store

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWALIndexCutShortIsNoHeader: a WAL-index cut short under its mapping
// (reading the page faults) reads as no header, and stays so once the file
// is whole again, and so does one unmapped (twice): the process goes on
// and the fast read ends its transactions as it goes.
func TestWALIndexCutShortIsNoHeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db-shm")
	if err := os.WriteFile(path, make([]byte, 4096), 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := mapWALIndex(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.unmap()
	if _, ok := w.header(); !ok {
		t.Fatal("the header of a whole file is not read")
	}
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.header(); ok {
		t.Error("a header is read from a file cut short")
	}
	if err := os.Truncate(path, 4096); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.header(); ok {
		t.Error("a mapping that faulted is read again")
	}
	w.unmap()
	w.unmap()
	if _, ok := w.header(); ok {
		t.Error("a header is read from an unmapped WAL-index")
	}
}
