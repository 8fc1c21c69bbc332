// Package migrations holds morlite's schema as goose SQL migrations,
// embedded in the binary.
package migrations

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS
