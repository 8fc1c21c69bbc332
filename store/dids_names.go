package store

import (
	"context"
	"sync"
	"sync/atomic"

	"morlite/domain"
)

// dids_get shows, next to each DID, names from four small tables: its
// provider's, its reseller's and owner's display names, its device's label
// and its dial plan's. Rather than joining the four tables (five joins) on
// every read, the read path keeps their names in memory and reads the dids
// table alone.
//
// The names are exact for the snapshot the DIDs were read from. gen is odd
// from the moment the writer connection's pre-update hook sees a change to
// one of the four tables until that transaction has ended; the names are
// read, and used, only at an even gen that has not moved from before the
// read of the DIDs to after it. Otherwise the read runs with the joins.
// With no hook (no SQLite writer connection) the names are never used.

// maxNamedRows bounds the names kept: a world with more users, devices,
// dial plans and providers than this reads them with the joins.
const maxNamedRows = 50_000

type listNames struct {
	providers map[int64]string
	users     map[int64]string // display names
	devices   map[int64]string // "TYPE/name"
	dialplans map[int64]string // "name (dptype)"
}

type cachedNames struct {
	gen   int64
	names *listNames // nil: too many rows to keep
}

type nameCache struct {
	on       atomic.Bool // the writer connection carries the hook
	gen      atomic.Int64
	val      atomic.Pointer[cachedNames]
	building sync.Mutex
}

// touched is the pre-update hook's report of a change to table. Only the
// writer goroutine calls touched and ended, so the check-then-add is safe.
func (c *nameCache) touched(table string) {
	switch table {
	case "users", "devices", "dialplans", "providers":
		if c.gen.Load()%2 == 0 {
			c.gen.Add(1)
		}
	}
}

// ended is called by the writer after each transaction, committed or not.
func (c *nameCache) ended() {
	if c.gen.Load()%2 == 1 {
		c.gen.Add(1)
	}
}

// current returns the names valid at gen g, loading them when needed; ok
// is false when they cannot be used now.
func (s *Store) currentNames(ctx context.Context) (n *listNames, g int64, ok bool) {
	c := &s.names
	g = c.gen.Load()
	if !c.on.Load() || g%2 == 1 {
		return nil, g, false
	}
	if v := c.val.Load(); v != nil && v.gen == g {
		return v.names, g, v.names != nil
	}
	if !c.building.TryLock() {
		return nil, g, false // another request is loading them
	}
	defer c.building.Unlock()
	n, err := loadNames(ctx, s.reader())
	if err != nil || c.gen.Load() != g {
		return nil, g, false
	}
	c.val.Store(&cachedNames{gen: g, names: n})
	return n, g, n != nil
}

// ready returns the names valid now, without loading them; ok is false
// when there are none to use.
func (c *nameCache) ready() (n *listNames, g int64, ok bool) {
	g = c.gen.Load()
	if !c.on.Load() || g%2 == 1 {
		return nil, g, false
	}
	if v := c.val.Load(); v != nil && v.gen == g && v.names != nil {
		return v.names, g, true
	}
	return nil, g, false
}

// loadNames reads the four tables' names, nil when they hold too many rows.
func loadNames(ctx context.Context, q queryer) (*listNames, error) {
	var rows int
	err := q.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM devices)
		+ (SELECT count(*) FROM dialplans) + (SELECT count(*) FROM providers)`).Scan(&rows)
	if err != nil || rows > maxNamedRows {
		return nil, err
	}
	n := &listNames{providers: map[int64]string{}, users: map[int64]string{},
		devices: map[int64]string{}, dialplans: map[int64]string{}}
	for _, t := range []struct {
		query string
		into  map[int64]string
	}{
		{"SELECT id, name FROM providers", n.providers},
		{"SELECT id, device_type || '/' || name FROM devices", n.devices},
		{"SELECT id, name || ' (' || dptype || ')' FROM dialplans", n.dialplans},
	} {
		if err := readNames(ctx, q, t.query, t.into); err != nil {
			return nil, err
		}
	}
	users, err := queryAll(ctx, q, func(r scanner) (domain.User, error) {
		var u domain.User
		return u, r.Scan(&u.ID, &u.FirstName, &u.LastName, &u.Username)
	}, "SELECT id, first_name, last_name, username FROM users")
	for _, u := range users {
		n.users[u.ID] = u.DisplayName()
	}
	return n, err
}

func readNames(ctx context.Context, q queryer, query string, into map[int64]string) error {
	type pair struct {
		id   int64
		name string
	}
	ps, err := queryAll(ctx, q, func(r scanner) (pair, error) {
		var p pair
		return p, r.Scan(&p.id, &p.name)
	}, query)
	for _, p := range ps {
		into[p.id] = p.name
	}
	return err
}

// listDIDs runs dids_get's query: filter is its WHERE, ORDER and LIMIT
// (over the dids table as d, and, unless plain, the joined tables). A plain
// filter is run on the dids table alone when the names can be used.
func (s *Store) listDIDs(ctx context.Context, filter string, args []any, plain bool) ([]domain.DIDListing, error) {
	if plain {
		if n, g, ok := s.currentNames(ctx); ok {
			dids, err := queryAll(ctx, s.reader(), scanDID, "SELECT "+listDIDColumns+" FROM dids d"+filter, args...)
			if err != nil {
				return nil, err
			}
			if s.names.gen.Load() == g {
				return n.listings(dids), nil
			}
		}
	}
	if plain && s.eng.shared {
		if out, ok, err := s.listDIDsNamed(ctx, filter, args); ok {
			return out, err
		}
	}
	if betting(ctx) {
		return s.listDIDsAtGen(ctx, filter, args)
	}
	return queryAll(ctx, s.reader(), scanListing, "SELECT "+listColumns+listFrom+filter, args...)
}

// listings adds the names to dids as the joins would: a name that is not
// there is empty, as is the reseller's in the admin's pool.
func (n *listNames) listings(dids []*domain.DID) []domain.DIDListing {
	out := make([]domain.DIDListing, len(dids))
	for i, d := range dids {
		l := domain.DIDListing{DID: *d}
		if d.ProviderID != 0 {
			l.ProviderName = n.providers[d.ProviderID]
		}
		if d.ResellerID != 0 {
			l.ResellerName = n.users[d.ResellerID]
		}
		l.OwnerName = n.users[d.UserID]
		if d.DeviceID != 0 {
			l.DeviceLabel = n.devices[d.DeviceID]
		}
		if d.DialplanID != 0 {
			l.DialPlan = n.dialplans[d.DialplanID]
		}
		out[i] = l
	}
	return out
}
