package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"

	"morlite/migrations"
)

// What an operator's health check and metrics read: none of it writes.

// Reachable runs a trivial read of the schema on the read pool and on the
// writer's connection (waiting, if need be, for the writer's current batch
// to commit). It returns the first pool's error, naming the pool.
func (s *Store) Reachable(ctx context.Context) error {
	for _, p := range []struct {
		name string
		db   *sql.DB
	}{{"read pool", s.read}, {"writer", s.write}} {
		var n int
		if err := p.db.QueryRowContext(ctx, s.eng.probe).Scan(&n); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	return nil
}

// SchemaVersion returns the goose migration version applied to the file
// and the highest migration embedded in this binary: the schema is current
// when they are equal. It reads goose's version table on the read pool and
// returns the driver's or goose's error when that table cannot be read.
func (s *Store) SchemaVersion(ctx context.Context) (applied, latest int64, err error) {
	latest, err = latestMigration()
	if err != nil {
		return 0, 0, err
	}
	versions, err := database.NewStore(s.eng.versions, goose.DefaultTablename)
	if err != nil {
		return 0, latest, err
	}
	applied, err = versions.GetLatestVersion(ctx, s.read)
	if err != nil {
		return 0, latest, err
	}
	return applied, latest, nil
}

// latestMigration is the highest version among the embedded migrations.
var latestMigration = sync.OnceValues(func() (int64, error) {
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return 0, err
	}
	var latest int64
	for _, name := range names {
		v, err := goose.NumericComponent(name)
		if err != nil {
			return 0, err
		}
		latest = max(latest, v)
	}
	if latest == 0 {
		return 0, errors.New("store: no embedded migrations")
	}
	return latest, nil
})

// Size returns the bytes the database takes on disk: the main file plus
// its write-ahead log (none counts as 0). It returns the os error when the
// main file cannot be read.
// On MySQL it is what the server reports for the database's tables.
func (s *Store) Size() (int64, error) {
	if s.eng.shared {
		var n sql.NullInt64
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		err := s.read.QueryRowContext(ctx, `SELECT sum(data_length + index_length) FROM information_schema.tables
			WHERE table_schema = DATABASE()`).Scan(&n)
		return n.Int64, err
	}
	main, err := os.Stat(s.file)
	if err != nil {
		return 0, err
	}
	size := main.Size()
	wal, err := os.Stat(s.file + "-wal")
	switch {
	case err == nil:
		size += wal.Size()
	case !errors.Is(err, fs.ErrNotExist):
		return 0, err
	}
	return size, nil
}
