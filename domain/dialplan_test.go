package domain

import "testing"

func TestCheckInterval(t *testing.T) {
	for _, tc := range []struct{ from, till, want string }{
		{"012345", "012349", ""},
		{"9", "10", ""}, // compared as numbers here; the DIDs between them as text
		{"37060000001", "37060000001", ""},
		{"", "1", TextIntervalEnter},
		{"1", "", TextIntervalEnter},
		{"10", "9", TextIntervalBad},
		{"0010", "9", TextIntervalBad},
		{"1a", "9", TextIntervalBad},
		{"-1", "9", TextIntervalBad},
		{" 1", "9", TextIntervalBad},
	} {
		if got := CheckInterval(tc.from, tc.till); got != tc.want {
			t.Errorf("CheckInterval(%q, %q) = %q, want %q", tc.from, tc.till, got, tc.want)
		}
	}
}

func TestIntervalTexts(t *testing.T) {
	for _, tc := range []struct {
		r                      IntervalResult
		status, notice, reason string
	}{
		{IntervalResult{M: 3, N: 3}, "Dial Plan assigned to DID(s) interval", "", ""},
		{IntervalResult{M: 2, N: 0, A: 1, R: 1}, "", "DID(s) were not assigned to Dial Plan", "* DID(s) already assigned to Dial Plan|* DID(s) are Reserved"},
		{IntervalResult{M: 4, N: 1, R: 2}, "1 out of 4 DID(s) were assigned to Dial Plan", "3 DID(s) were not assigned to Dial Plan", "* DID(s) are Reserved"},
		{IntervalResult{M: 1, N: 0}, "", "DID(s) were not assigned to Dial Plan", ""}, // a terminated DID: no reason line
	} {
		status, notice, reasons := tc.r.Texts()
		joined := ""
		for i, r := range reasons {
			if i > 0 {
				joined += "|"
			}
			joined += r
		}
		if status != tc.status || notice != tc.notice || joined != tc.reason {
			t.Errorf("%+v: %q %q %q, want %q %q %q", tc.r, status, notice, joined, tc.status, tc.notice, tc.reason)
		}
	}
}
