package store

import (
	"context"
	"sync"
	"time"

	"morlite/domain"
)

// The writer's row cache: the rows that decide a DID assignment (the DID by
// number, the device by id with its user), kept between jobs so that the one
// writer does not read them again and again. It is exact because every change
// to the file goes through the writer connection, whose pre-update hook
// reports each changed row before the change is made:
//
//   - a change to a DID row drops that DID; a change to devices, users,
//     addresses or user_rights drops every device;
//   - a DID the writer has just stored is kept as stored (write-through);
//   - what a job put is dropped when the job is rolled back to its
//     savepoint, and everything is dropped when a transaction fails or a
//     fixture load runs.
//
// The cache is on only when the writer connection carries the hook.

// Bounds of the row cache: past them it starts again empty (a bounded size
// matters more than which rows stay).
const (
	maxCachedDIDs    = 1 << 14
	maxCachedDevices = 1 << 12
)

type cachedDevice struct {
	device *domain.Device
	user   *domain.User
}

// rowKey names one cached row: a DID number, or a device id when did is "".
type rowKey struct {
	did    string
	device int64
}

type rowCache struct {
	mu      sync.Mutex
	on      bool
	dids    map[string]domain.DID
	numbers map[int64]string // DID id to number, for the hook
	devices map[int64]cachedDevice
	jobPuts []rowKey // what the running job put
}

// enable turns the cache on: the writer connection carries the hook.
func (c *rowCache) enable() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = true
}

// touched is the pre-update hook's report of a row about to change.
func (c *rowCache) touched(table string, oldID, newID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch table {
	case "dids":
		c.dropDID(oldID)
		c.dropDID(newID)
	case "devices", "users", "addresses", "user_rights":
		clear(c.devices)
	}
}

func (c *rowCache) dropDID(id int64) {
	if n, ok := c.numbers[id]; ok {
		delete(c.dids, n)
		delete(c.numbers, id)
	}
}

// did returns a copy of the cached DID with that number.
func (c *rowCache) did(number string) (*domain.DID, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.dids[number]
	if !ok {
		return nil, false
	}
	return &d, true
}

// putDID keeps d as the file holds it now.
func (c *rowCache) putDID(d domain.DID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.on {
		return
	}
	if len(c.dids) >= maxCachedDIDs || c.dids == nil {
		c.dids, c.numbers = map[string]domain.DID{}, map[int64]string{}
	}
	c.dropDID(d.ID)
	c.dids[d.Number] = d
	c.numbers[d.ID] = d.Number
	c.jobPuts = append(c.jobPuts, rowKey{did: d.Number})
}

// device returns the cached device with that id and its user; both are
// shared and must not be changed.
func (c *rowCache) device(id int64) (cachedDevice, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.devices[id]
	return v, ok
}

func (c *rowCache) putDevice(v cachedDevice) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.on {
		return
	}
	if len(c.devices) >= maxCachedDevices || c.devices == nil {
		c.devices = map[int64]cachedDevice{}
	}
	c.devices[v.device.ID] = v
	c.jobPuts = append(c.jobPuts, rowKey{device: v.device.ID})
}

// jobStarted is called by the writer before each job.
func (c *rowCache) jobStarted() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.jobPuts = c.jobPuts[:0]
}

// jobRolledBack drops what the job put: it may have read its own changes.
func (c *rowCache) jobRolledBack() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range c.jobPuts {
		if k.did == "" {
			delete(c.devices, k.device)
		} else if d, ok := c.dids[k.did]; ok {
			c.dropDID(d.ID)
		}
	}
	c.jobPuts = c.jobPuts[:0]
}

// reset drops everything: a transaction failed, or a world was loaded.
func (c *rowCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.dids)
	clear(c.numbers)
	clear(c.devices)
	c.jobPuts = c.jobPuts[:0]
}

// findDIDCached is findDID through the row cache.
func (s *Store) findDIDCached(ctx context.Context, q queryer, raw string) (*domain.DID, error) {
	if number, ok := domain.ParseDIDNumber(raw); ok {
		if d, ok := s.rows.did(number); ok {
			return d, nil
		}
	}
	d, err := findDID(ctx, q, raw)
	if err == nil && d != nil {
		s.rows.putDID(*d)
	}
	return d, err
}

// deviceByRawIDCached is deviceByRawID through the row cache.
func (s *Store) deviceByRawIDCached(ctx context.Context, q queryer, raw string) (*domain.Device, *domain.User, error) {
	if id, ok := domain.ParseID(raw); ok {
		if v, ok := s.rows.device(id); ok {
			return v.device, v.user, nil
		}
	}
	d, u, err := deviceByRawID(ctx, q, raw)
	if err == nil && d != nil && u != nil {
		s.rows.putDevice(cachedDevice{d, u})
	}
	return d, u, err
}

// storedDID is the DID row saveDIDMove leaves in the file, as scanDID would
// read it back: after's logged columns over before's others, closed_till at
// the precision and in the zone the file keeps. ok is false when it cannot
// say (then nothing is cached).
func storedDID(before, after domain.DID) (d domain.DID, ok bool) {
	d = after
	d.ID, d.Number, d.CallCount, d.Tonezone = before.ID, before.Number, before.CallCount, before.Tonezone
	if !d.ClosedTill.IsZero() {
		t, err := time.Parse(domain.TimeLayout, d.ClosedTill.UTC().Format(domain.TimeLayout))
		if err != nil {
			return d, false
		}
		d.ClosedTill = t
	}
	return d, true
}
