package store

import (
	"context"
	"strings"

	"morlite/domain"
)

// UpdateDevice runs device_update in one write transaction: it loads the
// device, its user and what the checks compare against, applies
// domain.UpdateDevice and stores the device with its action log row.
// Errors: those of domain.UpdateDevice; a failed write is an internal error.
func (s *Store) UpdateDevice(ctx context.Context, c domain.Caller, p domain.Params) error {
	settings, err := s.Settings(ctx) // before the write: see didMethod
	if err != nil {
		return err
	}
	return s.writeTx(ctx, func(tx *wtx) error {
		in := domain.DeviceUpdateInput{Caller: c, Params: p, Settings: settings}
		var err error
		if in.Device, in.DeviceUser, err = deviceByRawID(ctx, tx, p.Get("device")); err != nil {
			return err
		}
		if in.Device != nil {
			if err := loadUpdateClashes(ctx, tx, &in); err != nil {
				return err
			}
		}
		after, err := domain.UpdateDevice(in)
		if err != nil {
			return err
		}
		if err := saveDevice(ctx, tx, &after); err != nil {
			return err
		}
		a := domain.ChangeAction(s.Now(), c, "device_update", "device", after.ID, in.Device.Columns(), after.Columns())
		return insertAction(ctx, tx, a)
	})
}

// loadUpdateClashes fills what device_update compares with other rows:
// another device's PIN, extension or username, and DIDs on the device.
func loadUpdateClashes(ctx context.Context, tx *wtx, in *domain.DeviceUpdateInput) error {
	id, p := in.Device.ID, in.Params
	var err error
	if pin := strings.Trim(p.Get("pin"), " "); pin != "" {
		if in.PINTaken, err = exists(ctx, tx, "SELECT 1 FROM devices WHERE pin = ? AND id <> ?", pin, id); err != nil {
			return err
		}
	}
	if ext := p.Get("extension"); ext != "" {
		if in.ExtensionTaken, err = exists(ctx, tx, "SELECT 1 FROM devices WHERE extension = ? AND id <> ?", ext, id); err != nil {
			return err
		}
	}
	if name := p.Get("username"); name != "" {
		if in.UsernameTaken, err = exists(ctx, tx, "SELECT 1 FROM devices WHERE username = ? AND id <> ?", name, id); err != nil {
			return err
		}
	}
	in.HasDIDs, err = exists(ctx, tx, "SELECT 1 FROM dids WHERE device_id = ?", id)
	return err
}

// saveDevice writes every column device_update may change.
func saveDevice(ctx context.Context, tx *wtx, d *domain.Device) error {
	_, err := tx.ExecContext(ctx, `UPDATE devices SET username = ?, secret = ?, extension = ?,
		pin = ?, istrunk = ?, ani = ?, description = ?, callerid = ?, host = ?, ipaddr = ?,
		port = ?, call_limit = ?, language = ?, hidden = ? WHERE id = ?`,
		d.Username, d.Secret, d.Extension, d.PIN, b2i(d.IsTrunk), b2i(d.ANI), d.Description,
		d.CallerID, d.Host, d.IPAddr, d.Port, d.CallLimit, d.Language, b2i(d.Hidden), d.ID)
	return err
}

// DeleteDevice runs device_delete in one write transaction: every DID on the
// device keeps its status and user with device_id 0, a user whose primary
// device it was keeps 0 there, and the device goes, with action log rows for
// the device and each DID. Errors: those of domain.CheckDeviceDelete; a
// failed write is an internal error.
func (s *Store) DeleteDevice(ctx context.Context, c domain.Caller, p domain.Params) error {
	return s.writeTx(ctx, func(tx *wtx) error {
		in := domain.DeviceDeleteInput{Caller: c}
		var err error
		if in.Device, in.DeviceUser, err = deviceByRawID(ctx, tx, p.Get("device")); err != nil {
			return err
		}
		if in.Device != nil {
			in.HasDialplans, err = exists(ctx, tx, "SELECT 1 FROM dialplans WHERE device_id = ?", in.Device.ID)
			if err != nil {
				return err
			}
		}
		if err := domain.CheckDeviceDelete(in); err != nil {
			return err
		}
		return s.removeDevice(ctx, tx, c, in.Device)
	})
}

// removeDevice detaches the device's DIDs and its user, deletes it and logs
// every change.
func (s *Store) removeDevice(ctx context.Context, tx *wtx, c domain.Caller, d *domain.Device) error {
	dids, err := didsOnDevice(ctx, tx, d.ID)
	if err != nil {
		return err
	}
	for _, before := range dids {
		after := *before
		after.DeviceID = 0
		if err := s.saveDIDMove(ctx, tx, c, "device_delete", *before, after); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE users SET primary_device_id = NULL WHERE primary_device_id = ?", d.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM devices WHERE id = ?", d.ID); err != nil {
		return err
	}
	a := domain.ChangeAction(s.Now(), c, "device_delete", "device", d.ID, d.Columns(), nil)
	return insertAction(ctx, tx, a)
}

// didsOnDevice returns the DIDs whose device_id is the device.
func didsOnDevice(ctx context.Context, q queryer, deviceID int64) ([]*domain.DID, error) {
	return queryAll(ctx, q, scanDID, "SELECT "+didColumns+" FROM dids WHERE device_id = ? ORDER BY id", deviceID)
}
