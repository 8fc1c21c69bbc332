package store

import (
	"context"
	"database/sql"
	"errors"

	"morlite/domain"
)

// CreateDID runs did_create in one write transaction: it loads the provider
// the request names (or the reseller default) and whether the number exists,
// applies domain.CreateDID and inserts the DID with its action log row.
// Errors: those of domain.CreateDID; a failed write is
// domain.ErrDIDCreateFailed.
func (s *Store) CreateDID(ctx context.Context, c domain.Caller, rawProvider, number string) (domain.DID, error) {
	var out domain.DID
	base, err := s.methodInput(ctx, c)
	if err != nil {
		return out, err
	}
	err = s.writeTx(ctx, func(tx *wtx) error {
		in := base
		in.Now = s.Now() // the write's own time, not the request's
		var err error
		if id, ok := domain.ProviderFor(c, in.Settings, rawProvider); ok {
			if in.Provider, err = findProvider(ctx, tx, id); err != nil {
				return err
			}
		}
		existing, err := findDID(ctx, tx, number)
		if err != nil {
			return err
		}
		d, err := domain.CreateDID(in, number, existing != nil)
		if err != nil {
			return err
		}
		if d.ID, err = insertDID(ctx, tx, d); err != nil {
			return writeFailedError{err}
		}
		out = d
		return insertActionOrFail(ctx, tx, domain.DIDCreatedAction(in.Now, c, d))
	})
	return out, writeFailed(err, domain.ErrDIDCreateFailed)
}

// UpdateDIDDetails runs did_details_update in one write transaction: the
// DID (by did_id), the user did_user_id names and the provider
// did_provider_id names are loaded, domain.UpdateDIDDetails decides, and the
// row is stored with its action log row. Errors: those of
// domain.UpdateDIDDetails.
func (s *Store) UpdateDIDDetails(ctx context.Context, c domain.Caller, p domain.Params) (domain.DID, error) {
	var out domain.DID
	base, err := s.methodInput(ctx, c)
	if err != nil {
		return out, err
	}
	err = s.writeTx(ctx, func(tx *wtx) error {
		in := base
		in.Now = s.Now() // the write's own time, not the request's
		var err error
		if in.DID, err = findDIDByID(ctx, tx, p.Get("did_id")); err != nil {
			return err
		}
		if id, ok := domain.ParseID(p.Get("did_user_id")); ok {
			if in.TargetUser, err = findUser(ctx, tx, id); err != nil {
				return err
			}
		}
		if id, ok := domain.ParseID(p.Get("did_provider_id")); ok {
			if in.Provider, err = findProvider(ctx, tx, id); err != nil {
				return err
			}
		}
		after, err := domain.UpdateDIDDetails(in, p)
		if err != nil {
			return err
		}
		out = after
		if err := saveDIDDetails(ctx, tx, after); err != nil {
			return err
		}
		return s.saveDIDMove(ctx, tx, c, "did_details_update", *in.DID, after)
	})
	return out, err
}

// CloseDID runs did_close, did_subscription_stop, did_terminate,
// did_make_free or did_delete (move m) on the DID rawID names, in one write
// transaction; did_delete removes the row. Errors: those of domain.CloseDID.
func (s *Store) CloseDID(ctx context.Context, m domain.Move, c domain.Caller, rawID string) (domain.DID, error) {
	var out domain.DID
	base, err := s.methodInput(ctx, c)
	if err != nil {
		return out, err
	}
	err = s.writeTx(ctx, func(tx *wtx) error {
		in := base
		in.Now = s.Now() // the write's own time, not the request's
		var err error
		if in.DID, err = findDIDByID(ctx, tx, rawID); err != nil {
			return err
		}
		after, err := domain.CloseDID(m, in)
		if err != nil {
			return err
		}
		out = after
		if m == domain.MoveDelete {
			return deleteDID(ctx, tx, in, after)
		}
		return s.saveDIDMove(ctx, tx, c, string(m), *in.DID, after)
	})
	return out, err
}

// methodInput starts a DIDMethodInput: caller, settings and the clock. It
// reads the settings, so it runs before the write transaction: a read
// there would wait for a read slot while the write holds the writer (and,
// on MySQL, its row locks).
func (s *Store) methodInput(ctx context.Context, c domain.Caller) (domain.DIDMethodInput, error) {
	st, err := s.Settings(ctx)
	return domain.DIDMethodInput{Caller: c, Settings: st, Now: s.Now()}, err
}

func deleteDID(ctx context.Context, tx *wtx, in domain.DIDMethodInput, d domain.DID) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM dids WHERE id = ?", d.ID); err != nil {
		return writeFailedError{err}
	}
	return insertActionOrFail(ctx, tx, domain.DIDDeletedAction(in.Now, in.Caller, d))
}

func insertActionOrFail(ctx context.Context, tx queryer, a domain.Action) error {
	if err := insertAction(ctx, tx, a); err != nil {
		return writeFailedError{err}
	}
	return nil
}

// saveDIDDetails stores the columns only did_details_update edits.
func saveDIDDetails(ctx context.Context, tx *wtx, d domain.DID) error {
	_, err := tx.ExecContext(ctx, `UPDATE dids SET provider_id = ?, language = ?, call_limit = ?,
		comment = ?, reseller_comment = ?, grace_time = ? WHERE id = ?`,
		nullID(d.ProviderID), d.Language, d.CallLimit, d.Comment, d.ResellerComment, d.GraceTime, d.ID)
	if err != nil {
		return writeFailedError{err}
	}
	return nil
}

func insertDID(ctx context.Context, tx *wtx, d domain.DID) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO dids (did, status, reseller_id, provider_id, language)
		VALUES (?, ?, ?, ?, ?)`, d.Number, d.Status, d.ResellerID, nullID(d.ProviderID), d.Language)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// findDIDByID returns the DID a raw id names, or nil when it names none.
func findDIDByID(ctx context.Context, q queryer, raw string) (*domain.DID, error) {
	id, ok := domain.ParseID(raw)
	if !ok {
		return nil, nil
	}
	d, err := scanDID(q.QueryRowContext(ctx, "SELECT "+didColumns+" FROM dids WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return d, err
}

// findUser returns the user with that id, or nil.
func findUser(ctx context.Context, q queryer, id int64) (*domain.User, error) {
	u, err := getUser(ctx, q, "id = ?", id)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return u, err
}

// findProvider returns the provider with that id, or nil.
func findProvider(ctx context.Context, q queryer, id int64) (*domain.Provider, error) {
	var p domain.Provider
	err := q.QueryRowContext(ctx, "SELECT id, name, user_id, hidden FROM providers WHERE id = ?", id).
		Scan(&p.ID, &p.Name, &p.UserID, &p.Hidden)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}
