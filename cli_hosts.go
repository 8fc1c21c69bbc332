package main

import (
	"flag"
	"net"
	"strings"

	"morlite/server"
)

// hostFlags is serve's --allow-host (MORLITE_ALLOW_HOSTS): the names
// besides loopback's that a server listening on loopback answers to.
type hostFlags struct{ list string }

func (hf *hostFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&hf.list, "allow-host", envOr("MORLITE_ALLOW_HOSTS", ""),
		"comma-separated host names a loopback server also answers to (any port; * for any name); others are refused with 403 (MORLITE_ALLOW_HOSTS)")
}

// check refuses a name that cannot be a host.
func (hf *hostFlags) check() error {
	for _, n := range hf.names() {
		if strings.ContainsAny(n, " \t/?#@") {
			return refuse("--allow-host: %q is not a host name", n)
		}
	}
	return nil
}

func (hf *hostFlags) names() []string {
	var out []string
	for _, n := range strings.Split(hf.list, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// options decides the Host check from the listener: on loopback, only
// loopback names and the named ones; elsewhere any name.
func (hf *hostFlags) options(ln net.Listener) []server.Option {
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsLoopback() {
		return []server.Option{server.WithAllowedHosts(server.LoopbackHosts(hf.names()))}
	}
	return nil
}
