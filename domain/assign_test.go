package domain

import (
	"errors"
	"testing"
)

// assignWorld is the admin, an accountant with the rights given, a
// reseller (id 3) and his user (id 7, hidden when asked), a user of the
// admin (id 5) with a trunk (device 1) and a plain device (device 2), and
// the reseller's trunk (device 3).
type assignWorld struct {
	admin, acc, reseller, bob, resUser User
	trunk, phone, resTrunk             Device
}

func newAssignWorld(accRights map[string]int) *assignWorld {
	return &assignWorld{
		admin:    User{ID: 0, UserType: Admin},
		acc:      User{ID: 2, UserType: Accountant, Rights: accRights},
		reseller: User{ID: 3, UserType: Reseller},
		bob:      User{ID: 5, UserType: PlainUser, OwnerID: 0},
		resUser:  User{ID: 7, UserType: PlainUser, OwnerID: 3},
		trunk:    Device{ID: 1, UserID: 5, IsTrunk: true},
		phone:    Device{ID: 2, UserID: 5},
		resTrunk: Device{ID: 3, UserID: 7, IsTrunk: true},
	}
}

var fullRights = map[string]int{RightDeviceManage: 2, RightUserManage: 2, RightManageDIDs: 2}

// TestAssignChecksInOrder walks did_trunk_device_assign's and
// did_device_assign's checks, each case failing exactly one of them.
func TestAssignChecksInOrder(t *testing.T) {
	w := newAssignWorld(fullRights)
	reserved := &DID{ID: 1, Number: "1", Status: StatusReserved, UserID: 5}
	free := &DID{ID: 2, Number: "2", Status: StatusFree}
	resFree := &DID{ID: 3, Number: "3", Status: StatusFree, ResellerID: 3}
	resReserved := &DID{ID: 4, Number: "4", Status: StatusReserved, UserID: 7, ResellerID: 3}
	allow := Settings{ResellersAllowAssignDIDToTrunk: true}
	hidden := w.resUser
	hidden.Hidden = true
	tests := []struct {
		name     string
		m        AssignMethod
		in       AssignInput
		want     *Error
		wantStat Status
	}{
		{"Nobody", TrunkAssign, AssignInput{Device: &w.trunk, DeviceUser: &w.bob, DID: reserved}, ErrAccessDenied, ""},
		{"PlainUser", TrunkAssign, AssignInput{Caller: Caller{&w.bob}, Device: &w.trunk, DeviceUser: &w.bob, DID: reserved}, ErrAccessDenied, ""},
		{"NoDevice", TrunkAssign, AssignInput{Caller: Caller{&w.admin}, DID: reserved}, ErrDeviceNotFound, ""},
		{"OthersDevice", TrunkAssign, AssignInput{Caller: Caller{&w.reseller}, Device: &w.trunk, DeviceUser: &w.bob, DID: reserved}, ErrDeviceNotAuthorized, ""},
		{"AccountantLacksRight", TrunkAssign, AssignInput{Caller: Caller{&User{ID: 2, UserType: Accountant, Rights: map[string]int{RightDeviceManage: 2, RightUserManage: 2, RightManageDIDs: 1}}},
			Device: &w.trunk, DeviceUser: &w.bob, DID: reserved}, ErrNotAuthDIDsMgr, ""},
		{"ResellerTrunkNotAllowed", TrunkAssign, AssignInput{Caller: Caller{&w.reseller}, Device: &w.resTrunk, DeviceUser: &w.resUser, DID: resReserved}, ErrNotAuthDIDsMgr, ""},
		{"NoDID", TrunkAssign, AssignInput{Caller: Caller{&w.admin}, Device: &w.trunk, DeviceUser: &w.bob}, ErrDIDNotFound, ""},
		{"DIDOfReseller", TrunkAssign, AssignInput{Caller: Caller{&w.admin}, Device: &w.trunk, DeviceUser: &w.bob, DID: resFree}, ErrDIDNotAuthorized, ""},
		{"TrunkFreeDID", TrunkAssign, AssignInput{Caller: Caller{&w.admin}, Device: &w.trunk, DeviceUser: &w.bob, DID: free}, ErrDIDMustBeReserved, ""},
		{"TrunkNotTrunk", TrunkAssign, AssignInput{Caller: Caller{&w.admin}, Device: &w.phone, DeviceUser: &w.bob, DID: reserved}, ErrDeviceNotTrunk, ""},
		{"TrunkAdmin", TrunkAssign, AssignInput{Caller: Caller{&w.admin}, Device: &w.trunk, DeviceUser: &w.bob, DID: reserved}, nil, StatusActive},
		{"TrunkAccountant", TrunkAssign, AssignInput{Caller: Caller{&w.acc}, Device: &w.trunk, DeviceUser: &w.bob, DID: reserved}, nil, StatusActive},
		{"TrunkResellerAllowed", TrunkAssign, AssignInput{Caller: Caller{&w.reseller}, Settings: allow, Device: &w.resTrunk, DeviceUser: &w.resUser, DID: resReserved}, nil, StatusActive},
		{"ResellerHiddenUser", TrunkAssign, AssignInput{Caller: Caller{&w.reseller}, Settings: allow, Device: &w.resTrunk, DeviceUser: &hidden, DID: resReserved}, ErrDeviceNotAssigned, ""},
		{"DeviceFree", DeviceAssign, AssignInput{Caller: Caller{&w.admin}, Device: &w.phone, DeviceUser: &w.bob, DID: free}, nil, StatusActive},
		{"DeviceResellerToTrunk", DeviceAssign, AssignInput{Caller: Caller{&w.reseller}, Device: &w.resTrunk, DeviceUser: &w.resUser, DID: resFree}, ErrDeviceNotAssigned, ""},
		{"DeviceResellerToTrunkAllowed", DeviceAssign, AssignInput{Caller: Caller{&w.reseller}, Settings: allow, Device: &w.resTrunk, DeviceUser: &w.resUser, DID: resFree}, nil, StatusActive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Assign(tt.m, tt.in)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("err %v, want %q", err, tt.want.Message)
				}
				return
			}
			if err != nil || got.Status != tt.wantStat || got.DeviceID != tt.in.Device.ID {
				t.Fatalf("got %+v, %v; want %s on device %d", got, err, tt.wantStat, tt.in.Device.ID)
			}
		})
	}
}

// TestUnassignChecksInOrder walks did_device_unassign's checks.
func TestUnassignChecksInOrder(t *testing.T) {
	w := newAssignWorld(fullRights)
	active := &DID{ID: 1, Number: "1", Status: StatusActive, UserID: 5, DeviceID: 1}
	resActive := &DID{ID: 2, Number: "2", Status: StatusActive, UserID: 7, DeviceID: 3, ResellerID: 3}
	readOnly := &User{ID: 2, UserType: Accountant, Rights: map[string]int{RightDeviceManage: 0, RightUserManage: 2, RightManageDIDs: 2}}
	for _, tt := range []struct {
		name string
		c    Caller
		d    *DID
		want *Error
	}{
		{"Nobody", Caller{}, active, ErrAccessDenied},
		{"PlainUser", Caller{&w.bob}, active, ErrAccessDenied},
		{"AccountantReadOnly", Caller{readOnly}, active, ErrNotAuthDIDsMgr},
		{"NoDID", Caller{&w.admin}, nil, ErrDIDNotFound},
		{"OthersPool", Caller{&w.reseller}, active, ErrDIDNotAuthorizedUnas},
		{"Admin", Caller{&w.admin}, active, nil},
		{"Accountant", Caller{&w.acc}, active, nil},
		{"Reseller", Caller{&w.reseller}, resActive, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Unassign(tt.c, tt.d)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("err %v, want %q", err, tt.want.Message)
				}
				return
			}
			if err != nil || got.Status != StatusFree || got.DeviceID != 0 {
				t.Fatalf("got %+v, %v; want free", got, err)
			}
		})
	}
}

// TestCallerScopes: who owns whom, and which accountants may manage DIDs.
func TestCallerScopes(t *testing.T) {
	w := newAssignWorld(fullRights)
	for _, tt := range []struct {
		name  string
		c     Caller
		scope int64
		owns  map[*User]bool
	}{
		{"Nobody", Caller{}, -1, map[*User]bool{&w.bob: false, &w.resUser: false}},
		{"Admin", Caller{&w.admin}, 0, map[*User]bool{&w.bob: true, &w.resUser: false, nil: false}},
		{"Accountant", Caller{&w.acc}, 0, map[*User]bool{&w.bob: true, &w.resUser: false}},
		{"Reseller", Caller{&w.reseller}, 3, map[*User]bool{&w.bob: false, &w.resUser: true}},
		{"PlainUser", Caller{&w.bob}, 5, map[*User]bool{&w.bob: false, &w.resUser: false}},
	} {
		if got := tt.c.Scope(); got != tt.scope {
			t.Errorf("%s: scope %d, want %d", tt.name, got, tt.scope)
		}
		for u, want := range tt.owns {
			if got := tt.c.Owns(u); got != want {
				t.Errorf("%s owns %+v: %v, want %v", tt.name, u, got, want)
			}
		}
	}
	for _, tt := range []struct {
		rights map[string]int
		want   bool
	}{
		{fullRights, true},
		{map[string]int{RightDeviceManage: 1, RightUserManage: 1, RightManageDIDs: 2}, true},
		{map[string]int{RightDeviceManage: 0, RightUserManage: 2, RightManageDIDs: 2}, false},
		{map[string]int{RightDeviceManage: 2, RightUserManage: 0, RightManageDIDs: 2}, false},
		{map[string]int{RightDeviceManage: 2, RightUserManage: 2, RightManageDIDs: 1}, false},
	} {
		if got := (Caller{&User{UserType: Accountant, Rights: tt.rights}}).CanManageDIDs(); got != tt.want {
			t.Errorf("accountant with %v may manage DIDs: %v, want %v", tt.rights, got, tt.want)
		}
	}
	if !(Caller{&w.reseller}).CanManageDIDs() || !(Caller{&w.admin}).CanManageDIDs() {
		t.Error("only accountants need the rights")
	}
}
