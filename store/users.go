package store

import (
	"context"
	"errors"

	"golang.org/x/crypto/bcrypt"

	"morlite/domain"
)

// ListUsers returns the users users_get shows the caller, in id order:
// every user for the admin and accountants, his own users for a reseller.
func (s *Store) ListUsers(ctx context.Context, c domain.Caller) ([]domain.User, error) {
	return reading(s, ctx, func(ctx context.Context) ([]domain.User, error) { return s.listUsers(ctx, c) })
}

func (s *Store) listUsers(ctx context.Context, c domain.Caller) ([]domain.User, error) {
	query, args := "SELECT "+userColumns+" FROM users ORDER BY id", []any{}
	if c.Is(domain.Reseller) {
		query, args = "SELECT "+userColumns+" FROM users WHERE owner_id = ? ORDER BY id", []any{c.User.ID}
	}
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.User
	for rows.Next() {
		u, _, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// PasswordMatches reports whether password is the user's (bcrypt).
func PasswordMatches(u *domain.User, password string) bool {
	return u != nil && u.PasswordHash != "" &&
		bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) == nil
}

// UserDetails runs user_details_get's lookup: the user named by user_id
// and/or username, as domain.ResolveUserDetails lets the caller read him.
// Errors: those of domain.ResolveUserDetails.
func (s *Store) UserDetails(ctx context.Context, c domain.Caller, p domain.Params) (*domain.User, error) {
	return reading(s, ctx, func(ctx context.Context) (*domain.User, error) {
		return s.userDetails(ctx, c, p)
	})
}

func (s *Store) userDetails(ctx context.Context, c domain.Caller, p domain.Params) (*domain.User, error) {
	in := domain.UserDetailsInput{Caller: c, Params: p, IDSent: p.Has("user_id"), NameSent: p.Has("username")}
	var err error
	if in.ByID, err = userByRawID(ctx, s.read, p.Get("user_id")); err != nil {
		return nil, err
	}
	if in.NameSent {
		in.ByName, err = getUser(ctx, s.read, "username = ?", p.Get("username"))
		if errors.Is(err, ErrNotFound) {
			in.ByName, err = nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return domain.ResolveUserDetails(in)
}

// RegisterUser runs user_register: in one write transaction it finds the
// owner by uniquehash (`id`), applies domain.CheckRegistration, and creates
// the user and his first device with their action log rows; any failure
// leaves nothing behind. Errors: those of domain.CheckRegistration; a failed
// write is an internal error.
func (s *Store) RegisterUser(ctx context.Context, p domain.Params) (*domain.User, *domain.Device, error) {
	// Check first and hash before taking the write lock: bcrypt is slow on
	// purpose, and a refused registration need not pay for it. The write
	// transaction checks again.
	settings, err := s.Settings(ctx) // before the write: see didMethod
	if err != nil {
		return nil, nil, err
	}
	in, err := reading(s, ctx, func(ctx context.Context) (domain.RegisterInput, error) {
		return loadRegistration(ctx, s.read, settings, p)
	})
	if err != nil {
		return nil, nil, err
	}
	if err := domain.CheckRegistration(in); err != nil {
		return nil, nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(p.Get("password")), bcrypt.DefaultCost)
	if err != nil {
		return nil, nil, err
	}
	var u *domain.User
	var d *domain.Device
	err = s.writeTx(ctx, func(tx *wtx) error {
		var err error
		u, d, err = s.register(ctx, tx, settings, p, string(hash))
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return u, d, nil
}

// register checks the registration again under the write lock and stores
// the user, his first device (his primary device) and their action rows.
func (s *Store) register(ctx context.Context, tx *wtx, settings domain.Settings, p domain.Params, hash string) (*domain.User, *domain.Device, error) {
	in, err := loadRegistration(ctx, tx, settings, p)
	if err != nil {
		return nil, nil, err
	}
	if err := domain.CheckRegistration(in); err != nil {
		return nil, nil, err
	}
	u, err := insertRegisteredUser(ctx, tx, in.Owner, p, hash)
	if err != nil {
		return nil, nil, err
	}
	nd := domain.NewDevice{RandomPIN: true, Device: domain.Device{UserID: u.ID,
		DeviceType: p.Get("device_type"), Host: "dynamic", Language: "en", LocationID: 1,
		CallerID: registrationCallerID(p.Get("caller_id"))}}
	d, err := insertNewDevice(ctx, tx, in.Settings, nd)
	if err != nil {
		return nil, nil, err
	}
	u.PrimaryDeviceID = d.ID
	c := domain.Caller{User: u}
	ua := domain.ChangeAction(s.Now(), c, "user_register", "user", u.ID, nil, userColumnsLog(u))
	da := domain.ChangeAction(s.Now(), c, "user_register", "device", d.ID, nil, d.Columns())
	if err := insertAction(ctx, tx, ua); err != nil {
		return nil, nil, err
	}
	return u, d, insertAction(ctx, tx, da)
}

// registrationCallerID stores a digits-only caller_id as <NUMBER>; anything
// else is left out (MOR's registration has no text for it).
func registrationCallerID(v string) string {
	if !domain.IsDigits(v) {
		return ""
	}
	return domain.FormatCallerID("", v)
}

// loadRegistration loads what user_register's checks compare against.
func loadRegistration(ctx context.Context, q queryer, settings domain.Settings, p domain.Params) (domain.RegisterInput, error) {
	in := domain.RegisterInput{Params: p, Settings: settings}
	var err error
	if id := p.Get("id"); id != "" {
		in.Owner, err = getUser(ctx, q, "uniquehash = ?", id)
		if errors.Is(err, ErrNotFound) {
			in.Owner, err = nil, nil
		}
		if err != nil {
			return in, err
		}
	}
	if in.UsernameTaken, err = exists(ctx, q, "SELECT 1 FROM users WHERE username = ?", p.Get("username")); err != nil {
		return in, err
	}
	if email := p.Get("email"); email != "" {
		in.EmailTaken, err = exists(ctx, q, "SELECT 1 FROM users WHERE lower(email) = lower(?)", email)
	}
	return in, err
}

// insertRegisteredUser stores the new plain user under owner, with a fresh
// unique uniquehash.
func insertRegisteredUser(ctx context.Context, tx *wtx, owner *domain.User, p domain.Params, hash string) (*domain.User, error) {
	u := &domain.User{Username: p.Get("username"), PasswordHash: hash, UserType: domain.PlainUser,
		OwnerID: owner.ID, FirstName: p.Get("first_name"), LastName: p.Get("last_name"),
		Email: p.Get("email"), Postpaid: true, Credit: -1}
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) + 1 FROM users").Scan(&u.ID); err != nil {
		return nil, err
	}
	for {
		u.Uniquehash = domain.NewUniquehash()
		taken, err := exists(ctx, tx, "SELECT 1 FROM users WHERE uniquehash = ?", u.Uniquehash)
		if err != nil {
			return nil, err
		}
		if !taken {
			break
		}
	}
	return u, insertUser(ctx, tx, u)
}

// userColumnsLog returns a new user's columns for the action log (never the
// password).
func userColumnsLog(u *domain.User) map[string]any {
	return map[string]any{
		"username": u.Username, "usertype": string(u.UserType), "owner_id": u.OwnerID,
		"first_name": u.FirstName, "last_name": u.LastName, "email": u.Email,
	}
}
