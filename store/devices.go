package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"morlite/domain"
)

// CreateDevice runs device_create in one write transaction: it loads the
// target user, applies domain.CheckDeviceCreate, generates the extension,
// secret and PIN, and stores the device with its action log row. Errors:
// those of domain.CheckDeviceCreate; a failed write is
// domain.ErrDeviceNotCreated.
func (s *Store) CreateDevice(ctx context.Context, c domain.Caller, p domain.Params) (*domain.Device, error) {
	var out *domain.Device
	settings, err := s.Settings(ctx) // before the write: see didMethod
	if err != nil {
		return nil, err
	}
	err = s.writeTx(ctx, func(tx *wtx) error {
		in := domain.DeviceCreateInput{Caller: c, Params: p, Settings: settings}
		var err error
		if in.Target, err = userByRawID(ctx, tx, p.Get("user_id")); err != nil {
			return err
		}
		if pin := strings.Trim(p.Get("pin"), " "); pin != "" {
			if in.PINTaken, err = exists(ctx, tx, "SELECT 1 FROM devices WHERE pin = ?", pin); err != nil {
				return err
			}
		}
		nd, err := domain.CheckDeviceCreate(in)
		if err != nil {
			return err
		}
		if out, err = insertNewDevice(ctx, tx, in.Settings, nd); err != nil {
			return err
		}
		a := domain.ChangeAction(s.Now(), c, "device_create", "device", out.ID, nil, out.Columns())
		return wrapWrite(insertAction(ctx, tx, a))
	})
	return out, writeFailed(err, domain.ErrDeviceNotCreated)
}

// userByRawID returns the user an id parameter names, nil when none.
func userByRawID(ctx context.Context, q queryer, raw string) (*domain.User, error) {
	id, ok := domain.ParseID(raw)
	if !ok {
		return nil, nil
	}
	u, err := getUser(ctx, q, "id = ?", id)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return u, err
}

// deviceByRawID returns the device an id parameter names and its user, nils
// when none. Both rows come from one statement (in a write transaction on
// MySQL, one locking read of the two rows instead of two round trips).
func deviceByRawID(ctx context.Context, q queryer, raw string) (*domain.Device, *domain.User, error) {
	id, ok := domain.ParseID(raw)
	if !ok {
		return nil, nil, nil
	}
	var d domain.Device
	row := q.QueryRowContext(ctx, deviceWithUserQuery, id)
	u, addrID, err := scanUser(row, deviceDest(&d)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if err := loadUserExtras(ctx, q, u, addrID); err != nil {
		return nil, nil, err
	}
	return &d, u, nil
}

// deviceWithUserQuery reads a device by id and its user: the user's
// columns first (scanUser's), then the device's (deviceDest's).
var deviceWithUserQuery = "SELECT " + qualified(userColumns, "u") + ", " + qualified(deviceColumns, "d") +
	" FROM devices d JOIN users u ON u.id = d.user_id WHERE d.id = ?"

// qualified prefixes each column a list of columns names with the table
// alias ("coalesce(x, 0)" becomes "coalesce(a.x, 0)").
func qualified(columns, alias string) string {
	var b strings.Builder
	for i, col := range strings.Split(columns, ",") {
		col = strings.TrimSpace(col)
		if i > 0 {
			b.WriteString(", ")
		}
		if name, ok := strings.CutPrefix(col, "coalesce("); ok {
			b.WriteString("coalesce(" + alias + "." + name)
			continue
		}
		if strings.HasSuffix(col, ")") { // the second argument of a coalesce
			b.WriteString(col)
			continue
		}
		b.WriteString(alias + "." + col)
	}
	return b.String()
}

// exists reports whether query finds a row.
func exists(ctx context.Context, q queryer, query string, args ...any) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// wrapWrite marks a failed write so that the method answers its own text.
func wrapWrite(err error) error {
	if err != nil {
		return writeFailedError{err}
	}
	return nil
}

// insertNewDevice stores a new device: the next id, the next free extension
// (virtual_<id> for a Virtual device) as extension, name and username, a
// random secret and, when asked, a random unused PIN. It becomes its user's
// primary device when he has none and no other device.
func insertNewDevice(ctx context.Context, tx *wtx, st domain.Settings, nd domain.NewDevice) (*domain.Device, error) {
	d := nd.Device
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) + 1 FROM devices").Scan(&d.ID); err != nil {
		return nil, err
	}
	var err error
	d.Extension = "virtual_" + strconv.FormatInt(d.ID, 10)
	if !d.IsVirtual() {
		if d.Extension, err = nextExtension(ctx, tx, st.DeviceRangeMin); err != nil {
			return nil, err
		}
	}
	d.Name, d.Username, d.Secret = d.Extension, d.Extension, domain.NewSecret()
	if nd.RandomPIN {
		if d.PIN, err = unusedPIN(ctx, tx); err != nil {
			return nil, err
		}
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO devices ("+deviceColumns+`) VALUES (?, ?, ?,
		?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, d.UserID, d.Name,
		d.Username, d.Secret, d.Extension, d.PIN, d.DeviceType, b2i(d.IsTrunk), b2i(d.ANI),
		d.Description, d.CallerID, d.Host, d.IPAddr, d.Port, d.CallLimit, d.Language,
		d.LocationID, d.PrimaryDIDID, d.DevicegroupID, b2i(d.Hidden), d.CallCount)
	if err != nil {
		return nil, writeFailedError{err}
	}
	_, err = tx.ExecContext(ctx, `UPDATE users SET primary_device_id = ? WHERE id = ?
		AND primary_device_id IS NULL AND NOT EXISTS (SELECT 1 FROM devices WHERE user_id = ? AND id <> ?)`,
		d.ID, d.UserID, d.UserID, d.ID)
	return &d, wrapWrite(err)
}

// nextExtension returns the smallest number ≥ min that no device has as its
// extension (nor as its username, which the new device takes too).
func nextExtension(ctx context.Context, q queryer, min int64) (string, error) {
	rows, err := q.QueryContext(ctx, "SELECT extension FROM devices UNION SELECT username FROM devices")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	taken := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return "", err
		}
		taken[v] = true
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	n := min
	for taken[strconv.FormatInt(n, 10)] {
		n++
	}
	return strconv.FormatInt(n, 10), nil
}

// unusedPIN draws random PINs until one is no device's.
func unusedPIN(ctx context.Context, q queryer) (string, error) {
	for range 1000 {
		pin := domain.NewPIN()
		taken, err := exists(ctx, q, "SELECT 1 FROM devices WHERE pin = ?", pin)
		if err != nil || !taken {
			return pin, err
		}
	}
	return "", errors.New("no unused PIN found")
}

// DeviceDetails runs device_details_get: the device named by device_id (or,
// when device_id is not sent, by the username device_u). Errors: those of
// domain.CheckDeviceDetails.
func (s *Store) DeviceDetails(ctx context.Context, c domain.Caller, p domain.Params) (*domain.Device, error) {
	return reading(s, ctx, func(ctx context.Context) (*domain.Device, error) {
		return s.deviceDetails(ctx, c, p)
	})
}

func (s *Store) deviceDetails(ctx context.Context, c domain.Caller, p domain.Params) (*domain.Device, error) {
	var d *domain.Device
	var owner *domain.User
	var err error
	switch {
	case p.Has("device_id"):
		d, owner, err = deviceByRawID(ctx, s.read, p.Get("device_id"))
	case p.Has("device_u"):
		var id int64
		err = s.read.QueryRowContext(ctx, "SELECT id FROM devices WHERE username = ? AND username <> ''", p.Get("device_u")).Scan(&id)
		if err == nil {
			d, owner, err = deviceByRawID(ctx, s.read, strconv.FormatInt(id, 10))
		} else if errors.Is(err, sql.ErrNoRows) {
			err = nil
		}
	}
	if err != nil {
		return nil, err
	}
	if err := domain.CheckDeviceDetails(c, d, owner); err != nil {
		return nil, err
	}
	return d, nil
}

// ListDevices runs devices_get: the devices of the user named by user_id,
// in id order, hidden ones left out when show_hidden_devices is 0. Errors:
// those of domain.CheckDevicesList.
func (s *Store) ListDevices(ctx context.Context, c domain.Caller, p domain.Params) (target *domain.User, shown []domain.Device, err error) {
	_, err = reading(s, ctx, func(ctx context.Context) (_ struct{}, err error) {
		target, shown, err = s.listDevices(ctx, c, p)
		return
	})
	return target, shown, err
}

func (s *Store) listDevices(ctx context.Context, c domain.Caller, p domain.Params) (*domain.User, []domain.Device, error) {
	target, err := userByRawID(ctx, s.read, p.Get("user_id"))
	if err != nil {
		return nil, nil, err
	}
	var shown []domain.Device
	if target != nil {
		if shown, err = devicesOf(ctx, s.read, target.ID, p.Get("show_hidden_devices") != "0"); err != nil {
			return nil, nil, err
		}
	}
	if err := domain.CheckDevicesList(c, p.Get("user_id"), target, len(shown)); err != nil {
		return nil, nil, err
	}
	return target, shown, nil
}

// devicesOf returns a user's devices in id order.
func devicesOf(ctx context.Context, q queryer, userID int64, withHidden bool) ([]domain.Device, error) {
	all, err := queryAll(ctx, q, scanDevice, "SELECT "+deviceColumns+" FROM devices WHERE user_id = ? ORDER BY id", userID)
	if err != nil {
		return nil, err
	}
	var out []domain.Device
	for _, d := range all {
		if withHidden || !d.Hidden {
			out = append(out, *d)
		}
	}
	return out, nil
}
