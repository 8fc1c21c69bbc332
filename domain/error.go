package domain

import "errors"

// Code classifies an Error by how the transport must answer it. Most errors
// are ordinary MOR answers (HTTP 200 with an error element); the others are
// transport faults with their own HTTP status.
type Code int

// Error codes.
const (
	// CodeRefused is an ordinary MOR error answer: HTTP 200, message in XML.
	CodeRefused Code = iota
	// CodeBadRequest is a body or parameter set that cannot be parsed (400).
	CodeBadRequest
	// CodeTooLarge is a body over the size limit (413).
	CodeTooLarge
	// CodeMethodNotAllowed is an HTTP verb other than GET or POST (405).
	CodeMethodNotAllowed
	// CodeBusy is load shedding (503).
	CodeBusy
	// CodeInternal is a server fault; details go to the log only (500).
	CodeInternal
)

// Error is a MOR answer that is not a success. Message is the exact text MOR
// prints, typos included: it is the wire contract.
type Error struct {
	Code    Code
	Message string
}

// Error returns the MOR message text.
func (e *Error) Error() string { return e.Message }

// refused makes an ordinary MOR error answer.
func refused(msg string) *Error { return &Error{Code: CodeRefused, Message: msg} }

// Transport and pipeline errors.
var (
	ErrBadRequest       = &Error{Code: CodeBadRequest, Message: "Invalid request body"}
	ErrTooLarge         = &Error{Code: CodeTooLarge, Message: "Request too large"}
	ErrMethodNotAllowed = &Error{Code: CodeMethodNotAllowed, Message: "Method not allowed"}
	ErrBusy             = &Error{Code: CodeBusy, Message: "Server busy"}
	ErrInternal         = &Error{Code: CodeInternal, Message: "Internal error"}

	ErrAPIDisabled    = refused("API Requests are disabled")
	ErrGETDisabled    = refused("GET Requests are disabled")
	ErrNoSecretKey    = refused("API must have Secret Key")
	ErrIncorrectHash  = refused("Incorrect hash")
	ErrNoSuchAPI      = refused("There is no such API")
	ErrAccessDenied   = refused("Access Denied")
	ErrNotAuthDIDsMgr = refused("You are not authorized to manage DIDs")
)

// DID assignment errors, in the order the checks run.
var (
	ErrDeviceNotFound       = refused("Device was not found")
	ErrDeviceNotAuthorized  = refused("Your are not authorized to use this Device")
	ErrDIDNotFound          = refused("DID was not found")
	ErrDIDNotAuthorized     = refused("Your are not authorized to use this DID")
	ErrDIDNotAuthorizedUnas = refused("You are not authorized to use this DID")
	ErrDIDTerminated        = refused("DID is terminated")
	ErrDIDNotFree           = refused("DID is not free")
	ErrDIDMustBeReserved    = refused("DID must be reserved for a User")
	ErrDeviceNotTrunk       = refused("Device is not a Trunk")
	ErrDeviceNotAssigned    = refused("Device was not assigned")
	ErrDIDAlreadyFree       = refused("DID is already free")
	ErrDIDOnDialplan        = refused("DID is assigned to dialplan")
	ErrUnassignFailed       = refused("Failed to unassign DID")
)

// AsError returns err as a *Error, or ErrInternal when it is anything else.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return ErrInternal
}
