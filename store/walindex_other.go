//go:build !unix

package store

import "errors"

// mapWALIndex is unix-only: elsewhere the fast read ends its read
// transaction after every read.
func mapWALIndex(string) (*walIndex, error) {
	return nil, errors.New("store: no mapping of the WAL-index on this system")
}

func (w *walIndex) unmap() {}
