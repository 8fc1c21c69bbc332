package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"

	"morlite/domain"
)

// Every API request looks its caller up by username, and users change
// rarely, so the read path keeps them in memory. The cache is kept honest by
// SQLite itself: a pre-update hook on the writer connection (the only
// connection that writes) moves the generation on before any change to
// users, user_rights or addresses, and the writer moves it on again after
// the commit, so no value read across a change is ever kept.

// userCache maps usernames to users for one generation.
type userCache struct {
	gen   atomic.Int64
	dirty atomic.Bool
	mu    sync.RWMutex
	at    int64
	users map[string]*domain.User
}

func (c *userCache) invalidate() { c.gen.Add(1) }

// touched is the pre-update hook's note that a user table is changing.
func (c *userCache) touched(table string) {
	switch table {
	case "users", "user_rights", "addresses":
		c.dirty.Store(true)
		c.invalidate()
	}
}

// committed is called by the writer after each commit.
func (c *userCache) committed() {
	if c.dirty.Swap(false) {
		c.invalidate()
	}
}

func (c *userCache) get(name string) (*domain.User, int64, bool) {
	g := c.gen.Load()
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.at != g {
		return nil, g, false
	}
	u, ok := c.users[name]
	return u, g, ok
}

func (c *userCache) put(name string, u *domain.User, g int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != g {
		return
	}
	if c.at != g || c.users == nil {
		c.at, c.users = g, map[string]*domain.User{}
	}
	c.users[name] = u
}

// UserByUsername returns the user with exactly that username, or
// ErrNotFound. The returned user is shared: callers must not change it.
func (s *Store) UserByUsername(ctx context.Context, username string) (*domain.User, error) {
	if s.eng.shared {
		// Another instance may have changed him a moment ago: kept only
		// while the world generation has not moved (worldcache.go).
		return s.sharedUser(ctx, "username", username)
	}
	if u, _, ok := s.users.get(username); ok {
		return u, nil
	}
	_, g, _ := s.users.get(username)
	u, err := reading(s, ctx, func(ctx context.Context) (*domain.User, error) {
		return getUser(ctx, s.reader(), "username = ?", username)
	})
	if err == nil {
		s.users.put(username, u, g)
	}
	return u, err
}

// hookedConnector registers the caches' hook on each writer connection.
type hookedConnector struct {
	driver.Connector
	users *userCache
	rows  *rowCache
	names *nameCache
}

func (h hookedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := h.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if hr, ok := c.(sqlite.HookRegisterer); ok {
		hr.RegisterPreUpdateHook(func(d sqlite.SQLitePreUpdateData) {
			h.users.touched(d.TableName)
			h.rows.touched(d.TableName, d.OldRowID, d.NewRowID)
			h.names.touched(d.TableName)
		})
		h.rows.enable()
		h.names.on.Store(true)
	}
	return c, nil
}

// openWriter opens the single-connection write pool with the hook.
func (s *Store) openWriter(path string) (*sql.DB, error) {
	base, err := sqlite.NewConnector(dsn(path, true))
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(hookedConnector{Connector: base, users: &s.users, rows: &s.rows, names: &s.names}), nil
}
