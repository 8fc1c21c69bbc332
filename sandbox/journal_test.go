package sandbox

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"morlite/api"
	"morlite/domain"
)

// The journal's own rules, without a server; the journal behind the real
// router is tested in package server.

// TestJournalTruncatesLongAnswers keeps the first JournalResponseMax bytes
// of a data answer, cut between characters.
func TestJournalTruncatesLongAnswers(t *testing.T) {
	en := entryOf(api.Observation{Time: time.Now(), Body: []byte(strings.Repeat("é", JournalResponseMax))})
	if !en.Truncated || len(en.Response) > JournalResponseMax || len(en.Response) < JournalResponseMax-1 || !utf8.ValidString(en.Response) {
		t.Fatalf("truncated to %d bytes (flag %v), valid %v", len(en.Response), en.Truncated, utf8.ValidString(en.Response))
	}
	if en := entryOf(api.Observation{Answer: "DID created", Body: []byte("<page/>")}); en.Response != "" {
		t.Fatalf("a message answer keeps its body: %q", en.Response)
	}
}

// BenchmarkJournalObserve is the journal's cost on every API request: one
// masked copy of the parameters and one slot of the ring.
func BenchmarkJournalObserve(b *testing.B) {
	j := newJournal(1000)
	o := api.Observation{Time: time.Now(), Method: "did_device_assign", Known: true, Caller: "admin",
		Params: domain.Params{"u": "admin", "did": "37060000001", "device_id": "2", "hash": "0123456789abcdef0123456789abcdef01234567"},
		Answer: "Device assigned to DID", Status: 200, Latency: time.Millisecond}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			j.observe(o)
		}
	})
}

func TestMaskResponseCutInsideASecret(t *testing.T) {
	for in, want := range map[string]string{
		"<device><secret>abc</secret><pin>12</pin></device>": "<device><secret>***</secret><pin>***</pin></device>",
		"<device><password>ab":                               "<device><password>***",
		"<device><name>101</name>":                           "<device><name>101</name>",
	} {
		if got := maskResponse(in); got != want {
			t.Errorf("maskResponse(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestKeepTextBounds: a long text is cut between characters and marked, and
// a small request is not flagged as cut.
func TestKeepTextBounds(t *testing.T) {
	var cut bool
	if v := keepText(strings.Repeat("é", JournalTextMax), &cut); !cut || !utf8.ValidString(v) || len(v) > JournalTextMax+len("…") {
		t.Errorf("keepText of a long UTF-8 text: %q (cut %v)", v, cut)
	}
	if en := entryOf(api.Observation{Params: domain.Params{"did": "1"}, Method: "dids_get"}); en.ParamsTruncated {
		t.Error("a small request is flagged as cut")
	}
}
