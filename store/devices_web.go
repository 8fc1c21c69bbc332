package store

import (
	"context"
	"database/sql"

	"morlite/domain"
)

// DeviceLinks is what the device page shows: a device, its user (and his
// reseller), and the DIDs and dial plans that point at it.
type DeviceLinks struct {
	Device    *domain.Device
	User      *domain.User
	Reseller  *domain.User  // the user's owner; nil when that is the admin
	DIDs      []*domain.DID // in id order
	Dialplans []*domain.Dialplan
}

// DeviceLinks reads the device with that id, its user and his reseller,
// its DIDs and its dial plans from one snapshot; ErrNotFound when no device has that id.
// Scope checks are the caller's business.
func (s *Store) DeviceLinks(ctx context.Context, id int64) (*DeviceLinks, error) {
	return reading(s, ctx, func(ctx context.Context) (*DeviceLinks, error) { return s.deviceLinks(ctx, id) })
}

func (s *Store) deviceLinks(ctx context.Context, id int64) (*DeviceLinks, error) {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out := &DeviceLinks{}
	if out.Device, err = getDevice(ctx, tx, id); err != nil {
		return nil, err
	}
	if out.User, err = getUser(ctx, tx, "id = ?", out.Device.UserID); err != nil {
		return nil, err
	}
	if owner := out.User.OwnerID; owner != domain.AdminID && out.User.ID != domain.AdminID {
		if out.Reseller, err = getUser(ctx, tx, "id = ?", owner); err != nil {
			return nil, err
		}
	}
	if out.DIDs, err = didsOnDevice(ctx, tx, id); err != nil {
		return nil, err
	}
	out.Dialplans, err = queryAll(ctx, tx, scanDialplan,
		"SELECT id, name, dptype, user_id, coalesce(device_id, 0) FROM dialplans WHERE device_id = ? ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	return out, tx.Commit()
}

func scanDialplan(r scanner) (*domain.Dialplan, error) {
	var dp domain.Dialplan
	err := r.Scan(&dp.ID, &dp.Name, &dp.DPType, &dp.UserID, &dp.DeviceID)
	return &dp, err
}

// DevicesInScope returns the devices of the users ListUsers shows the
// caller, grouped by user id, each user's in id order: every device for the
// admin and accountants, his users' devices for anyone else.
func (s *Store) DevicesInScope(ctx context.Context, c domain.Caller) (map[int64][]domain.Device, error) {
	return reading(s, ctx, func(ctx context.Context) (map[int64][]domain.Device, error) {
		return s.devicesInScope(ctx, c)
	})
}

func (s *Store) devicesInScope(ctx context.Context, c domain.Caller) (map[int64][]domain.Device, error) {
	query, args := "SELECT "+deviceColumns+" FROM devices ORDER BY id", []any{}
	if scope := c.Scope(); scope != domain.AdminID {
		query = "SELECT " + deviceColumns + " FROM devices WHERE user_id IN (SELECT id FROM users WHERE owner_id = ?) ORDER BY id"
		args = []any{scope}
	}
	all, err := queryAll(ctx, s.read, scanDevice, query, args...)
	if err != nil {
		return nil, err
	}
	out := map[int64][]domain.Device{}
	for _, d := range all {
		out[d.UserID] = append(out[d.UserID], *d)
	}
	return out, nil
}
