package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"morlite/domain"
)

// The reads behind the DID pages. They reuse dids_get's query and scope, so
// a viewer sees on the pages exactly the DIDs the API would list for him.

// DIDDetail is one DID as its edit page shows it: dids_get's row plus the
// names the page adds.
type DIDDetail struct {
	domain.DIDListing
	OwnerUsername    string
	ResellerUsername string
	DeviceIsTrunk    bool
}

// ActionEntry is one action log row with the username of who made it
// (empty when the user is gone or the row names nobody).
type ActionEntry struct {
	Action   domain.Action
	Username string
}

// DIDDetailLimit is how many action log rows DIDActions returns.
const DIDDetailLimit = 200

// DIDDetailByID returns the DID with that id when search's caller may see it
// (the scope dids_get applies; the search's filters are applied too).
// Errors: ErrNotFound when there is no such DID or it is outside the
// caller's scope.
func (s *Store) DIDDetailByID(ctx context.Context, search domain.DIDSearch, id int64) (*DIDDetail, error) {
	return reading(s, ctx, func(ctx context.Context) (*DIDDetail, error) {
		return s.didDetailByID(ctx, search, id)
	})
}

func (s *Store) didDetailByID(ctx context.Context, search domain.DIDSearch, id int64) (*DIDDetail, error) {
	w, err := s.searchWhere(ctx, search)
	if err != nil {
		return nil, err
	}
	w.add("d.id = ?", id)
	query := "SELECT " + listColumns + `, coalesce(o.username, ''), coalesce(r.username, ''),
		coalesce(dv.istrunk, 0)` + listFrom + " WHERE " + strings.Join(w.conds, " AND ")
	var det DIDDetail
	l, err := scanListing(scanPrefix{s.reader().QueryRowContext(ctx, query, w.args...),
		[]any{&det.OwnerUsername, &det.ResellerUsername, &det.DeviceIsTrunk}})
	if err != nil {
		return nil, notFound(err)
	}
	det.DIDListing = l
	return &det, nil
}

// DIDActions returns the newest DIDDetailLimit action log rows of the DID
// with that id that c may read, newest first: every row for the admin and
// accountants; for a reseller only the rows he or his users made, since
// the others carry what dids_get hides from him (the admin's comment, the
// provider) and the DID's past in another reseller's pool. Whether c may
// see the DID at all is the caller's business (DIDDetailByID first).
func (s *Store) DIDActions(ctx context.Context, c domain.Caller, id int64) ([]ActionEntry, error) {
	return reading(s, ctx, func(ctx context.Context) ([]ActionEntry, error) {
		return s.didActions(ctx, c, id)
	})
}

func (s *Store) didActions(ctx context.Context, c domain.Caller, id int64) ([]ActionEntry, error) {
	query, args := `SELECT a.id, a.date, a.user_id,
		a.action, a.target_type, a.target_id, a.data, a.data2, coalesce(u.username, '')
		FROM actions a LEFT JOIN users u ON u.id = a.user_id
		WHERE a.target_type = 'did' AND a.target_id = ?`, []any{id}
	if c.Is(domain.Reseller) {
		query += " AND (a.user_id = ? OR u.owner_id = ?)"
		args = append(args, c.User.ID, c.User.ID)
	}
	return queryAll(ctx, s.reader(), scanActionEntry, query+" ORDER BY a.id DESC LIMIT ?", append(args, DIDDetailLimit)...)
}

func scanActionEntry(r scanner) (ActionEntry, error) {
	var e ActionEntry
	a := &e.Action
	var date string
	err := r.Scan(&a.ID, &date, &a.UserID, &a.Action, &a.TargetType, &a.TargetID, &a.Data, &a.Data2, &e.Username)
	if err != nil {
		return e, err
	}
	if a.Date, err = time.Parse(domain.TimeLayout, date); err != nil {
		return e, errors.New("action " + date + ": bad date")
	}
	return e, nil
}

// DeviceChoice is a device a DID may be assigned to, as a page lists it.
type DeviceChoice struct {
	ID       int64
	Label    string // TYPE/name
	IsTrunk  bool
	UserID   int64
	Username string // the device's user
}

// DeviceChoices returns the visible devices of the users in the caller's
// scope (those the assign methods let him use), in id order.
func (s *Store) DeviceChoices(ctx context.Context, c domain.Caller) ([]DeviceChoice, error) {
	return reading(s, ctx, func(ctx context.Context) ([]DeviceChoice, error) {
		return s.deviceChoices(ctx, c)
	})
}

func (s *Store) deviceChoices(ctx context.Context, c domain.Caller) ([]DeviceChoice, error) {
	return queryAll(ctx, s.reader(), func(r scanner) (DeviceChoice, error) {
		var d DeviceChoice
		err := r.Scan(&d.ID, &d.Label, &d.IsTrunk, &d.UserID, &d.Username)
		return d, err
	}, `SELECT dv.id, dv.device_type || '/' || dv.name, dv.istrunk, dv.user_id, u.username
		FROM devices dv JOIN users u ON u.id = dv.user_id
		WHERE u.owner_id = ? AND dv.hidden = 0 ORDER BY dv.id`, c.Scope())
}
