package server

import (
	"database/sql/driver"
	"sync"
	"testing"

	"modernc.org/sqlite"
)

// SQL that calls test_block('name') stops inside SQLite, on whatever
// connection and in whatever transaction runs it, until the test releases
// the name: a trigger that calls it holds the writer in the middle of a
// batch exactly as long as a test needs, with no sleep and no CPU burnt.
// A name no test holds passes at once.
func init() {
	sqlite.MustRegisterScalarFunction("test_block", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		name, _ := args[0].(string)
		if b, ok := blocks.Load(name); ok {
			b.(*block).wait()
		}
		return int64(0), nil
	})
}

// blocks are the names tests hold, to their *block.
var blocks sync.Map

// block is one held name: the first call to test_block signals entered;
// every call waits for release.
type block struct {
	entered chan struct{}
	once    sync.Once
	release chan struct{}
}

func (b *block) wait() {
	b.once.Do(func() { close(b.entered) })
	<-b.release
}

// holdBlock makes test_block(name) wait until the returned release is
// called (at the latest when the test ends); entered is closed when SQL
// first reaches it.
func holdBlock(t *testing.T, name string) (entered <-chan struct{}, release func()) {
	t.Helper()
	b := &block{entered: make(chan struct{}), release: make(chan struct{})}
	if _, taken := blocks.LoadOrStore(name, b); taken {
		t.Fatalf("test_block(%q) is already held", name)
	}
	release = sync.OnceFunc(func() { close(b.release) })
	t.Cleanup(func() { release(); blocks.Delete(name) })
	return b.entered, release
}
