package domain

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
)

// didField is one DID column the action log records, by MOR column name;
// the list is in alphabetical order, the order the log writes them in.
type didField struct {
	name string
	get  func(DID) any
}

var didFields = []didField{
	{"call_limit", func(d DID) any { return d.CallLimit }},
	{"closed_till", func(d DID) any { return formatClosedTill(d.ClosedTill) }},
	{"comment", func(d DID) any { return d.Comment }},
	{"device_id", func(d DID) any { return d.DeviceID }},
	{"dialplan_id", func(d DID) any { return d.DialplanID }},
	{"grace_time", func(d DID) any { return d.GraceTime }},
	{"language", func(d DID) any { return d.Language }},
	{"provider_id", func(d DID) any { return d.ProviderID }},
	{"reseller_comment", func(d DID) any { return d.ResellerComment }},
	{"reseller_id", func(d DID) any { return d.ResellerID }},
	{"status", func(d DID) any { return string(d.Status) }},
	{"user_id", func(d DID) any { return d.UserID }},
}

func formatClosedTill(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeLayout)
}

// DIDChange is one column a change of a DID moves from one value to
// another (values as the action log writes them: closed_till as MOR's
// datetime text, "" when none).
type DIDChange struct {
	Column        string
	Before, After any
}

// DIDChanges lists the columns that differ between before and after, in
// alphabetical order.
func DIDChanges(before, after DID) []DIDChange {
	var out []DIDChange
	for _, f := range didFields {
		if b, a := f.get(before), f.get(after); b != a {
			out = append(out, DIDChange{Column: f.name, Before: b, After: a})
		}
	}
	return out
}

// jsonObject writes name/value pairs as a JSON object, in the given order.
func jsonObject(names []string, values []any) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSON(&b, n)
		b.WriteByte(':')
		writeJSON(&b, values[i])
	}
	b.WriteByte('}')
	return b.String()
}

// writeJSON writes v as encoding/json writes it. Integers and strings of
// printable ASCII that json escapes nothing of are written directly (the
// action log writes one on every change); anything else goes through
// encoding/json.
func writeJSON(b *strings.Builder, v any) {
	switch v := v.(type) {
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
		return
	case string:
		if plainJSON(v) {
			b.WriteByte('"')
			b.WriteString(v)
			b.WriteByte('"')
			return
		}
	}
	out, _ := json.Marshal(v)
	b.Write(out)
}

// plainJSON reports whether encoding/json writes s as itself in quotes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// DIDAction records a change of a DID by a caller: Data and Data2 hold the
// changed columns before and after, as JSON objects.
func DIDAction(now time.Time, c Caller, method string, before, after DID) Action {
	return DIDActionOf(now, c, method, after.ID, DIDChanges(before, after))
}

// DIDActionOf is DIDAction for changes already listed.
func DIDActionOf(now time.Time, c Caller, method string, id int64, changes []DIDChange) Action {
	names := make([]string, len(changes))
	b, a := make([]any, len(changes)), make([]any, len(changes))
	for i, ch := range changes {
		names[i], b[i], a[i] = ch.Column, ch.Before, ch.After
	}
	return newAction(now, c, method, "did", id, jsonObject(names, b), jsonObject(names, a))
}

// newAction is an action log row by caller c (-1 for nobody), dated to the
// second in UTC.
func newAction(now time.Time, c Caller, method, targetType string, id int64, data, data2 string) Action {
	var uid int64 = -1
	if c.User != nil {
		uid = c.User.ID
	}
	return Action{Date: now.UTC().Truncate(time.Second), UserID: uid, Action: method,
		TargetType: targetType, TargetID: id, Data: data, Data2: data2}
}

// DIDCreatedAction records did_create: before is {}, after every column.
func DIDCreatedAction(now time.Time, c Caller, d DID) Action {
	a := DIDAction(now, c, "did_create", DID{}, d)
	a.Data, a.Data2 = "{}", allColumns(d)
	return a
}

// DIDDeletedAction records did_delete: before every column, after {}.
func DIDDeletedAction(now time.Time, c Caller, d DID) Action {
	a := DIDAction(now, c, "did_delete", d, d)
	a.Data, a.Data2 = allColumns(d), "{}"
	return a
}

// allColumns is every recorded column and the number, as a JSON object
// with its keys in alphabetical order, for a row that appears or goes.
func allColumns(d DID) string {
	fields := append([]didField{{"did", func(d DID) any { return d.Number }}}, didFields...)
	slices.SortFunc(fields, func(a, b didField) int { return strings.Compare(a.name, b.name) })
	names, values := make([]string, len(fields)), make([]any, len(fields))
	for i, f := range fields {
		names[i], values[i] = f.name, f.get(d)
	}
	return jsonObject(names, values)
}

// didColumns returns the recorded DID columns by name, as the action log
// writes their values.
func didColumns(d DID) map[string]any {
	m := make(map[string]any, len(didFields))
	for _, f := range didFields {
		m[f.name] = f.get(d)
	}
	return m
}
