package domain

// Caller is the user named by a request's `u`. A nil User means `u` named
// nobody.
type Caller struct {
	User *User
}

// Known reports whether `u` named a user.
func (c Caller) Known() bool { return c.User != nil }

// Is reports whether the caller is known and of type t.
func (c Caller) Is(t UserType) bool { return c.User != nil && c.User.UserType == t }

// Scope is the owner id that the caller's users, devices and DID pool carry:
// 0 for the admin and accountants, the caller's own id otherwise (a plain
// user owns nothing, so every ownership check fails for him).
func (c Caller) Scope() int64 {
	if c.User == nil {
		return -1
	}
	switch c.User.UserType {
	case Admin, Accountant:
		return AdminID
	}
	return c.User.ID
}

// Owns reports whether user u belongs to the caller's scope.
func (c Caller) Owns(u *User) bool { return u != nil && c.User != nil && u.OwnerID == c.Scope() }

// CanManageDIDs reports whether an accountant has the three rights MOR asks
// of him before he may assign or unassign DIDs. Others pass.
func (c Caller) CanManageDIDs() bool {
	if !c.Is(Accountant) {
		return true
	}
	u := c.User
	return u.Right(RightDeviceManage) >= 1 && u.Right(RightManageDIDs) == 2 && u.Right(RightUserManage) >= 1
}
