package mariadbtest

import (
	"encoding/binary"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
)

// Proxy relays a database URL's connections to its server and counts the
// commands clients send through it: each command is one round trip.
type Proxy struct {
	URL      string // the database URL, through the proxy
	commands atomic.Int64
}

// Commands is how many commands (queries, prepares, executes, pings) the
// clients have sent so far.
func (p *Proxy) Commands() int64 { return p.commands.Load() }

// NewProxy starts a proxy in front of rawURL's server (a mysql:// URL with a
// host:port), closed when the test ends.
func NewProxy(t testing.TB, rawURL string) *Proxy {
	t.Helper()
	rest := strings.TrimPrefix(rawURL, "mysql://")
	at := strings.LastIndex(rest, "@")
	slash := at + strings.Index(rest[at:], "/")
	target := rest[at+1 : slash]
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	p := &Proxy{URL: "mysql://" + rest[:at+1] + l.Addr().String() + rest[slash:]}
	go func() {
		for {
			client, err := l.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			t.Cleanup(func() { client.Close(); server.Close() })
			go func() { io.Copy(client, server); client.Close() }()
			go func() { p.relayCommands(server, client); server.Close() }()
		}
	}()
	return p
}

// relayCommands copies a client's packets to the server, counting those
// that begin a command: the client's packets with sequence number 0 (the
// handshake's answer has 1; a packet of 16 MiB or more, which continues
// in the next one, is not used here).
func (p *Proxy) relayCommands(server io.Writer, client io.Reader) {
	var head [4]byte
	for {
		if _, err := io.ReadFull(client, head[:]); err != nil {
			return
		}
		size := int64(binary.LittleEndian.Uint32(append(head[:3:3], 0)))
		if head[3] == 0 {
			p.commands.Add(1)
		}
		if _, err := server.Write(head[:]); err != nil {
			return
		}
		if _, err := io.CopyN(server, client, size); err != nil {
			return
		}
	}
}
