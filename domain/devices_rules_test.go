package domain

import "testing"

func TestCallerIDRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		stored, name, number string
		roundTrip            bool // FormatCallerID writes stored back
	}{
		{`"Bob Smith" <37060>`, "Bob Smith", "37060", true},
		{`<37060>`, "", "37060", true},
		{``, "", "", true},
		{`37060`, "", "37060", false},
		{`"" <37060>`, "", "37060", false},
		{`"Bob" 37060`, "Bob", "37060", false},
		{`"Bob <37060>`, "", `"Bob <37060>`, false},
	} {
		name, number := ParseCallerID(tt.stored)
		if name != tt.name || number != tt.number {
			t.Errorf("ParseCallerID(%q) = %q, %q", tt.stored, name, number)
		}
		if tt.roundTrip && FormatCallerID(name, number) != tt.stored {
			t.Errorf("FormatCallerID(%q, %q) = %q", name, number, FormatCallerID(name, number))
		}
	}
}

func TestGeneratedValues(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		s, pin := NewSecret(), NewPIN()
		if len(s) != 12 || len(pin) != 6 || pin[0] == '0' || !IsDigits(pin) || seen[s] {
			t.Fatalf("secret %q pin %q", s, pin)
		}
		seen[s] = true
	}
	if u := NewUniquehash(); len(u) != 10 {
		t.Fatalf("uniquehash %q", u)
	}
}
