package store

import (
	"context"
	"strings"
	"sync"

	"morlite/domain"
)

// The world generation (table world_gen) moves on in the same transaction
// as every change to the settings, users, user_rights or addresses (and a
// device deleted, which clears its user's primary device): a load or reset,
// a registration, a device made or removed. On MySQL, where other instances
// write the same database, each instance keeps the settings and the callers
// it has read under the generation it read them at, and serves them only to
// a request that finds the generation unmoved: one small read instead of the
// settings and the caller (and his rights and address). A change committed
// through any instance has moved the generation before its answer is sent,
// so the very next request to any instance finds it moved and reads the rows
// again.
//
// No write path can forget it: a MySQL write transaction notes every
// statement it runs (wtx.note), and one that changes those tables moves the
// generation on just before it commits. (Triggers would do the same inside
// the server, but creating one where binary logging is on needs SUPER or
// log_bin_trust_function_creators, which morlite's account seldom has.)

// bumpWorldQuery moves the generation on.
const bumpWorldQuery = "UPDATE world_gen SET gen = gen + 1 WHERE id = 1"

// bumpWorld moves the world generation on inside tx.
func bumpWorld(ctx context.Context, tx queryer) error {
	_, err := tx.ExecContext(ctx, bumpWorldQuery)
	return err
}

// worldTables are the tables whose rows an instance keeps between requests.
var worldTables = map[string]bool{"settings": true, "users": true, "user_rights": true, "addresses": true}

// skippedWords may stand between a write's verb and its table.
var skippedWords = map[string]bool{"INTO": true, "FROM": true, "TABLE": true, "IGNORE": true,
	"LOW_PRIORITY": true, "DELAYED": true, "HIGH_PRIORITY": true, "QUICK": true}

// changesWorld reports whether a statement writes a table in worldTables, or
// deletes devices (a user's primary_device_id is cleared with his primary
// device). It reads the statement's verb and its first table: morlite's
// writes name one table each.
func changesWorld(query string) bool {
	verb, rest := nextWord(query)
	verb = strings.ToUpper(verb)
	switch verb {
	case "INSERT", "REPLACE", "UPDATE", "DELETE", "TRUNCATE":
	default:
		return false
	}
	table, rest := nextWord(rest)
	for rest != "" && skippedWords[strings.ToUpper(table)] {
		table, rest = nextWord(rest)
	}
	table, _, _ = strings.Cut(table, "(")
	table = strings.ToLower(strings.Trim(table, "`\""))
	return worldTables[table] || (table == "devices" && (verb == "DELETE" || verb == "TRUNCATE"))
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

// maxCachedCallers bounds the callers kept for one generation: past it the
// cache starts again empty.
const maxCachedCallers = 4096

// worldCache is what a MySQL instance keeps between requests: the settings
// and the users looked up by username, as read at generation gen.
type worldCache struct {
	mu       sync.RWMutex
	gen      int64
	settings *domain.Settings
	users    map[string]*domain.User
}

// at returns the cache's contents when they were read at generation g.
func (c *worldCache) at(g int64) (*domain.Settings, map[string]*domain.User, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.users == nil || c.gen != g {
		return nil, nil, false
	}
	return c.settings, c.users, true
}

// put runs fill on the cache's contents for generation g, starting them
// again empty when they are of another generation. Nothing is kept for a
// generation older than the one kept.
func (c *worldCache) put(g int64, fill func(*worldCache)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.users != nil && g < c.gen {
		return
	}
	if c.users == nil || c.gen != g || len(c.users) >= maxCachedCallers {
		c.gen, c.settings, c.users = g, nil, map[string]*domain.User{}
	}
	fill(c)
}

// worldGen returns the world generation for this request: read once per
// request (OneRequest), on every call outside one.
func (s *Store) worldGen(ctx context.Context) (int64, error) {
	m, ok := ctx.Value(requestKey{}).(*requestMemo)
	if !ok {
		return reading(s, ctx, func(ctx context.Context) (int64, error) { return readWorldGen(ctx, s.reader()) })
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.genRead {
		return m.gen, nil
	}
	g, err := reading(s, ctx, func(ctx context.Context) (int64, error) { return readWorldGen(ctx, s.reader()) })
	if err == nil {
		m.gen, m.genRead = g, true
	}
	return g, err
}

// sharedSettings is Settings on MySQL: the kept settings while the world
// generation has not moved, else read again (after the generation, so that
// they are at least as new as it) and kept under it.
func (s *Store) sharedSettings(ctx context.Context) (domain.Settings, error) {
	g, err := s.worldGen(ctx)
	if err != nil {
		return domain.Settings{}, err
	}
	if st, _, ok := s.world.at(g); ok && st != nil {
		return *st, nil
	}
	v, err := reading(s, ctx, func(ctx context.Context) (domain.Settings, error) {
		return getSettings(ctx, s.reader())
	})
	if err == nil {
		s.world.put(g, func(c *worldCache) { c.settings = &v })
	}
	return v, err
}

// sharedUser is UserByUsername on MySQL: the kept user while the world
// generation has not moved, else read again and kept when the generation
// read beside his row is still the request's.
func (s *Store) sharedUser(ctx context.Context, username string) (*domain.User, error) {
	g, err := s.worldGen(ctx)
	if err != nil {
		return nil, err
	}
	if _, users, ok := s.world.at(g); ok {
		if u := users[username]; u != nil {
			return u, nil
		}
	}
	var at int64
	u, err := reading(s, ctx, func(ctx context.Context) (*domain.User, error) {
		return getUserAtGen(ctx, s.reader(), username, &at)
	})
	if err == nil && at == g {
		s.world.put(g, func(c *worldCache) { c.users[username] = u })
	}
	return u, err
}

// getUserAtGen is getUser by username that also reads, in the same
// statement, the world generation the row was read at.
func getUserAtGen(ctx context.Context, q queryer, username string, gen *int64) (*domain.User, error) {
	row := q.QueryRowContext(ctx, "SELECT "+userColumns+", (SELECT gen FROM world_gen WHERE id = 1) FROM users WHERE username = ?", username)
	u, addrID, err := scanUser(row, gen)
	if err != nil {
		return nil, notFound(err)
	}
	if err := loadUserExtras(ctx, q, u, addrID); err != nil {
		return nil, err
	}
	return u, nil
}
