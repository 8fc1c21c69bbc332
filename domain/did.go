package domain

import "time"

// Status is a DID's status column.
type Status string

// MOR's DID statuses.
const (
	StatusFree       Status = "free"
	StatusReserved   Status = "reserved"
	StatusActive     Status = "active"
	StatusClosed     Status = "closed"
	StatusTerminated Status = "terminated"
)

// Valid reports whether s is one of MOR's DID statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusFree, StatusReserved, StatusActive, StatusClosed, StatusTerminated:
		return true
	}
	return false
}

// DID is a row of MOR's dids table.
type DID struct {
	ID              int64
	Number          string // the `did` column
	Status          Status
	UserID          int64
	DeviceID        int64
	DialplanID      int64
	ResellerID      int64
	ProviderID      int64
	Language        string
	CallLimit       int64
	Comment         string
	ResellerComment string
	GraceTime       int64
	ClosedTill      time.Time // zero when never closed
	CallCount       int64
	Tonezone        string
}

// Action is a row of the action log: who changed what, and how.
type Action struct {
	ID         int64
	Date       time.Time
	UserID     int64  // the caller
	Action     string // the API method
	TargetType string // "did"
	TargetID   int64
	Data       string // the changed columns before
	Data2      string // the changed columns after
}

// TimeLayout is MOR's datetime format, used in the database and fixtures.
const TimeLayout = "2006-01-02 15:04:05"
