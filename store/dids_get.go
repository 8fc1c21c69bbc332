package store

import (
	"context"
	"math"
	"strings"

	"morlite/domain"
)

// ownerName is a user's display name in SQL, as domain.User.DisplayName
// makes it: first and last name joined by one space and trimmed, else the
// username.
const ownerName = `CASE WHEN trim(trim(o.first_name) || ' ' || trim(o.last_name)) = '' THEN o.username
	ELSE trim(trim(o.first_name) || ' ' || trim(o.last_name)) END`

// listDIDColumns are a DID's columns in scanDID's order, listColumns them
// and the names dids_get shows.
const listDIDColumns = `d.id, d.did, d.status, d.user_id, coalesce(d.device_id, 0), coalesce(d.dialplan_id, 0),
	d.reseller_id, coalesce(d.provider_id, 0), d.language, d.call_limit, d.comment, d.reseller_comment,
	d.grace_time, d.closed_till, d.call_count, d.tonezone`

const listColumns = listDIDColumns + `,
	coalesce(p.name, ''), coalesce(r.first_name, ''), coalesce(r.last_name, ''), coalesce(r.username, ''),
	coalesce(o.first_name, ''), coalesce(o.last_name, ''), coalesce(o.username, ''),
	coalesce(dv.device_type || '/' || dv.name, ''), coalesce(dp.name || ' (' || dp.dptype || ')', '')`

const listFrom = ` FROM dids d
	LEFT JOIN providers p ON p.id = d.provider_id
	LEFT JOIN users r ON r.id = d.reseller_id AND d.reseller_id <> 0
	LEFT JOIN users o ON o.id = d.user_id
	LEFT JOIN devices dv ON dv.id = d.device_id
	LEFT JOIN dialplans dp ON dp.id = d.dialplan_id`

// where is a WHERE clause built from fixed fragments; request values only
// ever travel as arguments of its placeholders.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// searchWhere turns a dids_get search into its WHERE clause.
func (st *Store) searchWhere(ctx context.Context, s domain.DIDSearch) (where, error) {
	var w where
	c := s.Caller
	switch {
	case c.Is(domain.Reseller):
		w.add("d.reseller_id = ?", c.User.ID)
	case c.Is(domain.PlainUser):
		w.add("d.user_id = ?", c.User.ID)
	}
	if s.Number != nil {
		addNumberPattern(&w, *s.Number, st.eng)
	}
	if s.NoMatch {
		w.add("0")
	} else if s.Status != nil {
		w.add("d.status = ?", string(*s.Status))
	}
	if s.AdminPoolOnly {
		w.add("d.reseller_id = 0")
	}
	if s.User != nil {
		w.add("(d.user_id = ? OR (? > 0 AND d.reseller_id = ?))", *s.User, *s.User, *s.User)
	}
	for _, f := range []struct {
		col string
		v   *int64
	}{{"d.device_id", s.Device}, {"d.dialplan_id", s.Dialplan}, {"d.provider_id", s.Provider}} {
		if f.v != nil {
			w.add("coalesce("+f.col+", 0) = ?", *f.v)
		}
	}
	if s.Language != nil {
		w.add("lower(d.language) = lower(?)", *s.Language)
	}
	if s.Owner != nil {
		if err := st.addOwnerPattern(ctx, &w, *s.Owner); err != nil {
			return w, err
		}
	}
	if s.HideTerminated {
		w.add("d.status <> 'terminated'")
	}
	return w, nil
}

// addOwnerPattern adds search_did_owner's LIKE on the owner's display name.
// An engine whose LIKE recurses once per % (MariaDB: a pattern of
// thousands of % against a name as long overruns the server thread's
// stack) is given the ids of the users whose names match instead, matched
// here with SQLite's LIKE rules (users are few; a DID's number, at most 50
// digits, bounds that recursion by itself).
func (st *Store) addOwnerPattern(ctx context.Context, w *where, pattern string) error {
	p := collapsePercent(pattern)
	if st.eng.likeWildcards == 0 || strings.Count(p, "%") <= st.eng.likeWildcards {
		// lower() on both sides: LIKE ignores ASCII case on SQLite only.
		cond, arg := st.eng.likeCond(ownerName, p, true)
		w.add("d.status <> 'free' AND "+cond, arg)
		return nil
	}
	ids, err := st.usersNamed(ctx, p)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		w.add("0")
		return nil
	}
	w.add("d.status <> 'free' AND d.user_id IN (?"+strings.Repeat(", ?", len(ids)-1)+")", ids...)
	return nil
}

// usersNamed returns the ids of the users whose display name matches the
// LIKE pattern p.
func (st *Store) usersNamed(ctx context.Context, p string) ([]any, error) {
	users, err := queryAll(ctx, st.reader(), func(r scanner) (domain.User, error) {
		var u domain.User
		return u, r.Scan(&u.ID, &u.FirstName, &u.LastName, &u.Username)
	}, "SELECT id, first_name, last_name, username FROM users")
	if err != nil {
		return nil, err
	}
	pr := []rune(p)
	var ids []any
	for _, u := range users {
		if likeMatch(pr, []rune(u.DisplayName())) {
			ids = append(ids, u.ID)
		}
	}
	return ids, nil
}

// addNumberPattern adds search_did_number's LIKE. SQLite cannot use the
// unique index on dids.did for a LIKE (it is case-insensitive, the index is
// not), so the two patterns integrations send most are given in a form that
// can: no wildcard is an exact match, and digits then one trailing % a range.
// DID numbers are digits only, so each form matches exactly what LIKE would.
func addNumberPattern(w *where, pattern string, d *dialect) {
	pattern = collapsePercent(pattern)
	literal := strings.TrimSuffix(pattern, "%")
	if strings.ContainsAny(literal, "%_") {
		w.add(d.likeCond("d.did", pattern, false))
		return
	}
	if literal == pattern {
		w.add("d.did = ?", pattern)
		return
	}
	if literal != "" && domain.IsDigits(literal) {
		next := literal[:len(literal)-1] + string(literal[len(literal)-1]+1)
		w.add("d.did >= ? AND d.did < ?", literal, next)
		return
	}
	w.add(d.likeCond("d.did", pattern, false))
}

// SearchDIDs runs dids_get on the read pool: the caller's DIDs matching the
// search, ordered by number, one page. An empty result is
// domain.ErrNoDIDsFound; a search that may read many rows goes through the
// scan lane, any other through the read lane (admit.go), and either may be
// domain.ErrBusy.
func (s *Store) SearchDIDs(ctx context.Context, search domain.DIDSearch) ([]domain.DIDListing, error) {
	if out, ok, err := s.searchNumber(ctx, search); ok {
		return out, err
	}
	search1 := func(ctx context.Context) ([]domain.DIDListing, error) { return s.searchDIDs(ctx, search) }
	if isScan(search) {
		return runIn(&s.scans, ctx, search1)
	}
	return reading(s, ctx, search1)
}

func (s *Store) searchDIDs(ctx context.Context, search domain.DIDSearch) ([]domain.DIDListing, error) {
	w, err := s.searchWhere(ctx, search)
	if err != nil {
		return nil, err
	}
	query := ""
	if len(w.conds) > 0 {
		query += " WHERE " + strings.Join(w.conds, " AND ")
	}
	limit := int64(search.Limit)
	if limit == 0 {
		limit = math.MaxInt64 // no limit, in a form both engines take
	}
	query += " ORDER BY d.did LIMIT ? OFFSET ?" // did is unique: a total order, and the index gives it without a sort
	out, err := s.listDIDs(ctx, query, append(w.args, limit, search.Offset), search.Owner == nil)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, domain.ErrNoDIDsFound
	}
	return out, nil
}

func scanListing(r scanner) (domain.DIDListing, error) {
	var l domain.DIDListing
	var res, own domain.User
	d, err := scanDID(scanPrefix{r, []any{
		&l.ProviderName, &res.FirstName, &res.LastName, &res.Username,
		&own.FirstName, &own.LastName, &own.Username, &l.DeviceLabel, &l.DialPlan}})
	if err != nil {
		return l, err
	}
	l.DID = *d
	if d.ResellerID != 0 {
		l.ResellerName = res.DisplayName()
	}
	l.OwnerName = own.DisplayName()
	return l, nil
}

// scanPrefix lets scanDID read the leading DID columns of a wider row: the
// extra destinations are appended to its Scan.
type scanPrefix struct {
	r     scanner
	extra []any
}

func (s scanPrefix) Scan(dest ...any) error { return s.r.Scan(append(dest, s.extra...)...) }
