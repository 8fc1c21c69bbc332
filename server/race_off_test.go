//go:build !race

package server

import "testing"

// skipUnderRace does nothing without the race detector.
func skipUnderRace(t *testing.T) { t.Helper() }
