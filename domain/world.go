package domain

import "iter"

// World is everything morlite stores: what a fixture file describes and what
// export writes. Rows are kept in id order.
type World struct {
	// Settings holds stored name/value pairs (booleans "0"/"1"); names
	// absent here take their defaults.
	Settings  map[string]string
	Users     []User
	Providers []Provider
	Devices   []Device
	Dialplans []Dialplan
	DIDs      []DID
	Actions   []Action
	// MoreDIDs, when set, yields further DIDs for a bulk load (the bench
	// seeds a million this way without holding them in memory). Export
	// never sets it.
	MoreDIDs iter.Seq[DID]
	// Source names where the world came from (DemoSource for the embedded
	// demo, FileSource(name) for a fixture file; "" when unknown). Load
	// records it.
	Source string
}

// DemoSource is the Source of the embedded demo world.
const DemoSource = "demo"

// FileSource is the Source of a world read from the fixture file name:
// never DemoSource, even for a file called "demo".
func FileSource(name string) string { return "file:" + name }
