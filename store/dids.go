package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"morlite/domain"
)

// AssignDID runs did_trunk_device_assign or did_device_assign: it loads the
// device, its user and the DID in one write transaction, applies
// domain.Assign and stores the result with its action log row. deviceID and
// number are the request's raw values. Errors: those of domain.Assign;
// a failed write is domain.ErrDeviceNotAssigned.
func (s *Store) AssignDID(ctx context.Context, m domain.AssignMethod, method string, c domain.Caller, deviceID, number string) (domain.DID, error) {
	var out domain.DID
	settings, err := s.Settings(ctx)
	if err != nil {
		return out, err
	}
	err = s.writeTx(ctx, func(tx *wtx) error {
		q := s.inTx(tx)
		in := domain.AssignInput{Caller: c, Settings: settings}
		var err error
		if in.Device, in.DeviceUser, in.DID, err = s.assignRows(ctx, q, deviceID, number); err != nil {
			return err
		}
		after, err := domain.Assign(m, in)
		if err != nil {
			return err
		}
		out = after
		return s.saveDIDMove(ctx, q, c, method, *in.DID, after)
	})
	return out, writeFailed(err, domain.ErrDeviceNotAssigned)
}

// assignRows reads what an assignment decides on: the device, its user and
// the DID (nils for those that do not exist). On MySQL one locking read
// takes all three when they exist; otherwise, and on SQLite (through the
// writer's row cache), the device and its user, then the DID.
func (s *Store) assignRows(ctx context.Context, q queryer, deviceID, number string) (*domain.Device, *domain.User, *domain.DID, error) {
	if s.eng.shared {
		if d, u, did, ok, err := deviceUserAndDID(ctx, q, deviceID, number); ok || err != nil {
			return d, u, did, err
		}
	}
	d, u, err := s.deviceByRawIDCached(ctx, q, deviceID)
	if err != nil {
		return nil, nil, nil, err
	}
	did, err := s.findDIDCached(ctx, q, number)
	return d, u, did, err
}

// deviceUserAndDIDQuery reads a DID by number, a device by id and the
// device's user: the DID's columns first (scanDID's), then the user's
// (userDest's), then the device's (deviceDest's), then the world generation
// (which the locking read does not lock).
var deviceUserAndDIDQuery = "SELECT " + qualified(didColumns, "x") + ", " + qualified(userColumns, "u") + ", " +
	qualified(deviceColumns, "d") + ", " + genColumn +
	" FROM devices d JOIN users u ON u.id = d.user_id JOIN dids x ON x.did = ? WHERE d.id = ?"

// deviceUserAndDID reads the device, its user and the DID in one statement;
// ok is false when one of them does not exist (or a raw value names none).
func deviceUserAndDID(ctx context.Context, q queryer, deviceID, rawNumber string) (*domain.Device, *domain.User, *domain.DID, bool, error) {
	id, okID := domain.ParseID(deviceID)
	number, okNumber := domain.ParseDIDNumber(rawNumber)
	if !okID || !okNumber {
		return nil, nil, nil, false, nil
	}
	var d domain.Device
	var u domain.User
	var addrID sql.NullInt64
	var gen int64
	row := q.QueryRowContext(ctx, deviceUserAndDIDQuery, number, id)
	did, err := scanDID(scanPrefix{row, append(append(userDest(&u, &addrID), deviceDest(&d)...), &gen)})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, nil, false, nil
	}
	if err == nil {
		sawInTx(ctx, gen)
	}
	if err == nil {
		err = loadUserExtras(ctx, q, &u, addrID)
	}
	if err != nil {
		return nil, nil, nil, false, err
	}
	return &d, &u, did, true, nil
}

// UnassignDID runs did_device_unassign in one write transaction. Errors:
// those of domain.Unassign; a failed write is domain.ErrUnassignFailed.
func (s *Store) UnassignDID(ctx context.Context, c domain.Caller, number string) (domain.DID, error) {
	var out domain.DID
	err := s.writeTx(ctx, func(tx *wtx) error {
		q := s.inTx(tx)
		did, err := s.unassignRow(ctx, q, number)
		if err != nil {
			return err
		}
		after, err := domain.Unassign(c, did)
		if err != nil {
			return err
		}
		out = after
		return s.saveDIDMove(ctx, q, c, "did_device_unassign", *did, after)
	})
	return out, writeFailed(err, domain.ErrUnassignFailed)
}

// unassignRow reads the DID an unassignment decides on (nil when none); on
// MySQL with the world generation beside it.
func (s *Store) unassignRow(ctx context.Context, q queryer, raw string) (*domain.DID, error) {
	if !s.eng.shared {
		return s.findDIDCached(ctx, q, raw)
	}
	number, ok := domain.ParseDIDNumber(raw)
	if !ok {
		return nil, nil
	}
	var gen int64
	row := q.QueryRowContext(ctx, "SELECT "+didColumns+", "+genColumn+" FROM dids WHERE did = ?", number)
	d, err := scanDID(scanPrefix{row, []any{&gen}})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err == nil {
		sawInTx(ctx, gen)
	}
	return d, err
}

// findDID returns the DID a raw number names, or nil when it names none.
func findDID(ctx context.Context, q queryer, raw string) (*domain.DID, error) {
	number, ok := domain.ParseDIDNumber(raw)
	if !ok {
		return nil, nil
	}
	d, err := getDIDByNumber(ctx, q, number)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return d, err
}

// writeFailedError marks an error of the write step itself or of its
// commit, so that the method can answer its own "write fails" text.
type writeFailedError struct{ err error }

func (e writeFailedError) Error() string { return e.err.Error() }
func (e writeFailedError) Unwrap() error { return e.err }

// saveDIDMove stores a DID's new state and its action log row. Only the
// columns that changed are written, so SQLite touches only their indexes;
// on MySQL both writes go to the server with the COMMIT (execLater).
func (s *Store) saveDIDMove(ctx context.Context, tx queryer, c domain.Caller, method string, before, after domain.DID) error {
	changes := domain.DIDChanges(before, after)
	if len(changes) > 0 {
		set := make([]string, len(changes))
		args := make([]any, 0, len(changes)+1)
		for i, ch := range changes {
			set[i] = ch.Column + " = ?"
			args = append(args, columnValue(ch.Column, ch.After))
		}
		query := "UPDATE dids SET " + strings.Join(set, ", ") + " WHERE id = ?"
		if err := execLater(ctx, tx, query, append(args, after.ID)...); err != nil {
			return writeFailedError{err}
		}
	}
	if err := insertActionOrFail(ctx, tx, domain.DIDActionOf(s.Now(), c, method, after.ID, changes)); err != nil {
		return err
	}
	if d, ok := storedDID(before, after); ok {
		s.rows.putDID(d)
	}
	return nil
}

// columnValue maps a logged DID value to its stored form: MOR's 0 as NULL
// in a foreign key, no closed_till as NULL.
func columnValue(column string, v any) any {
	switch column {
	case "device_id", "dialplan_id", "provider_id":
		return nullID(v.(int64))
	case "closed_till":
		if v == "" {
			return nil
		}
	}
	return v
}

// writeFailed maps a failure of the write step or of the commit to the
// method's own text, wrapping the cause for the server's log; domain errors
// pass through.
func writeFailed(err error, text *domain.Error) error {
	var wf writeFailedError
	if errors.As(err, &wf) {
		return fmt.Errorf("%w: %w", text, wf.err)
	}
	return err
}

// insertAction adds a row to the action log; in a MySQL write transaction
// it goes to the server with the next statement or the COMMIT (execLater).
func insertAction(ctx context.Context, q queryer, a domain.Action) error {
	var id any
	if a.ID != 0 {
		id = a.ID
	}
	return execLater(ctx, q, `INSERT INTO actions (id, date, user_id, action, target_type,
		target_id, data, data2) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id,
		a.Date.UTC().Format(domain.TimeLayout), a.UserID, a.Action, a.TargetType, a.TargetID, a.Data, a.Data2)
}
