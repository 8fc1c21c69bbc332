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
	out, err := s.didMethod(ctx, c, func(tx *wtx, in domain.DIDMethodInput) (domain.DID, error) {
		var err error
		if id, ok := domain.ProviderFor(c, in.Settings, rawProvider); ok {
			if in.Provider, err = findProvider(ctx, tx, id); err != nil {
				return domain.DID{}, err
			}
		}
		existing, err := findDID(ctx, tx, number)
		if err != nil {
			return domain.DID{}, err
		}
		d, err := domain.CreateDID(in, number, existing != nil)
		if err != nil {
			return d, err
		}
		if d.ID, err = insertDID(ctx, tx, d); err != nil {
			return d, writeFailedError{err}
		}
		return d, insertActionOrFail(ctx, tx, domain.DIDCreatedAction(in.Now, c, d))
	})
	return out, writeFailed(err, domain.ErrDIDCreateFailed)
}

// UpdateDIDDetails runs did_details_update in one write transaction: the
// DID (by did_id), the user did_user_id names and the provider
// did_provider_id names are loaded, domain.UpdateDIDDetails decides, and the
// columns it changed are stored with the action log row. Errors: those of
// domain.UpdateDIDDetails.
func (s *Store) UpdateDIDDetails(ctx context.Context, c domain.Caller, p domain.Params) (domain.DID, error) {
	return s.didMethod(ctx, c, func(tx *wtx, in domain.DIDMethodInput) (domain.DID, error) {
		var err error
		if in.DID, err = findDIDByID(ctx, tx, p.Get("did_id")); err != nil {
			return domain.DID{}, err
		}
		if id, ok := domain.ParseID(p.Get("did_user_id")); ok {
			if in.TargetUser, err = findUser(ctx, tx, id); err != nil {
				return domain.DID{}, err
			}
		}
		if id, ok := domain.ParseID(p.Get("did_provider_id")); ok {
			if in.Provider, err = findProvider(ctx, tx, id); err != nil {
				return domain.DID{}, err
			}
		}
		after, err := domain.UpdateDIDDetails(in, p)
		if err != nil {
			return after, err
		}
		return after, s.saveDIDMove(ctx, tx, c, "did_details_update", *in.DID, after)
	})
}

// CloseDID runs did_close, did_subscription_stop, did_terminate,
// did_make_free or did_delete (move m) on the DID rawID names, in one write
// transaction; did_delete removes the row. Errors: those of domain.CloseDID.
func (s *Store) CloseDID(ctx context.Context, m domain.Move, c domain.Caller, rawID string) (domain.DID, error) {
	return s.didMethod(ctx, c, func(tx *wtx, in domain.DIDMethodInput) (domain.DID, error) {
		var err error
		if in.DID, err = findDIDByID(ctx, tx, rawID); err != nil {
			return domain.DID{}, err
		}
		after, err := domain.CloseDID(m, in)
		if err != nil {
			return after, err
		}
		if m == domain.MoveDelete {
			return after, deleteDID(ctx, tx, in, after)
		}
		return after, s.saveDIDMove(ctx, tx, c, string(m), *in.DID, after)
	})
}

// didMethod runs a DID lifecycle method: fn decides and writes in one write
// transaction, given the caller, the settings (read before the transaction:
// a read there would wait for a read slot while the write holds the writer
// and, on MySQL, its row locks) and the write's own time. It returns the DID
// fn returned when fn and the commit succeeded.
func (s *Store) didMethod(ctx context.Context, c domain.Caller, fn func(tx *wtx, in domain.DIDMethodInput) (domain.DID, error)) (domain.DID, error) {
	var out domain.DID
	st, err := s.Settings(ctx)
	if err != nil {
		return out, err
	}
	err = s.writeTx(ctx, func(tx *wtx) error {
		d, err := fn(tx, domain.DIDMethodInput{Caller: c, Settings: st, Now: s.Now()})
		if err == nil {
			out = d
		}
		return err
	})
	return out, err
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
