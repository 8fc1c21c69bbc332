package store

import (
	"context"
	"database/sql"
	"errors"

	"morlite/domain"
)

// The dial plan pages' reads and writes. MOR has no API method for them;
// each write is one transaction that runs the domain's checks in MOR's
// order, so an error changes nothing and of two racing requests the loser
// gets the text it would get arriving second.

// DIDRef is a DID as a link shows it.
type DIDRef struct {
	ID     int64
	Number string
}

// DialplanRow is a plan as the list shows it: its device as TYPE/name (""
// when none) and the DIDs on it, by number.
type DialplanRow struct {
	domain.Dialplan
	Device string
	DIDs   []DIDRef
}

// DialplansOf returns the plans owner (0: the admin) owns, by name ignoring
// case, then id, each with its device and its DIDs.
func (s *Store) DialplansOf(ctx context.Context, owner int64) ([]DialplanRow, error) {
	return reading(s, ctx, func(ctx context.Context) ([]DialplanRow, error) {
		return s.dialplansOf(ctx, owner)
	})
}

func (s *Store) dialplansOf(ctx context.Context, owner int64) ([]DialplanRow, error) {
	rows, err := queryAll(ctx, s.reader(), func(r scanner) (DialplanRow, error) {
		var p DialplanRow
		var devType, devName sql.NullString
		err := r.Scan(&p.ID, &p.Name, &p.DPType, &p.UserID, &p.DeviceID, &devType, &devName)
		if devType.Valid {
			p.Device = devType.String + "/" + devName.String
		}
		return p, err
	}, `SELECT dp.id, dp.name, dp.dptype, dp.user_id, coalesce(dp.device_id, 0), dv.device_type, dv.name
		FROM dialplans dp LEFT JOIN devices dv ON dv.id = dp.device_id
		WHERE dp.user_id = ? ORDER BY lower(dp.name), dp.id`, owner)
	if err != nil || len(rows) == 0 {
		return rows, err
	}
	index := map[int64]int{}
	for i, p := range rows {
		index[p.ID] = i
	}
	type onPlan struct {
		ref  DIDRef
		plan int64
	}
	dids, err := queryAll(ctx, s.reader(), func(r scanner) (onPlan, error) {
		var o onPlan
		return o, r.Scan(&o.ref.ID, &o.ref.Number, &o.plan)
	}, `SELECT d.id, d.did, d.dialplan_id FROM dids d JOIN dialplans dp ON dp.id = d.dialplan_id
		WHERE dp.user_id = ? ORDER BY d.did`, owner)
	for _, o := range dids {
		// A plan made between the two reads is not listed: nor are its DIDs.
		if i, ok := index[o.plan]; ok {
			rows[i].DIDs = append(rows[i].DIDs, o.ref)
		}
	}
	return rows, err
}

// DialplanByID returns the plan with that id. Errors: ErrNotFound.
func (s *Store) DialplanByID(ctx context.Context, id int64) (*domain.Dialplan, error) {
	return reading(s, ctx, func(ctx context.Context) (*domain.Dialplan, error) {
		return s.dialplanByID(ctx, id)
	})
}

func (s *Store) dialplanByID(ctx context.Context, id int64) (*domain.Dialplan, error) {
	dp, err := getDialplan(ctx, s.reader(), id)
	return dp, notFound(err)
}

// FreeDIDsInPool returns the DIDs free with no user in owner's pool (0:
// the admin's), by number: those a plan of his may take.
func (s *Store) FreeDIDsInPool(ctx context.Context, owner int64) ([]DIDRef, error) {
	return reading(s, ctx, func(ctx context.Context) ([]DIDRef, error) {
		return s.freeDIDsInPool(ctx, owner)
	})
}

func (s *Store) freeDIDsInPool(ctx context.Context, owner int64) ([]DIDRef, error) {
	return queryAll(ctx, s.reader(), func(r scanner) (DIDRef, error) {
		var d DIDRef
		return d, r.Scan(&d.ID, &d.Number)
	}, `SELECT id, did FROM dids WHERE status = 'free' AND user_id = 0 AND reseller_id = ?
		ORDER BY did LIMIT 1000`, owner)
}

func getDialplan(ctx context.Context, q queryer, id int64) (*domain.Dialplan, error) {
	var dp domain.Dialplan
	err := q.QueryRowContext(ctx, `SELECT id, name, dptype, user_id, coalesce(device_id, 0)
		FROM dialplans WHERE id = ?`, id).Scan(&dp.ID, &dp.Name, &dp.DPType, &dp.UserID, &dp.DeviceID)
	return &dp, err
}

// findDialplan returns the plan a raw id names, nil when none.
func findDialplan(ctx context.Context, q queryer, raw string) (*domain.Dialplan, error) {
	id, ok := domain.ParseID(raw)
	if !ok {
		return nil, nil
	}
	dp, err := getDialplan(ctx, q, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return dp, err
}

// loadFormDevice fills f's device from the form's raw value: "" and "0"
// are "Not used"; anything else names a device or none (then f.Device
// stays nil and the domain answers "Device was not found").
func loadFormDevice(ctx context.Context, q queryer, f *domain.DialplanForm, raw string) error {
	if raw == "" || raw == "0" {
		return nil
	}
	f.DeviceID = -1
	if id, ok := domain.ParseID(raw); ok {
		f.DeviceID = id
	}
	var err error
	f.Device, f.DeviceUser, err = deviceByRawID(ctx, q, raw)
	return err
}

// CreateDialplan makes a plan from a create form, with the next id, owned
// by the caller's scope, and logs dp_created. Errors: those of
// domain.ManageDialplans and domain.CheckDialplanForm; a failed write is
// domain.ErrDialplanNotCreated.
func (s *Store) CreateDialplan(ctx context.Context, c domain.Caller, f domain.DialplanForm, rawDevice string) (domain.Dialplan, error) {
	var out domain.Dialplan
	err := s.writeTx(ctx, func(tx *wtx) error {
		if err := domain.ManageDialplans(c); err != nil {
			return err
		}
		if err := loadFormDevice(ctx, tx, &f, rawDevice); err != nil {
			return err
		}
		dp, err := domain.CheckDialplanForm(c, f, domain.ErrDialplanNotCreated)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) + 1 FROM dialplans").Scan(&dp.ID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO dialplans (id, name, dptype, user_id, device_id) VALUES (?, ?, ?, ?, ?)",
			dp.ID, dp.Name, dp.DPType, dp.UserID, nullID(dp.DeviceID))
		if err != nil {
			return writeFailedError{err}
		}
		out = dp
		return insertActionOrFail(ctx, tx, domain.ChangeAction(s.Now(), c, "dp_created", "dialplan", dp.ID, nil, dp.Columns()))
	})
	return out, writeFailed(err, domain.ErrDialplanNotCreated)
}

// DialplanInScope returns the plan a raw id names after the load checks a
// change of it runs (loadDialplanInScope), so that a page shows only what
// it may change. Errors: those of domain.ManageDialplans and
// domain.DialplanInScope.
func (s *Store) DialplanInScope(ctx context.Context, c domain.Caller, raw string) (*domain.Dialplan, error) {
	return reading(s, ctx, func(ctx context.Context) (*domain.Dialplan, error) {
		return loadDialplanInScope(ctx, s.reader(), c, raw)
	})
}

// loadDialplanInScope is a plan's load checks: the plan a raw id names, in
// the caller's scope. Errors: those of domain.ManageDialplans and
// domain.DialplanInScope.
func loadDialplanInScope(ctx context.Context, q queryer, c domain.Caller, raw string) (*domain.Dialplan, error) {
	if err := domain.ManageDialplans(c); err != nil {
		return nil, err
	}
	dp, err := findDialplan(ctx, q, raw)
	if err != nil {
		return nil, err
	}
	return dp, domain.DialplanInScope(c, dp)
}

// UpdateDialplan rewrites a plan's name and device from an edit form (its
// type and owner never change) and logs dp_edited. Errors: the load
// checks; domain.ErrAccessDenied when the form has no name field; those
// of domain.CheckDialplanForm; a failed write is
// domain.ErrDialplanNotUpdated.
func (s *Store) UpdateDialplan(ctx context.Context, c domain.Caller, rawID string, f domain.DialplanForm, rawDevice string) (domain.Dialplan, error) {
	var out domain.Dialplan
	err := s.writeTx(ctx, func(tx *wtx) error {
		before, err := loadDialplanInScope(ctx, tx, c, rawID)
		if err != nil {
			return err
		}
		if !f.HasName {
			return domain.ErrAccessDenied
		}
		if err := loadFormDevice(ctx, tx, &f, rawDevice); err != nil {
			return err
		}
		f.DPType = before.DPType
		dp, err := domain.CheckDialplanForm(c, f, domain.ErrDialplanNotUpdated)
		if err != nil {
			return err
		}
		dp.ID, dp.UserID = before.ID, before.UserID
		_, err = tx.ExecContext(ctx, "UPDATE dialplans SET name = ?, device_id = ? WHERE id = ?", dp.Name, nullID(dp.DeviceID), dp.ID)
		if err != nil {
			return writeFailedError{err}
		}
		out = dp
		return insertActionOrFail(ctx, tx, domain.ChangeAction(s.Now(), c, "dp_edited", "dialplan", dp.ID, before.Columns(), dp.Columns()))
	})
	return out, writeFailed(err, domain.ErrDialplanNotUpdated)
}

// DeleteDialplan deletes a plan no DID points at (whatever the DID's
// status) and logs dp_deleted. Errors: the load checks;
// domain.ErrDialplanHasDIDs.
func (s *Store) DeleteDialplan(ctx context.Context, c domain.Caller, rawID string) (domain.Dialplan, error) {
	var out domain.Dialplan
	err := s.writeTx(ctx, func(tx *wtx) error {
		dp, err := loadDialplanInScope(ctx, tx, c, rawID)
		if err != nil {
			return err
		}
		used, err := exists(ctx, tx, "SELECT 1 FROM dids WHERE dialplan_id = ? LIMIT 1", dp.ID)
		if err != nil || used {
			return cmpErr(err, domain.ErrDialplanHasDIDs)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM dialplans WHERE id = ?", dp.ID); err != nil {
			return err
		}
		out = *dp
		return insertActionOrFail(ctx, tx, domain.ChangeAction(s.Now(), c, "dp_deleted", "dialplan", dp.ID, dp.Columns(), nil))
	})
	return out, err
}
