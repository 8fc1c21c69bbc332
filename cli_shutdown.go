package main

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// shutdownGrace is how long a shutdown lets requests in flight finish
// before it cuts the connections left. Tests shorten it.
var shutdownGrace = 15 * time.Second

// connCounter tracks a server's open connections (its ConnState hook), so
// that a shutdown can say how many it cut.
type connCounter struct {
	mu    sync.Mutex
	conns map[net.Conn]bool
}

// track installs the counter on srv.
func (cc *connCounter) track(srv *http.Server) {
	cc.conns = map[net.Conn]bool{}
	srv.ConnState = func(c net.Conn, st http.ConnState) {
		cc.mu.Lock()
		defer cc.mu.Unlock()
		switch st {
		case http.StateClosed, http.StateHijacked:
			delete(cc.conns, c)
		default:
			cc.conns[c] = true
		}
	}
}

// open is how many connections are open now.
func (cc *connCounter) open() int {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return len(cc.conns)
}
