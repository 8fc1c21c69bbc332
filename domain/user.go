package domain

import "strings"

// UserType is MOR's usertype column.
type UserType string

// MOR's user types.
const (
	Admin      UserType = "admin"
	Accountant UserType = "accountant"
	Reseller   UserType = "reseller"
	PlainUser  UserType = "user"
)

// Valid reports whether t is one of MOR's four user types.
func (t UserType) Valid() bool {
	switch t {
	case Admin, Accountant, Reseller, PlainUser:
		return true
	}
	return false
}

// AdminID is the admin's user id: MOR's admin is always user 0.
const AdminID int64 = 0

// Address is a user's registration address (MOR's addresses table).
type Address struct {
	Address  string
	Postcode string
	City     string
	County   string
	State    string
	Email    string
	Phone    string
	MobPhone string
	Fax      string
}

// User is a row of MOR's users table.
type User struct {
	ID                   int64
	Username             string
	PasswordHash         string
	UserType             UserType
	OwnerID              int64
	FirstName            string
	LastName             string
	Email                string
	Postpaid             bool
	Balance              float64
	Credit               float64
	Blocked              bool
	Hidden               bool
	PrimaryDeviceID      int64
	DevicegroupID        int64
	OwnProviders         bool
	APISecretKey         string
	DisableHashChecking  bool
	Uniquehash           string
	Clientid             string
	AgreementNumber      string
	AgreementDate        string
	TaxationCountry      string
	VatNumber            string
	VatPercent           float64
	HideNonAnsweredCalls bool
	Address              *Address
	// Rights are an accountant's rights: 0 none, 1 read, 2 read and write.
	Rights map[string]int
}

// DisplayName is MOR's nice name: first and last name joined by one space
// and trimmed, else the username.
func (u *User) DisplayName() string {
	name := strings.TrimSpace(strings.TrimSpace(u.FirstName) + " " + strings.TrimSpace(u.LastName))
	if name == "" {
		return u.Username
	}
	return name
}

// Right returns an accountant right's level; a missing right is 0.
func (u *User) Right(name string) int { return u.Rights[name] }

// Accountant right names used by the API.
const (
	RightDeviceManage   = "device_manage"
	RightUserManage     = "user_manage"
	RightManageDIDs     = "manage_dids_opt_1"
	RightDeviceCreate   = "device_create"
	RightDevicePIN      = "device_pin"
	RightDeviceCallerID = "device_edit_opt_4"
)

// RightNames lists every accountant right morlite knows, for validation.
var RightNames = []string{
	RightDeviceManage, RightUserManage, RightManageDIDs,
	RightDeviceCreate, RightDevicePIN, RightDeviceCallerID,
}
