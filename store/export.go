package store

import (
	"context"
	"database/sql"
	"time"

	"morlite/domain"
)

// Export reads the whole world, in id order, from one consistent snapshot.
func (s *Store) Export(ctx context.Context) (*domain.World, error) {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	w := &domain.World{Settings: map[string]string{}}
	steps := []func(context.Context, *sql.Tx, *domain.World) error{
		exportSettings, exportUsers, exportProviders, exportDevices, exportDialplans, exportDIDs, exportActions,
	}
	for _, step := range steps {
		if err := step(ctx, tx, w); err != nil {
			return nil, err
		}
	}
	return w, tx.Commit()
}

// eachRow runs fn on every row of query.
func eachRow(ctx context.Context, tx *sql.Tx, query string, fn func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func exportSettings(ctx context.Context, tx *sql.Tx, w *domain.World) error {
	return eachRow(ctx, tx, "SELECT name, value FROM settings ORDER BY name", func(r *sql.Rows) error {
		var n, v string
		if err := r.Scan(&n, &v); err != nil {
			return err
		}
		w.Settings[n] = v
		return nil
	})
}

func exportUsers(ctx context.Context, tx *sql.Tx, w *domain.World) error {
	type pending struct {
		u    *domain.User
		addr sql.NullInt64
	}
	var users []pending
	err := eachRow(ctx, tx, "SELECT "+userColumns+" FROM users ORDER BY id", func(r *sql.Rows) error {
		u, addr, err := scanUser(r)
		users = append(users, pending{u, addr})
		return err
	})
	if err != nil {
		return err
	}
	for _, p := range users {
		if err := loadUserExtras(ctx, tx, p.u, p.addr); err != nil {
			return err
		}
		w.Users = append(w.Users, *p.u)
	}
	return nil
}

func exportProviders(ctx context.Context, tx *sql.Tx, w *domain.World) error {
	return eachRow(ctx, tx, "SELECT id, name, user_id, hidden FROM providers ORDER BY id", func(r *sql.Rows) error {
		var p domain.Provider
		err := r.Scan(&p.ID, &p.Name, &p.UserID, &p.Hidden)
		w.Providers = append(w.Providers, p)
		return err
	})
}

func exportDevices(ctx context.Context, tx *sql.Tx, w *domain.World) error {
	return eachRow(ctx, tx, "SELECT "+deviceColumns+" FROM devices ORDER BY id", func(r *sql.Rows) error {
		d, err := scanDevice(r)
		if err == nil {
			w.Devices = append(w.Devices, *d)
		}
		return err
	})
}

func exportDialplans(ctx context.Context, tx *sql.Tx, w *domain.World) error {
	q := "SELECT id, name, dptype, user_id, coalesce(device_id, 0) FROM dialplans ORDER BY id"
	return eachRow(ctx, tx, q, func(r *sql.Rows) error {
		var d domain.Dialplan
		err := r.Scan(&d.ID, &d.Name, &d.DPType, &d.UserID, &d.DeviceID)
		w.Dialplans = append(w.Dialplans, d)
		return err
	})
}

func exportDIDs(ctx context.Context, tx *sql.Tx, w *domain.World) error {
	return eachRow(ctx, tx, "SELECT "+didColumns+" FROM dids ORDER BY id", func(r *sql.Rows) error {
		d, err := scanDID(r)
		if err == nil {
			w.DIDs = append(w.DIDs, *d)
		}
		return err
	})
}

func exportActions(ctx context.Context, tx *sql.Tx, w *domain.World) error {
	q := "SELECT id, date, user_id, action, target_type, target_id, data, data2 FROM actions ORDER BY id"
	return eachRow(ctx, tx, q, func(r *sql.Rows) error {
		var a domain.Action
		var date string
		if err := r.Scan(&a.ID, &date, &a.UserID, &a.Action, &a.TargetType, &a.TargetID, &a.Data, &a.Data2); err != nil {
			return err
		}
		t, err := time.Parse(domain.TimeLayout, date)
		a.Date = t
		w.Actions = append(w.Actions, a)
		return err
	})
}
