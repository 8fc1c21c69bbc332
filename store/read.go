package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"morlite/domain"
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("store: not found")

// queryer is what both *sql.DB and *sql.Tx offer, so that the row helpers
// serve reads on the read pool and reads inside a write transaction alike.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// notFound turns sql.ErrNoRows into ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// settingsCache holds the settings between loads: they change only when a
// world is loaded, and every request reads them. gen moves on before and
// after each load, and a value read while it moved is not kept.
type settingsCache struct {
	gen atomic.Int64
	val atomic.Pointer[cachedSettings]
}

type cachedSettings struct {
	gen int64
	s   domain.Settings
}

// invalidate forgets the cached settings; Load calls it around its write.
func (c *settingsCache) invalidate() { c.gen.Add(1) }

// Settings returns the stored settings, defaults filled in.
func (s *Store) Settings(ctx context.Context) (domain.Settings, error) {
	if s.eng.shared {
		// Another instance may have changed them a moment ago: kept only
		// while the world generation has not moved (worldcache.go).
		return s.sharedSettings(ctx)
	}
	g := s.settings.gen.Load()
	if c := s.settings.val.Load(); c != nil && c.gen == g {
		return c.s, nil
	}
	v, err := reading(s, ctx, func(ctx context.Context) (domain.Settings, error) {
		return getSettings(ctx, s.reader())
	})
	if err == nil && s.settings.gen.Load() == g {
		s.settings.val.Store(&cachedSettings{gen: g, s: v})
	}
	return v, err
}

func getSettings(ctx context.Context, q queryer) (domain.Settings, error) {
	rows, err := q.QueryContext(ctx, "SELECT name, value FROM settings")
	if err != nil {
		return domain.Settings{}, err
	}
	defer rows.Close()
	values := map[string]string{}
	for rows.Next() {
		var n, v string
		if err := rows.Scan(&n, &v); err != nil {
			return domain.Settings{}, err
		}
		values[n] = v
	}
	if err := rows.Err(); err != nil {
		return domain.Settings{}, err
	}
	return domain.ParseSettings(values)
}

// userFields are the users columns in scanUser's order; userColumns reads
// them with NULLs as MOR's 0 and "".
const userFields = `id, username, password, usertype, owner_id, first_name, last_name, email,
	postpaid, balance, credit, blocked, hidden, primary_device_id, devicegroup_id,
	own_providers, api_secret_key, disable_hash_checking, uniquehash, clientid,
	agreement_number, agreement_date, taxation_country, vat_number, vat_percent,
	hide_non_answered_calls, address_id`

var userColumns = strings.NewReplacer("primary_device_id", "coalesce(primary_device_id, 0)",
	"uniquehash", "coalesce(uniquehash, '')").Replace(userFields)

// UserByID returns the user with that id, or ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id int64) (*domain.User, error) {
	if s.eng.shared {
		return s.sharedUser(ctx, "id", id) // worldcache.go
	}
	return reading(s, ctx, func(ctx context.Context) (*domain.User, error) {
		return getUser(ctx, s.reader(), "id = ?", id)
	})
}

func getUser(ctx context.Context, q queryer, where string, arg any) (*domain.User, error) {
	row := q.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE "+where, arg)
	u, addrID, err := scanUser(row)
	if err != nil {
		return nil, notFound(err)
	}
	if err := loadUserExtras(ctx, q, u, addrID); err != nil {
		return nil, err
	}
	return u, nil
}

type scanner interface{ Scan(dest ...any) error }

// queryAll runs query and returns every row as scan reads it.
func queryAll[T any](ctx context.Context, q queryer, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanUser reads a row of userColumns, then into extra the columns a query
// adds after them.
func scanUser(r scanner, extra ...any) (*domain.User, sql.NullInt64, error) {
	var u domain.User
	var addrID sql.NullInt64
	err := r.Scan(append(userDest(&u, &addrID), extra...)...)
	return &u, addrID, err
}

// userDest is where a row of userColumns is scanned into u and addrID.
func userDest(u *domain.User, addrID *sql.NullInt64) []any {
	return []any{&u.ID, &u.Username, &u.PasswordHash, &u.UserType, &u.OwnerID, &u.FirstName,
		&u.LastName, &u.Email, &u.Postpaid, &u.Balance, &u.Credit, &u.Blocked, &u.Hidden,
		&u.PrimaryDeviceID, &u.DevicegroupID, &u.OwnProviders, &u.APISecretKey,
		&u.DisableHashChecking, &u.Uniquehash, &u.Clientid, &u.AgreementNumber,
		&u.AgreementDate, &u.TaxationCountry, &u.VatNumber, &u.VatPercent,
		&u.HideNonAnsweredCalls, addrID}
}

// loadUserExtras reads a user's rights (accountants only have them) and
// address (when he has one).
func loadUserExtras(ctx context.Context, q queryer, u *domain.User, addrID sql.NullInt64) error {
	if u.UserType == domain.Accountant {
		if err := loadRights(ctx, q, u); err != nil {
			return err
		}
	}
	if !addrID.Valid {
		return nil
	}
	var a domain.Address
	err := q.QueryRowContext(ctx, `SELECT address, postcode, city, county, state, email, phone,
		mob_phone, fax FROM addresses WHERE id = ?`, addrID.Int64).Scan(&a.Address, &a.Postcode,
		&a.City, &a.County, &a.State, &a.Email, &a.Phone, &a.MobPhone, &a.Fax)
	if err != nil {
		return fmt.Errorf("address of user %d: %w", u.ID, err)
	}
	u.Address = &a
	return nil
}

func loadRights(ctx context.Context, q queryer, u *domain.User) error {
	rows, err := q.QueryContext(ctx, "SELECT name, value FROM user_rights WHERE user_id = ? ORDER BY name", u.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var v int
		if err := rows.Scan(&name, &v); err != nil {
			return err
		}
		if u.Rights == nil {
			u.Rights = map[string]int{}
		}
		u.Rights[name] = v
	}
	return rows.Err()
}

const deviceColumns = `id, user_id, name, username, secret, extension, pin, device_type, istrunk,
	ani, description, callerid, host, ipaddr, port, call_limit, language, location_id,
	primary_did_id, devicegroup_id, hidden, call_count`

func scanDevice(r scanner) (*domain.Device, error) {
	var d domain.Device
	err := r.Scan(deviceDest(&d)...)
	return &d, err
}

// deviceDest is where a row of deviceColumns is scanned into d.
func deviceDest(d *domain.Device) []any {
	return []any{&d.ID, &d.UserID, &d.Name, &d.Username, &d.Secret, &d.Extension, &d.PIN,
		&d.DeviceType, &d.IsTrunk, &d.ANI, &d.Description, &d.CallerID, &d.Host, &d.IPAddr,
		&d.Port, &d.CallLimit, &d.Language, &d.LocationID, &d.PrimaryDIDID, &d.DevicegroupID,
		&d.Hidden, &d.CallCount}
}

func getDevice(ctx context.Context, q queryer, id int64) (*domain.Device, error) {
	d, err := scanDevice(q.QueryRowContext(ctx, "SELECT "+deviceColumns+" FROM devices WHERE id = ?", id))
	if err != nil {
		return nil, notFound(err)
	}
	return d, nil
}

const didColumns = `id, did, status, user_id, coalesce(device_id, 0), coalesce(dialplan_id, 0),
	reseller_id, coalesce(provider_id, 0), language, call_limit, comment, reseller_comment,
	grace_time, closed_till, call_count, tonezone`

func scanDID(r scanner) (*domain.DID, error) {
	var d domain.DID
	var closed sql.NullString
	err := r.Scan(&d.ID, &d.Number, &d.Status, &d.UserID, &d.DeviceID, &d.DialplanID,
		&d.ResellerID, &d.ProviderID, &d.Language, &d.CallLimit, &d.Comment,
		&d.ResellerComment, &d.GraceTime, &closed, &d.CallCount, &d.Tonezone)
	if err != nil {
		return nil, err
	}
	if closed.Valid && closed.String != "" {
		t, err := time.Parse(domain.TimeLayout, closed.String)
		if err != nil {
			return nil, fmt.Errorf("did %d: closed_till %q: %w", d.ID, closed.String, err)
		}
		d.ClosedTill = t
	}
	return &d, nil
}

func getDIDByNumber(ctx context.Context, q queryer, number string) (*domain.DID, error) {
	d, err := scanDID(q.QueryRowContext(ctx, "SELECT "+didColumns+" FROM dids WHERE did = ?", number))
	if err != nil {
		return nil, notFound(err)
	}
	return d, nil
}

// DIDByNumber returns the DID with that number, or ErrNotFound.
func (s *Store) DIDByNumber(ctx context.Context, number string) (*domain.DID, error) {
	return reading(s, ctx, func(ctx context.Context) (*domain.DID, error) {
		return getDIDByNumber(ctx, s.reader(), number)
	})
}

// formatTime writes a time as MOR's datetime text, NULL when zero.
func formatTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(domain.TimeLayout)
}
