package store

import (
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"

	"morlite/migrations"
)

// sqliteDialect: one file, one writer connection whose immediate
// transactions hold the whole database, so reads need no locks.
var sqliteDialect = &dialect{
	name:         "sqlite",
	goose:        goose.DialectSQLite3,
	versions:     database.DialectSQLite3,
	migrations:   func() (fs.FS, error) { return migrations.FS, nil },
	lockReads:    "",
	upsertSource: `INSERT INTO meta ("key", value) VALUES ('source', ?) ON CONFLICT ("key") DO UPDATE SET value = excluded.value`,
	deferChecks:  "PRAGMA defer_foreign_keys = ON", // checked at commit
	checksBack:   "",
	probe:        "SELECT count(*) FROM sqlite_schema",
	likePattern:  func(p string) string { return p },
	likeLimit:    maxLikePattern,
}
