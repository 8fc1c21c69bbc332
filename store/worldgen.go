package store

import (
	"context"
	"strings"
)

// The world generation (table world_gen) moves on in the same transaction
// as every change to the settings, users, user_rights, addresses, devices,
// dial plans or providers: a load or reset, a registration, a device made,
// changed or removed, a dial plan's. On MySQL, where other instances write
// the same database, each instance keeps what it has read of those tables
// (the settings, the callers, the names dids_get shows) under the generation
// it read them at, and serves them only to a request that finds the
// generation unmoved: one small read instead of the settings, the caller
// (and his rights and address) and dids_get's joins. A change committed
// through any instance has moved the generation before its answer is sent,
// so the very next request to any instance finds it moved and reads the
// rows again. DID moves leave it alone: they would all queue on its row.
//
// No write path can forget it: a MySQL write transaction notes every
// statement it runs (wtx.note), and one that changes those tables moves the
// generation on just before it commits. (Triggers would do the same inside
// the server, but creating one where binary logging is on needs SUPER or
// log_bin_trust_function_creators, which morlite's account seldom has.)

// bumpWorldQuery moves the generation on.
const bumpWorldQuery = "UPDATE world_gen SET gen = gen + 1 WHERE id = 1"

// worldTables are the tables whose rows an instance keeps between requests.
var worldTables = map[string]bool{"settings": true, "users": true, "user_rights": true, "addresses": true,
	"devices": true, "dialplans": true, "providers": true}

// skippedWords may stand between a write's verb and its table.
var skippedWords = map[string]bool{"INTO": true, "FROM": true, "TABLE": true, "IGNORE": true,
	"LOW_PRIORITY": true, "DELAYED": true, "HIGH_PRIORITY": true, "QUICK": true}

// changesWorld reports whether a statement writes a table in worldTables.
// It reads the statement's verb and its first table: morlite's writes name
// one table each.
func changesWorld(query string) bool {
	verb, rest := nextWord(query)
	switch strings.ToUpper(verb) {
	case "INSERT", "REPLACE", "UPDATE", "DELETE", "TRUNCATE":
	default:
		return false
	}
	table, rest := nextWord(rest)
	for rest != "" && skippedWords[strings.ToUpper(table)] {
		table, rest = nextWord(rest)
	}
	table, _, _ = strings.Cut(table, "(")
	return worldTables[strings.ToLower(strings.Trim(table, "`\""))]
}

// nextWord splits s after its first word (its leading blanks skipped).
func nextWord(s string) (word, rest string) {
	s = strings.TrimLeft(s, " \t\r\n")
	i := strings.IndexAny(s, " \t\r\n")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// readWorldGen reads the world generation.
func readWorldGen(ctx context.Context, q queryer) (int64, error) {
	var g int64
	err := q.QueryRowContext(ctx, "SELECT gen FROM world_gen WHERE id = 1").Scan(&g)
	return g, err
}
