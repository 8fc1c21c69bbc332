package api

import (
	"context"
	"log/slog"
	"maps"
	"slices"

	"github.com/labstack/echo/v4"

	"morlite/domain"
	"morlite/store"
)

// API answers MOR's XML API over a store.
type API struct {
	store   *store.Store
	log     *slog.Logger
	methods map[string]method
	// baseline, when set, is the constant answer of a NewBaseline API.
	baseline []byte
	// observers see every answered request.
	observers []Observer
	// intercept, when set, may take a request over once it has been read.
	intercept Interceptor
}

// method is one API method: its handler and the envelope its own errors use.
type method struct {
	handle   func(*request) (*node, error)
	envelope Envelope
}

// aliases maps MOR's old method names to the current ones.
var aliases = map[string]string{
	"did_assign_device":   "did_device_assign",
	"did_unassign_device": "did_device_unassign",
	"device_destroy":      "device_delete",
	"device_list":         "devices_get",
	"user_details":        "user_details_get",
}

// Canonical is a method's current name: an old name MOR still answers to
// (did_assign_device, device_list...) becomes the current one, any other
// name is itself.
func Canonical(name string) string {
	if canonical, ok := aliases[name]; ok {
		return canonical
	}
	return name
}

// New builds the API over st, logging to log.
func New(st *store.Store, log *slog.Logger) *API {
	s := &API{store: st, log: log}
	s.methods = map[string]method{
		"did_trunk_device_assign": {s.handleDIDTrunkDeviceAssign, EnvStatus},
		"did_device_assign":       {s.handleDIDDeviceAssign, EnvStatus},
		"did_device_unassign":     {s.handleDIDDeviceUnassign, EnvStatus},
		"did_create":              {s.handleDIDCreate, EnvStatus},
		"did_details_update":      {s.handleDIDDetailsUpdate, EnvStatus},
		"did_close":               {s.handleDIDClosing, EnvStatus},
		"did_subscription_stop":   {s.handleDIDClosing, EnvStatus},
		"did_terminate":           {s.handleDIDClosing, EnvStatus},
		"did_make_free":           {s.handleDIDClosing, EnvStatus},
		"did_delete":              {s.handleDIDClosing, EnvStatus},
		"dids_get":                {s.handleDIDsGet, EnvStatus},
		"device_create":           {s.handleDeviceCreate, EnvPage},
		"device_update":           {s.handleDeviceUpdate, EnvStatus},
		"device_details_get":      {s.handleDeviceDetailsGet, EnvBare},
		"devices_get":             {s.handleDevicesGet, EnvPage},
		"device_delete":           {s.handleDeviceDelete, EnvPage},
		"users_get":               {s.handleUsersGet, EnvStatus},
		"user_details_get":        {s.handleUserDetailsGet, EnvBare},
		"user_register":           {s.handleUserRegister, EnvStatus},
	}
	return s
}

// NewBaseline builds an API that answers every call with the constant
// success envelope without touching a database: the bench command's
// yardstick. It serves no method of its own.
func NewBaseline(log *slog.Logger) *API {
	return &API{log: log, baseline: render(XMLDecl, successPage(TextAssigned))}
}

// Routes adds MOR's routes, /billing/api/<method>[/<id>], to e.
func (s *API) Routes(e *echo.Echo) {
	e.Any("/billing/api/:method", s.handleAPI)
	e.Any("/billing/api/:method/:id", s.handleAPI)
}

// Observe adds fn to the observers of every answered request.
func (s *API) Observe(fn Observer) { s.observers = append(s.observers, fn) }

// Methods are the names of the methods the API serves, sorted.
func (s *API) Methods() []string { return slices.Sorted(maps.Keys(s.methods)) }

// Serves reports whether name is a method the API serves (by its current
// name).
func (s *API) Serves(name string) bool {
	_, ok := s.methods[name]
	return ok
}

// EnvelopeOf is the envelope a method's own errors use; EnvStatus for a
// method the API does not serve.
func (s *API) EnvelopeOf(name string) Envelope {
	if m, ok := s.methods[name]; ok {
		return m.envelope
	}
	return EnvStatus
}

// RespondInternal answers MOR's 500 "Internal error" in the status
// envelope: what a panic in any handler becomes.
func (s *API) RespondInternal(c echo.Context) error {
	r := &request{ctx: c.Request().Context()}
	return s.respondError(c, r, EnvStatus, domain.ErrInternal)
}

// request is one API call as it moves through the pipeline.
type request struct {
	ctx      context.Context
	method   string
	params   domain.Params
	settings domain.Settings
	caller   domain.Caller
	test     bool
	// fault is the id of the fault rule that fired on the request, and
	// dropped says it closed the connection with no answer.
	fault   string
	dropped bool
	// decl is the answer's XML declaration when a method needs another
	// than XMLDecl (user_register's standalone one).
	decl string
	// acceptGzip says the client's Accept-Encoding admits gzip; a method
	// that compresses its answer (devices_get) sets gzip from it.
	acceptGzip bool
	gzip       bool
	// What was answered, for the observers.
	answer string
	status int
	body   []byte
	// read says the parameters were read (readErr: how that failed); the
	// body is read once, and a request run again keeps what was read.
	read    bool
	readErr error
	// confirm, when set, says whether the request may answer what it
	// computed (false: the world moved, run it again).
	confirm func() bool
}

// again readies r to run again from the start under ctx, keeping only what
// was read from the client.
func (r *request) again(ctx context.Context) {
	*r = request{ctx: ctx, method: r.method, params: r.params, test: r.test, acceptGzip: r.acceptGzip,
		read: r.read, readErr: r.readErr}
}
