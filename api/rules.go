package api

import (
	"context"

	"morlite/domain"
)

// The API's rules that the pages use too: which key checks a request's
// hash, how a query string reads, and which methods take a path id.

// KeyFor is the API secret key the API checks a request's hash with: the
// key that applies to the user `u` of params names (the admin's for the
// admin, accountants and unknown callers; a reseller's own; a plain user's
// owner's), or the admin's for a method checked with it whoever `u` names.
// Errors are the store's.
func (s *API) KeyFor(ctx context.Context, method string, params domain.Params, settings domain.Settings) (string, error) {
	r := &request{ctx: ctx, method: method, params: params, settings: settings}
	target, err := s.lookupUser(r, params.Get("u"))
	if err != nil {
		return "", err
	}
	r.caller = domain.Caller{User: target}
	key, _, err := s.secretFor(r)
	return key, err
}

// ParseQuery adds the parameters of a raw query string to p as the API
// reads a request's query (`&` or `;` between pairs, the last value of a
// repeated name wins); the error is domain.ErrBadRequest.
func ParseQuery(p domain.Params, query string) error {
	return parseURLEncoded(p, query, "&;")
}

// TakesPathID reports whether a method takes a trailing /<id> path segment
// as its `id` parameter when the request sends none.
func TakesPathID(method string) bool { return pathIDMethods[method] }

// Closing is the move and the success text of a closing method
// (did_close, did_subscription_stop, did_terminate, did_make_free,
// did_delete); the zero move and "" for any other method.
func Closing(method string) (move domain.Move, success string) {
	m := closingMethods[method]
	return m.move, m.success
}
