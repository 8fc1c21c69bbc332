package store

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"

	"morlite/domain"
)

// What a MySQL instance keeps between requests (see worldgen.go): the
// settings, the users it has looked up and the names dids_get shows, as
// read at one world generation. A request reads the generation first (one
// small statement) and uses the copies only when they are of that
// generation.
//
// A read-only request, or a DID move, may go further (OptimisticRequest):
// it assumes the generation of the copies, and a statement it runs anyway
// reads the generation beside its rows (dids_get's query, a user's row, a
// move's locking read). A move's write commits only under the assumed
// generation (confirmWrite). Before anything is answered, Confirm checks
// that every generation so read was the assumed one (reading it when no
// statement did); if not, the answer is thrown away and the request runs
// again, reading the generation first.

// maxCachedCallers bounds the users kept for one generation: past it the
// cache starts again empty.
const maxCachedCallers = 4096

// genColumn reads the world generation inside another statement, from the
// same snapshot as the statement's rows.
const genColumn = "(SELECT gen FROM world_gen WHERE id = 1)"

// worldCache is the settings, the users by username ("username:...") and
// by id ("id:...") and the names dids_get shows, as read at generation gen.
type worldCache struct {
	mu       sync.RWMutex
	gen      int64
	settings *domain.Settings
	users    map[string]*domain.User
	names    *listNames
	named    bool // names were read (nil names: too many to keep)
	building sync.Mutex
	// joinsOnly has dids_get read the names with the joins (tests).
	joinsOnly atomic.Bool
}

// namesAt returns the kept names if they were read at generation g.
func (c *worldCache) namesAt(g int64) (*listNames, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.names, c.users != nil && c.gen == g && c.named
}

// settingsAt returns the kept settings if they were read at generation g.
func (c *worldCache) settingsAt(g int64) (*domain.Settings, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.settings, c.users != nil && c.gen == g && c.settings != nil
}

// userAt returns the kept user under key if he was read at generation g.
func (c *worldCache) userAt(g int64, key string) (*domain.User, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.users == nil || c.gen != g {
		return nil, false
	}
	u, ok := c.users[key]
	return u, ok
}

// current is the generation of the kept settings, ok false when none.
func (c *worldCache) current() (int64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen, c.users != nil && c.settings != nil
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
		c.gen, c.settings, c.users, c.names, c.named = g, nil, map[string]*domain.User{}, nil, false
	}
	fill(c)
}

// requestKey marks a context as one request's (OneRequest).
type requestKey struct{}

// requestMemo is the world generation one request works at.
type requestMemo struct {
	mu      sync.Mutex
	gen     int64
	known   bool // gen was read, or assumed
	mayBet  bool // OptimisticRequest: gen may be assumed
	assumed bool // gen was assumed: a statement must confirm it
	seen    bool // a statement of the request read the generation
	moved   bool // a statement read another generation than gen
	// committed: a write of the request committed, so the request must
	// not run again (confirmWrite let it commit).
	committed bool
	seenInTx  bool // a statement of the running write transaction read it
}

// OneRequest marks ctx as one API request's: on an engine whose world
// other instances change (MySQL), the world generation is read once for the
// request, and the settings and the callers kept at that generation serve
// the whole request; the next request reads the generation again.
func OneRequest(ctx context.Context) context.Context {
	return context.WithValue(ctx, requestKey{}, &requestMemo{})
}

// OptimisticRequest is OneRequest for a request that calls Confirm before
// it answers and changes nothing, or changes DIDs in one write that
// commits only under the generation it assumed (confirmWrite): it may
// assume the generation of the copies the instance keeps rather than read
// it first.
func OptimisticRequest(ctx context.Context) context.Context {
	return context.WithValue(ctx, requestKey{}, &requestMemo{mayBet: true})
}

func memoOf(ctx context.Context) *requestMemo {
	m, _ := ctx.Value(requestKey{}).(*requestMemo)
	return m
}

// worldGen returns the world generation for this request: read once per
// request (OneRequest) or assumed (OptimisticRequest), read on every call
// outside one.
func (s *Store) worldGen(ctx context.Context) (int64, error) {
	m := memoOf(ctx)
	if m == nil {
		return reading(s, ctx, func(ctx context.Context) (int64, error) { return readWorldGen(ctx, s.reader()) })
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.known {
		return m.gen, nil
	}
	if g, ok := s.world.current(); ok && m.mayBet {
		m.gen, m.known, m.assumed = g, true, true
		return g, nil
	}
	g, err := reading(s, ctx, func(ctx context.Context) (int64, error) { return readWorldGen(ctx, s.reader()) })
	if err == nil {
		m.gen, m.known = g, true
	}
	return g, err
}

// betting reports whether the request's statements are to read the
// generation beside their rows: it assumed one that none has confirmed.
func betting(ctx context.Context) bool {
	m := memoOf(ctx)
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.assumed && !m.seen
}

// saw records the generation a statement of the request read.
func saw(ctx context.Context, g int64) {
	if m := memoOf(ctx); m != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.seen = true
		m.moved = m.moved || (m.known && g != m.gen)
	}
}

// sawInTx is saw for a statement of a write transaction.
func sawInTx(ctx context.Context, g int64) {
	saw(ctx, g)
	if m := memoOf(ctx); m != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.seenInTx = true
	}
}

// writeStarts and writeCommitted bracket each attempt of a write
// transaction in the request's memo.
func writeStarts(ctx context.Context) {
	if m := memoOf(ctx); m != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.seenInTx = false
	}
}

func writeCommitted(ctx context.Context) {
	if m := memoOf(ctx); m != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.committed = true
	}
}

// Confirm reports whether what the request read holds for one world
// generation: always outside an OptimisticRequest or when the generation
// was read first; else when every statement that read it found the assumed
// one (it is read now if none did). False means: answer nothing, run the
// request again under OneRequest.
func (s *Store) Confirm(ctx context.Context) bool {
	m := memoOf(ctx)
	if m == nil {
		return true
	}
	m.mu.Lock()
	assumed, seen, moved, g := m.assumed, m.seen, m.moved, m.gen
	committed := m.committed
	m.mu.Unlock()
	if committed {
		return true
	}
	if !assumed || moved {
		return !moved
	}
	if !seen {
		now, err := reading(s, ctx, func(ctx context.Context) (int64, error) { return readWorldGen(ctx, s.reader()) })
		if err != nil {
			return false
		}
		saw(ctx, now)
		return now == g
	}
	return true
}

// errWorldMoved is a write rolled back because the request that runs it
// assumed a world generation that had moved: the request runs again.
var errWorldMoved = errors.New("store: the world moved under the write")

// confirmWrite is called by a write transaction tx just before it commits.
// In a request that assumed the world generation (OptimisticRequest), the
// write commits only when every generation the request read was the
// assumed one, and at least one was read inside tx (read now if none was):
// the settings and the caller that authorised it were then still current
// when its transaction read its rows. Else it answers errWorldMoved, and
// the transaction is rolled back.
func confirmWrite(ctx context.Context, tx queryer) error {
	m := memoOf(ctx)
	if m == nil {
		return nil
	}
	m.mu.Lock()
	assumed, seen := m.assumed, m.seenInTx
	m.mu.Unlock()
	if !assumed {
		return nil
	}
	if !seen {
		g, err := readWorldGen(ctx, tx)
		if err != nil {
			return writeFailedError{err}
		}
		sawInTx(ctx, g)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.moved {
		return errWorldMoved
	}
	return nil
}

// sharedSettings is Settings on MySQL: the kept settings while the world
// generation has not moved, else read again (after the generation, so that
// they are at least as new as it) and kept under it.
func (s *Store) sharedSettings(ctx context.Context) (domain.Settings, error) {
	g, err := s.worldGen(ctx)
	if err != nil {
		return domain.Settings{}, err
	}
	if st, ok := s.world.settingsAt(g); ok {
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

// sharedUser is UserByUsername ("username") and UserByID ("id") on MySQL:
// the kept user while the world generation has not moved, else read again
// and kept when the generation read beside his row is the request's.
func (s *Store) sharedUser(ctx context.Context, column string, arg any) (*domain.User, error) {
	g, err := s.worldGen(ctx)
	if err != nil {
		return nil, err
	}
	key := column + ":" + userKey(arg)
	if u, ok := s.world.userAt(g, key); ok {
		return u, nil
	}
	var at int64
	u, err := reading(s, ctx, func(ctx context.Context) (*domain.User, error) {
		return getUserAtGen(ctx, s.reader(), column+" = ?", arg, &at)
	})
	if err != nil {
		return nil, err
	}
	saw(ctx, at)
	if at == g {
		s.world.put(g, func(c *worldCache) { c.users[key] = u })
	}
	return u, nil
}

func userKey(arg any) string {
	if id, ok := arg.(int64); ok {
		return strconv.FormatInt(id, 10)
	}
	return arg.(string)
}

// getUserAtGen is getUser that also reads, in the same statement, the
// world generation the row was read at.
func getUserAtGen(ctx context.Context, q queryer, where string, arg any, gen *int64) (*domain.User, error) {
	row := q.QueryRowContext(ctx, "SELECT "+userColumns+", "+genColumn+" FROM users WHERE "+where, arg)
	u, addrID, err := scanUser(row, gen)
	if err != nil {
		return nil, notFound(err)
	}
	if err := loadUserExtras(ctx, q, u, addrID); err != nil {
		return nil, err
	}
	return u, nil
}

// listDIDsAtGen is listDIDs with the joins, for a request that assumed the
// world generation: each row carries the generation it was read at.
func (s *Store) listDIDsAtGen(ctx context.Context, filter string, args []any) ([]domain.DIDListing, error) {
	var g int64
	out, err := queryAll(ctx, s.reader(), func(r scanner) (domain.DIDListing, error) {
		return scanListing(scanPrefix{r, []any{&g}})
	}, "SELECT "+listColumns+", "+genColumn+listFrom+filter, args...)
	if err == nil && len(out) > 0 {
		saw(ctx, g)
	}
	return out, err
}

// listDIDsNamed is listDIDs on MySQL from the dids table alone, the names
// from those kept at the request's generation (read by one request at a
// time when missing). ok is false when they cannot be used: when the
// generation the DIDs were read at is not the names', the joins run, so
// that one answer never shows names of another snapshot than its DIDs.
func (s *Store) listDIDsNamed(ctx context.Context, filter string, args []any) (out []domain.DIDListing, ok bool, err error) {
	n, g, ok := s.sharedNames(ctx)
	if !ok || s.world.joinsOnly.Load() {
		return nil, false, nil
	}
	var at int64
	dids, err := queryAll(ctx, s.reader(), func(r scanner) (*domain.DID, error) {
		return scanDID(scanPrefix{r, []any{&at}})
	}, "SELECT "+listDIDColumns+", "+genColumn+" FROM dids d"+filter, args...)
	if err != nil || len(dids) == 0 {
		return nil, true, err
	}
	saw(ctx, at)
	if at != g {
		return nil, false, nil
	}
	return n.listings(dids), true, nil
}

// sharedNames returns the names kept at the request's generation g,
// reading them when missing unless another request is reading them.
func (s *Store) sharedNames(ctx context.Context) (*listNames, int64, bool) {
	g, err := s.worldGen(ctx)
	if err != nil {
		return nil, g, false
	}
	if n, ok := s.world.namesAt(g); ok {
		return n, g, n != nil
	}
	if !s.world.building.TryLock() {
		return nil, g, false
	}
	defer s.world.building.Unlock()
	n, err := loadNames(ctx, s.reader())
	if err != nil {
		return nil, g, false
	}
	s.world.put(g, func(c *worldCache) { c.names, c.named = n, true })
	return n, g, n != nil
}
