//go:build race

package server

import "testing"

// skipUnderRace skips a long sequential test when the race detector is on:
// it has no concurrency to check, and .ci/run runs it in full in
// `go test ./...` without the detector.
func skipUnderRace(t *testing.T) {
	t.Helper()
	t.Skip("sequential: runs in full without -race (go test ./...)")
}
