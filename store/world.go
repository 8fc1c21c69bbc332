package store

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"
	"time"

	"morlite/domain"
)

// ErrNotEmpty is returned by Load when the database already holds a world
// and no reset was asked for.
var ErrNotEmpty = errors.New("the database is not empty; use --reset to replace its contents")

// tables in the order a reset empties them.
var tables = []string{"actions", "dids", "dialplans", "user_rights", "providers", "devices", "users", "addresses", "settings"}

// IsEmpty reports whether the database holds no world yet (no users: a
// loaded world always holds the admin).
func (s *Store) IsEmpty(ctx context.Context) (bool, error) {
	var n int
	err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&n)
	return n == 0, err
}

// Load stores w in one transaction. With reset it first empties every table;
// without, it refuses a non-empty database with ErrNotEmpty. Either the whole
// world is stored or nothing is. It records w.Source in the same
// transaction, and forgets the cached settings and users.
func (s *Store) Load(ctx context.Context, w *domain.World, reset bool) error {
	s.settings.invalidate()
	s.users.invalidate()
	defer s.users.invalidate()
	defer s.settings.invalidate()
	err := s.writeSolo(ctx, func(tx *wtx) error {
		// References are checked at commit (SQLite), or once the rows are
		// in (MySQL: verifyRefs, before the commit), so rows may come in
		// any order.
		if _, err := tx.ExecContext(ctx, s.eng.deferChecks); err != nil {
			return err
		}
		if s.eng.checksBack != "" {
			defer tx.ExecContext(context.WithoutCancel(ctx), s.eng.checksBack)
		}
		if reset {
			for _, t := range tables {
				if _, err := tx.ExecContext(ctx, "DELETE FROM "+t); err != nil {
					return err
				}
			}
		} else {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return ErrNotEmpty
			}
		}
		if err := insertWorld(ctx, tx, w); err != nil {
			return err
		}
		if s.eng.verifyRefs != nil {
			if err := s.eng.verifyRefs(ctx, tx); err != nil {
				return err
			}
		}
		return s.recordSource(ctx, tx, w.Source)
	})
	if err == nil && reset {
		s.restartIDs(ctx)
	}
	return err
}

// restartIDs lets new rows' ids follow the loaded world's.
func (s *Store) restartIDs(ctx context.Context) {
	// A schema change waits for other transactions on the table; it does
	// not hold the reset up for long: at worst ids keep counting up.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for _, q := range s.eng.afterReset {
		s.write.ExecContext(ctx, q)
	}
}

// recordSource keeps where the loaded world came from in meta ("" forgets it).
func (s *Store) recordSource(ctx context.Context, tx *wtx, source string) error {
	if source == "" {
		_, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE "key" = 'source'`)
		return err
	}
	_, err := tx.ExecContext(ctx, s.eng.upsertSource, source)
	return err
}

// Source returns where the stored world came from, as Load recorded it:
// domain.DemoSource for the embedded demo, a fixture file's name, or "" when
// unknown (a database loaded before morlite recorded it).
func (s *Store) Source(ctx context.Context) (string, error) {
	var v string
	err := s.read.QueryRowContext(ctx, `SELECT value FROM meta WHERE "key" = 'source'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

func insertWorld(ctx context.Context, tx *wtx, w *domain.World) error {
	steps := []func(context.Context, *wtx, *domain.World) error{
		insertSettings, insertUsers, insertProviders, insertDevices, insertDialplans, insertDIDs, insertActions,
	}
	for _, step := range steps {
		if err := step(ctx, tx, w); err != nil {
			return err
		}
	}
	return nil
}

func insertSettings(ctx context.Context, tx *wtx, w *domain.World) error {
	names := make([]string, 0, len(w.Settings))
	for n := range w.Settings {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, err := tx.ExecContext(ctx, "INSERT INTO settings (name, value) VALUES (?, ?)", n, w.Settings[n]); err != nil {
			return err
		}
	}
	return nil
}

func insertUsers(ctx context.Context, tx *wtx, w *domain.World) error {
	for i := range w.Users {
		if err := insertUser(ctx, tx, &w.Users[i]); err != nil {
			return err
		}
	}
	return nil
}

func insertUser(ctx context.Context, tx *wtx, u *domain.User) error {
	var addrID any
	if a := u.Address; a != nil {
		res, err := tx.ExecContext(ctx, `INSERT INTO addresses (address, postcode, city, county,
			state, email, phone, mob_phone, fax) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Address, a.Postcode, a.City, a.County, a.State, a.Email, a.Phone, a.MobPhone, a.Fax)
		if err != nil {
			return err
		}
		if addrID, err = res.LastInsertId(); err != nil {
			return err
		}
	}
	var uniquehash any
	if u.Uniquehash != "" {
		uniquehash = u.Uniquehash
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO users ("+userFields+`) VALUES (?, ?, ?, ?, ?, ?, ?,
		?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Username, u.PasswordHash, u.UserType, u.OwnerID, u.FirstName, u.LastName,
		u.Email, b2i(u.Postpaid), u.Balance, u.Credit, b2i(u.Blocked), b2i(u.Hidden),
		nullID(u.PrimaryDeviceID), u.DevicegroupID, b2i(u.OwnProviders), u.APISecretKey,
		b2i(u.DisableHashChecking), uniquehash, u.Clientid, u.AgreementNumber,
		u.AgreementDate, u.TaxationCountry, u.VatNumber, u.VatPercent,
		b2i(u.HideNonAnsweredCalls), addrID)
	if err != nil {
		return err
	}
	for name, v := range u.Rights {
		if _, err := tx.ExecContext(ctx, "INSERT INTO user_rights (user_id, name, value) VALUES (?, ?, ?)", u.ID, name, v); err != nil {
			return err
		}
	}
	return nil
}

func insertProviders(ctx context.Context, tx *wtx, w *domain.World) error {
	for _, p := range w.Providers {
		if _, err := tx.ExecContext(ctx, "INSERT INTO providers (id, name, user_id, hidden) VALUES (?, ?, ?, ?)",
			p.ID, p.Name, p.UserID, b2i(p.Hidden)); err != nil {
			return err
		}
	}
	return nil
}

func insertDevices(ctx context.Context, tx *wtx, w *domain.World) error {
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO devices ("+deviceColumns+`) VALUES (?, ?, ?,
		?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, d := range w.Devices {
		if _, err := stmt.ExecContext(ctx, d.ID, d.UserID, d.Name, d.Username, d.Secret,
			d.Extension, d.PIN, d.DeviceType, b2i(d.IsTrunk), b2i(d.ANI), d.Description,
			d.CallerID, d.Host, d.IPAddr, d.Port, d.CallLimit, d.Language, d.LocationID,
			d.PrimaryDIDID, d.DevicegroupID, b2i(d.Hidden), d.CallCount); err != nil {
			return err
		}
	}
	return nil
}

func insertDialplans(ctx context.Context, tx *wtx, w *domain.World) error {
	for _, d := range w.Dialplans {
		if _, err := tx.ExecContext(ctx, "INSERT INTO dialplans (id, name, dptype, user_id, device_id) VALUES (?, ?, ?, ?, ?)",
			d.ID, d.Name, d.DPType, d.UserID, nullID(d.DeviceID)); err != nil {
			return err
		}
	}
	return nil
}

// didRowsPerInsert is how many DIDs one INSERT statement carries: a bulk
// load of a million spends most of its time per statement, not per row.
const didRowsPerInsert = 1024

const didInsert = `INSERT INTO dids (id, did, status, user_id, device_id, dialplan_id, reseller_id,
	provider_id, language, call_limit, comment, reseller_comment, grace_time, closed_till,
	call_count, tonezone) VALUES `

const didValues = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

func didArgs(d domain.DID) []any {
	return []any{d.ID, d.Number, d.Status, d.UserID, nullID(d.DeviceID), nullID(d.DialplanID),
		d.ResellerID, nullID(d.ProviderID), d.Language, d.CallLimit, d.Comment,
		d.ResellerComment, d.GraceTime, formatTime(d.ClosedTill), d.CallCount, d.Tonezone}
}

// insertDIDs inserts the world's DIDs (and MoreDIDs) in multi-row statements.
func insertDIDs(ctx context.Context, tx *wtx, w *domain.World) error {
	full, err := tx.PrepareContext(ctx, didInsert+strings.Repeat(didValues+", ", didRowsPerInsert-1)+didValues)
	if err != nil {
		return err
	}
	defer full.Close()
	args := make([]any, 0, 16*didRowsPerInsert)
	rows := 0
	add := func(d domain.DID) error {
		args, rows = append(args, didArgs(d)...), rows+1
		if rows < didRowsPerInsert {
			return nil
		}
		_, err := full.ExecContext(ctx, args...)
		args, rows = args[:0], 0
		return err
	}
	for _, d := range w.DIDs {
		if err := add(d); err != nil {
			return err
		}
	}
	if w.MoreDIDs != nil {
		for d := range w.MoreDIDs {
			if err := add(d); err != nil {
				return err
			}
		}
	}
	if rows == 0 {
		return nil
	}
	_, err = tx.ExecContext(ctx, didInsert+strings.Repeat(didValues+", ", rows-1)+didValues, args...)
	return err
}

func insertActions(ctx context.Context, tx *wtx, w *domain.World) error {
	for _, a := range w.Actions {
		if err := insertAction(ctx, tx, a); err != nil {
			return err
		}
	}
	return nil
}
