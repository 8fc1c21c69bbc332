package store

import (
	"context"
	"sync"
	"time"

	"morlite/domain"
)

// dids_get for one exact number is most of what integrations ask, and on
// SQLite most of its cost was not SQLite's work but the layers around it
// (database/sql's pool and locks, the driver's per-query column names and
// values, the goroutine that watches the context, a context and timer per
// admitted read). searchNumber answers it on a rawConn instead: it reads
// the one row the unique index gives, then applies the search's other
// conditions to it in Go, exactly as the general query's WHERE would, with
// the names from memory (dids_names.go).
//
// It answers only when that is certain to give the general path's answer,
// and leaves everything else to the general path: a search by owner name,
// names not loaded or moved during the read, any error, any column holding a
// type the general scan would convert. The read stays bounded: it is
// admitted to a slot of the read lane within the lane's Wait and Queue, as
// any read (without a context and timer of its own), and its only wait (for
// a lock) ends after the lane's Timeout; a read that took longer than that
// is domain.ErrBusy, as the general path's is.

// numberConns are the idle rawConns; at most one per read-lane slot is kept.
type numberConns struct {
	mu     sync.Mutex
	idle   []*rawConn
	closed bool
}

func (p *numberConns) get(s *Store) (*rawConn, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 && !p.closed {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	return openRawConn(s.file, s.reads.limits.Timeout)
}

func (p *numberConns) put(s *Store, c *rawConn) {
	p.mu.Lock()
	if !p.closed && !c.broken && len(p.idle) < s.reads.limits.Slots {
		p.idle = append(p.idle, c)
		c = nil
	}
	p.mu.Unlock()
	if c != nil {
		c.close()
	}
}

// sweep ends the read transactions idle connections keep from before the
// last commit, or for keepFor: they would hold the WAL back from starting
// again, growing it for as long as they stay idle. A connection that
// cannot end its transaction is closed.
func (p *numberConns) sweep(wal *walIndex) {
	h, ok := wal.header()
	p.mu.Lock()
	defer p.mu.Unlock()
	kept := p.idle[:0]
	for _, c := range p.idle {
		if c.kept && !c.current(h, ok) && c.end() != nil {
			c.close()
			continue
		}
		kept = append(kept, c)
	}
	clear(p.idle[len(kept):])
	p.idle = kept
}

// sweepEvery is how often the idle connections are swept.
const sweepEvery = 100 * time.Millisecond

// sweepIdle sweeps the idle connections until stop is closed.
func (p *numberConns) sweepIdle(wal *walIndex, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			p.sweep(wal)
		case <-stop:
			return
		}
	}
}

// close closes the idle connections; one in use is closed when put back.
func (p *numberConns) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, c := range idle {
		c.close()
	}
}

// searchNumber answers search on a rawConn; ok is false when the general
// path must answer it instead. Errors: domain.ErrNoDIDsFound,
// domain.ErrBusy.
func (s *Store) searchNumber(ctx context.Context, search domain.DIDSearch) (out []domain.DIDListing, ok bool, err error) {
	if !s.fastReads || search.Owner != nil || isScan(search) || ctx.Err() != nil {
		return nil, false, nil
	}
	names, g, ready := s.names.ready()
	if !ready {
		return nil, false, nil
	}
	l := &s.reads
	select {
	case l.slots <- struct{}{}: // a free slot: no timer, no queue
	default:
		if err := l.wait(ctx); err != nil {
			return nil, true, err
		}
	}
	defer func() { <-l.slots }()
	c, err := s.numberConns.get(s)
	if err != nil {
		return nil, false, nil
	}
	var d domain.DID
	start := time.Now()
	found, err := c.didByNumber(s.wal, *search.Number, &d)
	s.numberConns.put(s, c)
	switch {
	case err == errRawBusy || time.Since(start) > l.limits.Timeout:
		// As the general path, which is interrupted at the deadline.
		l.shed.Add(1)
		return nil, true, domain.ErrBusy
	case err != nil || s.names.gen.Load() != g:
		return nil, false, nil
	case !found || !numberSearchMatches(search, &d):
		return nil, true, domain.ErrNoDIDsFound
	}
	return names.listings([]*domain.DID{&d}), true, nil
}

// numberSearchMatches says whether the DID that has the search's number is
// on the page searchWhere's conditions, LIMIT and OFFSET give.
func numberSearchMatches(s domain.DIDSearch, d *domain.DID) bool {
	c := s.Caller
	switch {
	case s.Offset > 0: // one row at most: an offset skips it (LIMIT 0 is every row)
		return false
	case c.Is(domain.Reseller) && d.ResellerID != c.User.ID,
		c.Is(domain.PlainUser) && d.UserID != c.User.ID:
		return false
	case s.NoMatch,
		s.Status != nil && d.Status != *s.Status,
		s.AdminPoolOnly && d.ResellerID != 0,
		s.HideTerminated && d.Status == domain.StatusTerminated:
		return false
	case s.User != nil && d.UserID != *s.User && !(*s.User > 0 && d.ResellerID == *s.User),
		s.Device != nil && d.DeviceID != *s.Device,
		s.Dialplan != nil && d.DialplanID != *s.Dialplan,
		s.Provider != nil && d.ProviderID != *s.Provider:
		return false
	}
	return s.Language == nil || asciiLower(d.Language) == asciiLower(*s.Language)
}

// asciiLower is SQLite's lower(): ASCII letters only, every other byte as
// it is.
func asciiLower(v string) string {
	for i := 0; i < len(v); i++ {
		if 'A' <= v[i] && v[i] <= 'Z' {
			b := []byte(v)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return v
}
