package store

import (
	"context"

	"morlite/domain"
)

// Putting a DID on a dial plan and taking it off, from the DID edit page
// and from a plan's edit page.

// findDIDForPage returns the DID a raw id names, as the DID pages let the
// caller reach it. Errors: domain.ErrDIDNotFound when there is none or it
// is outside a reseller caller's pool.
func findDIDForPage(ctx context.Context, q queryer, c domain.Caller, raw string) (*domain.DID, error) {
	d, err := findDIDByID(ctx, q, raw)
	if err != nil {
		return nil, err
	}
	if d == nil || (c.Is(domain.Reseller) && d.ResellerID != c.User.ID) {
		return nil, domain.ErrDIDNotFound
	}
	return d, nil
}

// PutDIDOnDialplan is the DID edit page's move: the DID rawDID names onto
// the caller's plan rawPlan names, logged as did_assigned_to_dp. Errors:
// those of domain.DIDDialplanRight; domain.ErrDIDNotFound;
// domain.ErrDialplanNotFound (no such plan, or another owner's);
// domain.ErrDIDNotFree.
func (s *Store) PutDIDOnDialplan(ctx context.Context, c domain.Caller, rawDID, rawPlan string) (domain.DID, domain.Dialplan, error) {
	var out domain.DID
	var plan domain.Dialplan
	err := s.writeTx(ctx, func(tx *wtx) error {
		if err := domain.DIDDialplanRight(c); err != nil {
			return err
		}
		d, err := findDIDForPage(ctx, tx, c, rawDID)
		if err != nil {
			return err
		}
		dp, err := findDialplan(ctx, tx, rawPlan)
		if err != nil {
			return err
		}
		if dp == nil || dp.UserID != c.Scope() {
			return domain.ErrDialplanNotFound
		}
		plan = *dp
		out, err = s.putOnDialplan(ctx, tx, c, *d, *dp)
		return err
	})
	return out, plan, writeFailed(err, domain.ErrDIDNotUpdated)
}

// AddDIDToDialplan is a plan's edit page's "Add new DID": the DID rawDID
// names onto the plan rawPlan names. Errors: the plan's load checks;
// domain.ErrDIDNotFound; domain.ErrDIDNotFree.
func (s *Store) AddDIDToDialplan(ctx context.Context, c domain.Caller, rawPlan, rawDID string) (domain.DID, domain.Dialplan, error) {
	var out domain.DID
	var plan domain.Dialplan
	err := s.writeTx(ctx, func(tx *wtx) error {
		dp, err := loadDialplanInScope(ctx, tx, c, rawPlan)
		if err != nil {
			return err
		}
		plan = *dp
		d, err := findDIDByID(ctx, tx, rawDID)
		if err != nil || d == nil {
			return cmpErr(err, domain.ErrDIDNotFound)
		}
		out, err = s.putOnDialplan(ctx, tx, c, *d, *dp)
		return err
	})
	return out, plan, writeFailed(err, domain.ErrDIDNotUpdated)
}

func (s *Store) putOnDialplan(ctx context.Context, tx *wtx, c domain.Caller, d domain.DID, dp domain.Dialplan) (domain.DID, error) {
	after, err := domain.PutOnDialplan(c, d, dp)
	if err != nil {
		return d, err
	}
	return after, s.saveDIDMove(ctx, tx, c, "did_assigned_to_dp", d, after)
}

// TakeDIDOffDialplan is the DID edit page's "Make DID free" for a DID on a
// plan, logged as did_made_available. Errors: those of
// domain.DIDDialplanRight; domain.ErrDIDNotFound; domain.ErrDIDNotUpdated.
func (s *Store) TakeDIDOffDialplan(ctx context.Context, c domain.Caller, rawDID string) (domain.DID, error) {
	var out domain.DID
	err := s.writeTx(ctx, func(tx *wtx) error {
		if err := domain.DIDDialplanRight(c); err != nil {
			return err
		}
		d, err := findDIDForPage(ctx, tx, c, rawDID)
		if err != nil {
			return err
		}
		if out, err = domain.TakeOffDialplan(c, *d); err != nil {
			return err
		}
		return s.saveDIDMove(ctx, tx, c, "did_made_available", *d, out)
	})
	return out, writeFailed(err, domain.ErrDIDNotUpdated)
}

// AssignIntervalToDialplan is the interval page's action: every DID whose
// number lies between from and till (compared as text, as MOR's BETWEEN on
// a text column does) that is free with no user in the admin's pool goes
// onto the admin's plan rawPlan names, in one transaction. Errors: those
// of domain.IntervalRight; *domain.IntervalRefused for bad ends or an
// empty interval; domain.ErrDialplanNotFound.
func (s *Store) AssignIntervalToDialplan(ctx context.Context, c domain.Caller, from, till, rawPlan string) (domain.IntervalResult, error) {
	var res domain.IntervalResult
	err := s.writeTx(ctx, func(tx *wtx) error {
		if err := domain.IntervalRight(c); err != nil {
			return err
		}
		if line := domain.CheckInterval(from, till); line != "" {
			return &domain.IntervalRefused{Line: line}
		}
		dids, err := queryAll(ctx, tx, func(r scanner) (domain.DID, error) {
			d, err := scanDID(r)
			if err != nil {
				return domain.DID{}, err
			}
			return *d, nil
		}, "SELECT "+didColumns+" FROM dids WHERE did BETWEEN ? AND ? ORDER BY did", from, till)
		if err != nil || len(dids) == 0 {
			return cmpErr(err, &domain.IntervalRefused{Line: domain.TextIntervalNone})
		}
		dp, err := findDialplan(ctx, tx, rawPlan)
		if err != nil || dp == nil || dp.UserID != domain.AdminID {
			return cmpErr(err, domain.ErrDialplanNotFound)
		}
		before := map[int64]domain.DID{}
		for _, d := range dids {
			before[d.ID] = d
		}
		var changed []domain.DID
		changed, res = domain.AssignInterval(dids, *dp)
		for _, d := range changed {
			if err := s.saveDIDMove(ctx, tx, c, "did_assigned_to_dp", before[d.ID], d); err != nil {
				return err
			}
		}
		return nil
	})
	return res, writeFailed(err, domain.ErrIntervalNotUpdated)
}

// IntervalCount is how many DIDs lie between from and till (as text).
func (s *Store) IntervalCount(ctx context.Context, from, till string) (int, error) {
	return reading(s, ctx, func(ctx context.Context) (int, error) { return s.intervalCount(ctx, from, till) })
}

func (s *Store) intervalCount(ctx context.Context, from, till string) (int, error) {
	var n int
	err := s.reader().QueryRowContext(ctx, "SELECT count(*) FROM dids WHERE did BETWEEN ? AND ?", from, till).Scan(&n)
	return n, err
}
