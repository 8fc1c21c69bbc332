package sandbox

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"morlite/api"
	"morlite/domain"
)

// The request journal keeps the last N answered API requests in memory, for
// sandbox users who want to see what their code sent: GET /sandbox/requests
// and the page /billing/sandbox/requests. It is fed by an Observer; secrets
// (the hash and users_get's password p) are masked before anything is kept.

// DefaultJournalSize is how many requests the journal keeps unless
// server.WithJournal says otherwise.
const DefaultJournalSize = 1000

// JournalResponseMax caps the answer body kept for a data answer.
const JournalResponseMax = 4096

// What an entry keeps of a request, so that the journal's memory stays
// bounded whatever clients send (a 64 KiB parameter, a megabyte of method
// name in the URL): the first JournalParamsMax parameters by name, each
// name and value, the method and the caller cut at JournalTextMax bytes.
const (
	JournalParamsMax = 64
	JournalTextMax   = 256
)

// Masked replaces a secret parameter's value.
const Masked = "***"

// journalTimeFormat is RFC 3339 with milliseconds.
const journalTimeFormat = "2006-01-02T15:04:05.000Z07:00"

// JournalEntry is one answered API request as the journal shows it.
type JournalEntry struct {
	ID     int64             `json:"id"`
	Time   string            `json:"time"`
	Method string            `json:"method"`
	Caller string            `json:"caller"`
	Params map[string]string `json:"params"`
	Answer string            `json:"answer"`
	// ParamsTruncated says a parameter was left out or a name or value
	// cut (its kept part ends with "…").
	ParamsTruncated bool   `json:"params_truncated,omitempty"`
	Response        string `json:"response,omitempty"`
	// Truncated says Response holds only the first JournalResponseMax bytes.
	Truncated bool    `json:"response_truncated,omitempty"`
	Status    int     `json:"status"`
	LatencyMS float64 `json:"latency_ms"`
	// Fault is the id of the fault rule that touched the request.
	Fault string `json:"fault,omitempty"`
	at    time.Time
}

// ParamList is the masked parameters as "name=value" in name order, for the
// page.
func (e JournalEntry) ParamList() []string {
	out := make([]string, 0, len(e.Params))
	for _, k := range slices.Sorted(maps.Keys(e.Params)) {
		out = append(out, k+"="+e.Params[k])
	}
	return out
}

// journal is a ring buffer of the last size entries.
type journal struct {
	mu      sync.Mutex
	entries []JournalEntry // len == size once full; next is the oldest then
	next    int
	seq     int64
	size    int
}

// newJournal makes a journal of size entries (size > 0).
func newJournal(size int) *journal {
	return &journal{size: size, entries: make([]JournalEntry, 0, min(size, 64))}
}

// SecretParam says a parameter's value must never be kept, in any letter
// case: the hash, users_get's password p, a device's pin, and any name
// holding "pass", "secret", "key" or "token" (user_register's password and
// password2, device_update's password, ...).
func SecretParam(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "hash", "p", "pin":
		return true
	}
	for _, part := range []string{"pass", "secret", "key", "token"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// secretElement finds the value of an answer's secret elements (a device's
// password, secret and pin) in a kept response, up to the next tag or the
// cut: a response truncated inside one keeps none of it.
var secretElement = regexp.MustCompile(`<(password|secret|pin)>[^<]*`)

// maskResponse is a kept response with its secret elements' values masked.
func maskResponse(s string) string {
	if !strings.Contains(s, "<password>") && !strings.Contains(s, "<secret>") && !strings.Contains(s, "<pin>") {
		return s
	}
	return secretElement.ReplaceAllString(s, "<$1>"+Masked)
}

// entryOf builds the entry for an observation, secrets masked, before the
// journal's lock is taken.
func entryOf(o api.Observation) JournalEntry {
	params, cut := keptParams(o.Params)
	e := JournalEntry{
		Time:      o.Time.UTC().Format(journalTimeFormat),
		Method:    keepText(o.Method, &cut),
		Caller:    keepText(o.Caller, &cut),
		Params:    params,
		Answer:    o.Answer,
		Status:    o.Status,
		LatencyMS: float64(o.Latency.Microseconds()) / 1000,
		Fault:     o.Fault,
		at:        o.Time,
	}
	e.ParamsTruncated = cut // after the method and the caller
	if o.Answer == "" {
		e.Response, e.Truncated = truncateUTF8(o.Body, JournalResponseMax)
		e.Response = maskResponse(e.Response)
	}
	return e
}

// keptParams is the masked copy of params an entry keeps (see
// JournalParamsMax), and whether anything was left out or cut.
func keptParams(params domain.Params) (map[string]string, bool) {
	out := make(map[string]string, min(len(params), JournalParamsMax))
	cut := false
	keep := func(k, v string) {
		if SecretParam(k) {
			v = Masked
		} else {
			v = keepText(v, &cut)
		}
		out[keepText(k, &cut)] = v
	}
	if len(params) <= JournalParamsMax {
		for k, v := range params {
			keep(k, v)
		}
		return out, cut
	}
	for _, k := range slices.Sorted(maps.Keys(params))[:JournalParamsMax] {
		keep(k, params[k])
	}
	return out, true
}

// keepText is s cut at JournalTextMax bytes and marked "…" when longer (a
// copy: a cut never holds on to a long request), recording a cut in *cut.
func keepText(s string, cut *bool) string {
	if len(s) <= JournalTextMax {
		return s
	}
	*cut = true
	return s[:runeCut(s, JournalTextMax)] + "…"
}

// truncateUTF8 returns at most max bytes of b as a string, cut at a rune
// boundary, and whether anything was cut.
func truncateUTF8(b []byte, max int) (string, bool) {
	if len(b) <= max {
		return string(b), false
	}
	return string(b[:runeCut(b, max)]), true
}

// runeCut is the largest index at most max (< len(b)) that starts a rune.
func runeCut[T string | []byte](b T, max int) int {
	for max > 0 && !utf8.RuneStart(b[max]) {
		max--
	}
	return max
}

// observe is the journal's Observer.
func (j *journal) observe(o api.Observation) {
	e := entryOf(o)
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.ID = j.seq
	if len(j.entries) < j.size {
		j.entries = append(j.entries, e)
		return
	}
	j.entries[j.next] = e
	j.next = (j.next + 1) % j.size
}

// journalFilter selects entries: by canonical method name, at or after a
// time, after a sequence id. Zero values select everything.
type journalFilter struct {
	method  string
	since   time.Time
	sinceID int64
}

// match says e is selected by f.
func (f journalFilter) match(e *JournalEntry) bool {
	return (f.method == "" || e.Method == f.method) &&
		(f.since.IsZero() || !e.at.Before(f.since)) &&
		e.ID > f.sinceID
}

// list returns the matching entries, oldest first.
func (j *journal) list(f journalFilter) []JournalEntry {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []JournalEntry{}
	n := len(j.entries)
	for i := range n {
		e := &j.entries[(j.next+i)%n]
		if f.match(e) {
			out = append(out, *e)
		}
	}
	return out
}

// empty forgets every entry; ids keep counting, so since_id stays valid.
func (j *journal) empty() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.entries)
	j.entries, j.next = j.entries[:0], 0
}

// count is how many entries the journal holds.
func (j *journal) count() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.entries)
}
