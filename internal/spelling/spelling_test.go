package spelling

import "testing"

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"db", "db", 0}, {"", "db", 2}, {"db", "", 2},
		{"dbb", "db", 1}, {"bd", "db", 2}, {"fixture", "fixtures", 1},
		{"kitten", "sitting", 3}, {"reset", "rest", 1},
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
