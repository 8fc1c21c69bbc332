package domain

// Device is a row of MOR's devices table.
type Device struct {
	ID            int64
	UserID        int64
	Name          string
	Username      string
	Secret        string
	Extension     string
	PIN           string
	DeviceType    string
	IsTrunk       bool
	ANI           bool
	Description   string
	CallerID      string
	Host          string
	IPAddr        string
	Port          int64
	CallLimit     int64
	Language      string
	LocationID    int64
	PrimaryDIDID  int64
	DevicegroupID int64
	Hidden        bool
	CallCount     int64
}

// DeviceTypes are the device types MOR knows.
var DeviceTypes = []string{"SIP", "IAX2", "FAX", "H323", "dahdi", "Virtual"}

// Label is MOR's way to name a device: TYPE/name.
func (d *Device) Label() string { return d.DeviceType + "/" + d.Name }

// Provider is a row of MOR's providers table.
type Provider struct {
	ID     int64
	Name   string
	UserID int64
	Hidden bool
}

// Dialplan is a row of MOR's dialplans table.
type Dialplan struct {
	ID       int64
	Name     string
	DPType   string
	UserID   int64
	DeviceID int64
}
