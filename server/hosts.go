package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// A server listening on loopback is reachable by every web page its
// operator's browser opens: a page on rebind.attacker.example whose name
// resolves to 127.0.0.1 sends its requests with that name in Host. Checking
// Host before anything else routes closes that door (DNS rebinding): a
// loopback server answers only to loopback names unless its operator names
// more.

// HostPolicy is the Host names a server answers to. The zero policy (no
// WithAllowedHosts) answers any name: a server on a public address is
// reached by whatever name its operator gave it.
type HostPolicy struct {
	names map[string]bool
	any   bool
}

// LoopbackHosts is the policy of a server on loopback: localhost,
// loopback addresses (127.0.0.1, [::1], ...) and the extra names, each at
// any port. An extra "*" allows every name.
func LoopbackHosts(extra []string) *HostPolicy {
	p := &HostPolicy{names: map[string]bool{"localhost": true}}
	for _, n := range extra {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "*" {
			p.any = true
		}
		if n != "" {
			p.names[hostName(n)] = true
		}
	}
	return p
}

// Allows reports whether a request's Host (with or without a port) is one
// the policy answers to.
func (p *HostPolicy) Allows(host string) bool {
	if p == nil || p.any {
		return true
	}
	name := hostName(strings.ToLower(host))
	if ip, err := netip.ParseAddr(name); err == nil {
		return ip.IsLoopback() || p.names[ip.String()]
	}
	return name != "" && p.names[name]
}

// hostName is host without its port and IPv6 brackets.
func hostName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
}

// WithAllowedHosts makes the server refuse, before any routing, a request
// whose Host the policy does not allow.
func WithAllowedHosts(p *HostPolicy) Option {
	return func(s *Server) { s.hosts = p }
}

// textHostRefused is the refusal's body: it names no host (the request's
// Host is the attacker's text) and tells the operator what to do.
const textHostRefused = "Forbidden: this server answers only to its own host names; its operator may name more with --allow-host or MORLITE_ALLOW_HOSTS\n"

// refuseHost answers a request whose Host is not allowed: 403, plain text,
// the secure headers. It reports whether it answered.
func (s *Server) refuseHost(w http.ResponseWriter, r *http.Request) bool {
	if s.hosts.Allows(r.Host) {
		return false
	}
	h := w.Header()
	for name, value := range SecureHeaders {
		h.Set(name, value)
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write([]byte(textHostRefused))
	return true
}
