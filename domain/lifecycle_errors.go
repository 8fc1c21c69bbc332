package domain

// DID lifecycle errors: did_create, did_details_update, the closing
// methods and dids_get. The trailing periods are MOR's.
var (
	ErrProviderNotFound       = refused("Provider was not found")
	ErrProviderNotAuthorized  = refused("Your are not authorized to use this Provider")
	ErrDIDExists              = refused("DID already exists")
	ErrDIDInvalid             = refused("Invalid DID specified")
	ErrDIDCreateFailed        = refused("DID creation failed")
	ErrCallLimitFormat        = refused("Call limit is incorrect format")
	ErrGraceTimeFormat        = refused("Grace time is incorrect format")
	ErrDIDNotFreed            = refused("DID was not freed. Only Terminated, Reserved or Closed DIDs can be freed")
	ErrCloseDIDNotFound       = refused("DID was not found.")
	ErrDIDAlreadyClosed       = refused("DID is already closed.")
	ErrDIDOnDialPlan          = refused("DID is assigned to Dial Plan.")
	ErrCloseNotOnDevice       = refused("DID is not assigned to Device.")
	ErrStopNotOnDevice        = refused("DID is not assigned to Device")
	ErrDIDNotTerminated       = refused("DID was not terminated")
	ErrDIDNotTerminatedStatus = refused("DID was not terminated. Only Free or Closed DIDs can be terminate")
	ErrDIDNotTerminatedDelete = refused("DID status must be terminated")
	ErrDIDHasCalls            = refused("Cannot delete DID associated with calls")
	ErrNoDIDsFound            = refused("No DIDs found")
)
