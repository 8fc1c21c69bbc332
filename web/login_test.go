package web

import "testing"

func TestSafeReturn(t *testing.T) {
	for in, want := range map[string]string{
		"/billing/dids/edit/1":     "/billing/dids/edit/1",
		"":                         HomePath,
		"//evil.example/billing/":  HomePath,
		"https://evil.example/":    HomePath,
		"/billing/api/dids_get":    HomePath,
		"/billing/\\evil":          HomePath,
		"/billing/callc/login?x=1": HomePath,
		"/other":                   HomePath,
	} {
		if got := safeReturn(in); got != want {
			t.Errorf("safeReturn(%q) = %q, want %q", in, got, want)
		}
	}
}
