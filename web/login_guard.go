package web

import (
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// Password guessing at the login page is slowed and bounded:
//
//   - Failed logins are counted per username and per client address. After
//     loginFreeFailures, each further failure locks its key for a delay that
//     doubles (1 s, 2 s, 4 s ... loginMaxDelay). A locked attempt is
//     answered 429 with Retry-After, and costs no bcrypt.
//   - A username's lock holds only for addresses that have themselves
//     failed: a user whose name is attacked from elsewhere still logs in
//     from his own address, and anyone may log in once the delay passed.
//   - bcrypt runs in at most loginSlots logins at once (half the CPUs), so a
//     flood of logins cannot starve the API of CPU; a login that waits
//     longer than loginSlotWait for a slot is answered 503 Server busy.
//
// Addresses are the TCP peer's (no forwarding header is trusted); an IPv6
// address counts by its /64, which one client usually holds whole.

// Throttle settings; tests shorten them.
var (
	loginFreeFailures = 5
	loginFirstDelay   = time.Second
	loginMaxDelay     = time.Minute
	loginForget       = 15 * time.Minute // a key without failures this long is forgotten
	loginSlots        = max(1, runtime.NumCPU()/2)
	loginSlotWait     = 2 * time.Second
	loginMaxKeys      = 100000
)

// loginGuard is the throttle's state. Its zero value is ready.
type loginGuard struct {
	mu    sync.Mutex
	keys  map[string]*loginFailures
	once  sync.Once
	slots chan struct{}
	now   func() time.Time // tests set it
}

// loginFailures is one key's recent failures.
type loginFailures struct {
	n     int
	until time.Time // locked until then
	last  time.Time
}

func (g *loginGuard) clock() time.Time {
	if g.now != nil {
		return g.now()
	}
	return time.Now()
}

// keysOf are the throttle keys of a login attempt.
func keysOf(username, addr string) (user, client string) {
	return "u\x00" + strings.ToLower(username), "a\x00" + clientKey(addr)
}

// clientKey is a RemoteAddr without its port; an IPv6 address is its /64.
func clientKey(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if ip.Is6() && !ip.Is4In6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.Unmap().String()
}

// locked returns how long a login for username from addr must still wait,
// 0 when it may be tried now.
func (g *loginGuard) locked(username, addr string) time.Duration {
	uk, ak := keysOf(username, addr)
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.clock()
	wait := time.Duration(0)
	a := g.keys[ak]
	if a != nil {
		wait = a.until.Sub(now)
	}
	if u := g.keys[uk]; u != nil && a != nil && a.n > 0 {
		wait = max(wait, u.until.Sub(now))
	}
	return max(wait, 0)
}

// failed counts a failed login against the username and the address.
func (g *loginGuard) failed(username, addr string) {
	uk, ak := keysOf(username, addr)
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.clock()
	if g.keys == nil {
		g.keys = map[string]*loginFailures{}
	}
	if len(g.keys) >= loginMaxKeys {
		g.forgetOld(now)
	}
	for _, k := range []string{uk, ak} {
		f := g.keys[k]
		if f == nil {
			f = &loginFailures{}
			g.keys[k] = f
		}
		f.n++
		f.last = now
		if extra := f.n - loginFreeFailures; extra > 0 {
			f.until = now.Add(min(loginMaxDelay, loginFirstDelay<<min(extra-1, 30)))
		}
	}
}

// succeeded forgets the failures of the username, whose password was
// just proved. The address keeps its own: a login of one's own account
// must not clear the failures the same address made guessing another's.
func (g *loginGuard) succeeded(username, addr string) {
	uk, _ := keysOf(username, addr)
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.keys, uk)
}

// forgetOld drops keys without a failure for loginForget; when none is
// that old, the table is emptied rather than grown without bound.
func (g *loginGuard) forgetOld(now time.Time) {
	for k, f := range g.keys {
		if now.Sub(f.last) > loginForget {
			delete(g.keys, k)
		}
	}
	if len(g.keys) >= loginMaxKeys {
		clear(g.keys)
	}
}

// acquire takes a bcrypt slot, waiting at most loginSlotWait; it reports
// whether it got one. release gives it back.
func (g *loginGuard) acquire() bool {
	g.once.Do(func() { g.slots = make(chan struct{}, loginSlots) })
	t := time.NewTimer(loginSlotWait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	}
}

func (g *loginGuard) release() { <-g.slots }

// Texts of the throttle's pages.
const (
	textLoginLocked = "Too many failed logins: try again in "
	textLoginBusy   = "Server busy: too many logins at once, try again in a moment"
)

// loginLockedPage answers an attempt made during a lock: 429, Retry-After.
func (s *Pages) loginLockedPage(c echo.Context, f loginForm, wait time.Duration) error {
	secs := int((wait + time.Second - 1) / time.Second)
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	f.Error = textLoginLocked + strconv.Itoa(secs) + " s"
	return s.loginPage(c, http.StatusTooManyRequests, f)
}

// loginBusyPage answers a login that found no bcrypt slot: 503, Retry-After.
func (s *Pages) loginBusyPage(c echo.Context, f loginForm) error {
	c.Response().Header().Set("Retry-After", "1")
	f.Error = textLoginBusy
	return s.loginPage(c, http.StatusServiceUnavailable, f)
}
