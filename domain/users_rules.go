package domain

import (
	"strconv"
	"strings"
)

// User method errors.
var (
	ErrUserWasNotFound   = refused("User was not found")
	ErrRegistrationOff   = refused("Registration over API is disabled")
	ErrNoDefaultUser     = refused("Default user is not present")
	ErrEnterUsername     = refused("Please enter username")
	ErrUsernameTaken     = refused("Such username is already taken")
	ErrEnterPassword     = refused("Please enter password")
	ErrPasswordsDiffer   = refused("Passwords do not match")
	ErrEnterFirstName    = refused("Please enter first name")
	ErrEnterLastName     = refused("Please enter last name")
	ErrSelectCountry     = refused("Please select country")
	ErrEnterCorrectEmail = refused("Please enter correct email")
	ErrEmailInUse        = refused("This email address is already in use.")
	ErrEnterDeviceType   = refused("Enter device type")
)

// RegistrationMessage is user_register's success text.
const RegistrationMessage = "Registration successful"

// ErrPasswordTooShort is "Password must be longer than N characters", N
// being the minimum length less one.
func ErrPasswordTooShort(minLength int64) *Error {
	return refused("Password must be longer than " + strconv.FormatInt(minLength-1, 10) + " characters")
}

// MaxPasswordBytes is the longest password bcrypt can hash.
const MaxPasswordBytes = 72

// CheckUsersList applies users_get's checks after the hash: passwordOK says
// whether `p` matched the caller's stored password. Error: ErrAccessDenied.
func CheckUsersList(c Caller, passwordOK bool) error {
	switch {
	case !c.Known(), !passwordOK, c.Is(PlainUser):
		return ErrAccessDenied
	case c.Is(Accountant) && c.User.Right(RightUserManage) < 1:
		return ErrAccessDenied
	}
	return nil
}

// UserDetailsInput is what user_details_get looks at: the users that the
// sent user_id and username name (nil when not sent or naming nobody).
type UserDetailsInput struct {
	Caller   Caller
	Params   Params
	ByID     *User
	ByName   *User
	IDSent   bool
	NameSent bool
}

// ResolveUserDetails returns the user whose details the caller reads: plain
// users and accountants always read their own; the admin and resellers read
// themselves and the users their scope owns. Errors: ErrAccessDenied,
// ErrUserWasNotFound.
func ResolveUserDetails(in UserDetailsInput) (*User, error) {
	c := in.Caller
	switch {
	case !c.Known():
		return nil, ErrAccessDenied
	case c.Is(PlainUser), c.Is(Accountant):
		return c.User, nil
	case !in.IDSent && !in.NameSent:
		return nil, ErrUserWasNotFound
	case in.IDSent && in.ByID == nil, in.NameSent && in.ByName == nil:
		return nil, ErrUserWasNotFound
	}
	u := in.ByID
	if u == nil {
		u = in.ByName
	}
	if in.IDSent && in.NameSent && in.ByID.ID != in.ByName.ID {
		return nil, ErrUserWasNotFound
	}
	if u.ID != c.User.ID && !c.Owns(u) {
		return nil, ErrUserWasNotFound
	}
	return u, nil
}

// RegisterInput is what user_register's checks look at, loaded in one write
// transaction: Owner is the user the `id` uniquehash names (nil when none).
type RegisterInput struct {
	Settings      Settings
	Owner         *User
	Params        Params
	UsernameTaken bool
	EmailTaken    bool
}

// CheckRegistration applies user_register's checks in MOR's order. Errors:
// ErrRegistrationOff, ErrAccessDenied, ErrNoDefaultUser, ErrEnterUsername,
// ErrUsernameTaken, ErrEnterPassword, ErrPasswordsDiffer,
// ErrPasswordTooShort, ErrEnterFirstName, ErrEnterLastName,
// ErrSelectCountry, ErrEnterCorrectEmail, ErrEmailInUse, ErrEnterDeviceType.
func CheckRegistration(in RegisterInput) error {
	p, s := in.Params, in.Settings
	pw := p.Get("password")
	ownerOK := in.Owner != nil && (in.Owner.UserType == Admin || in.Owner.UserType == Reseller)
	return firstError(
		check(!s.AllowRegistrationOverAPI, ErrRegistrationOff),
		check(!ownerOK, ErrAccessDenied),
		check(!s.DefaultUserPresent, ErrNoDefaultUser),
		check(!ValidUsername(p.Get("username")), ErrEnterUsername),
		check(in.UsernameTaken, ErrUsernameTaken),
		check(pw == "" || len(pw) > MaxPasswordBytes, ErrEnterPassword),
		check(pw != p.Get("password2"), ErrPasswordsDiffer),
		check(int64(len([]rune(pw))) < s.DefaultUserPasswordLength, ErrPasswordTooShort(s.DefaultUserPasswordLength)),
		check(p.Get("first_name") == "", ErrEnterFirstName),
		check(p.Get("last_name") == "", ErrEnterLastName),
		check(p.Get("country_id") == "", ErrSelectCountry),
		check(!ValidEmail(p.Get("email")), ErrEnterCorrectEmail),
		check(in.EmailTaken, ErrEmailInUse),
		check(p.Get("device_type") != "SIP" && p.Get("device_type") != "IAX2", ErrEnterDeviceType),
	)
}

// ValidUsername reports whether s is 1 to 30 of a-z, A-Z, 0-9, _ . -.
func ValidUsername(s string) bool {
	if len(s) == 0 || len(s) > 30 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		ok := b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '.' || b == '-'
		if !ok {
			return false
		}
	}
	return true
}

// ValidEmail reports whether s holds one '@' with text on both sides.
func ValidEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && domain != "" && !strings.Contains(domain, "@")
}
