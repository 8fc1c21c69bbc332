// Package migrations holds morlite's schema as goose SQL migrations,
// embedded in the binary: the SQLite dialect at the top, the MySQL/MariaDB
// dialect in mysql/, with the same version numbers and the same tables.
package migrations

import "embed"

// FS holds the SQLite migration files.
//
//go:embed *.sql
var FS embed.FS

// MySQLFS holds the MySQL/MariaDB migration files, under mysql/.
//
//go:embed mysql/*.sql
var MySQLFS embed.FS
