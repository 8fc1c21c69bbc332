package web

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"morlite/domain"
)

// browserFrom is a browser whose connections come from the loopback
// address ip (127.0.0.2, ...): the login throttle counts by address.
func (e *env) browserFrom(ip string) *webClient {
	e.t.Helper()
	w := e.browser()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}
	e.t.Cleanup(tr.CloseIdleConnections)
	w.HTTP.Transport = tr
	return w
}

// tryLogin posts the login form (after fetching it for its token).
func (w *webClient) tryLogin(username, password string) webAnswer {
	w.T.Helper()
	w.Get(LoginPath)
	return w.Post(LoginPath, url.Values{"login_username": {username}, "login_psw": {password}})
}

// fakeClock drives the throttle's clock; advance moves it on.
func fakeClock(e *env) func(time.Duration) {
	var ns atomic.Int64
	ns.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	e.srv.logins.now = func() time.Time { return time.Unix(0, ns.Load()) }
	return func(d time.Duration) { ns.Add(int64(d)) }
}

func wantLocked(t *testing.T, a webAnswer, retry string) {
	t.Helper()
	wantPage(t, a, http.StatusTooManyRequests, "Too many failed logins: try again in "+retry+" s")
	if got := a.Header.Get("Retry-After"); got != retry {
		t.Errorf("Retry-After %q, want %q", got, retry)
	}
}

// TestLoginThrottle: failed logins past loginFreeFailures lock the
// address and the username for a doubling delay, answered 429 with
// Retry-After; the user logs in from his own address during an attack,
// and from anywhere once the delay has passed.
func TestLoginThrottle(t *testing.T) {
	e := newEnv(t, demoYAML)
	advance := fakeClock(e)
	attacker := e.browserFrom("127.0.0.2")
	for i := 0; i < loginFreeFailures+1; i++ {
		wantPage(t, attacker.tryLogin("admin", "guess"), http.StatusUnauthorized, TextBadLogin)
	}
	wantLocked(t, attacker.tryLogin("admin", "guess"), "1")
	wantLocked(t, attacker.tryLogin("admin", "admin1"), "1") // even the right password: no bcrypt while locked
	wantLocked(t, attacker.tryLogin("bob", "x"), "1")        // the address is locked for every name
	// The admin, from his own address, is not locked out by the attack.
	e.browserFrom("127.0.0.3").Login("admin", "admin1")
	// Once the delay has passed, the right password works from anywhere.
	advance(time.Second)
	attacker.Login("admin", "admin1")

	t.Run("DelayDoubles", func(t *testing.T) {
		w := e.browserFrom("127.0.0.4")
		for i := 0; i < loginFreeFailures+1; i++ {
			w.tryLogin("reseller", "guess")
		}
		wantLocked(t, w.tryLogin("reseller", "guess"), "1")
		advance(time.Second)
		wantPage(t, w.tryLogin("reseller", "guess"), http.StatusUnauthorized, TextBadLogin)
		wantLocked(t, w.tryLogin("reseller", "guess"), "2")
		advance(2 * time.Second)
		wantPage(t, w.tryLogin("reseller", "guess"), http.StatusUnauthorized, TextBadLogin)
		wantLocked(t, w.tryLogin("reseller", "guess"), "4")
	})
	t.Run("UsernameFromManyAddresses", func(t *testing.T) {
		var ws []*webClient
		for i := 1; i <= loginFreeFailures+1; i++ {
			w := e.browserFrom("127.0.1." + string(rune('0'+i)))
			wantPage(t, w.tryLogin("accountant", "guess"), http.StatusUnauthorized, TextBadLogin)
			ws = append(ws, w)
		}
		// Every address that failed waits for the username's delay...
		wantLocked(t, ws[0].tryLogin("accountant", "guess"), "1")
		// ...a fresh one has one try, then waits too.
		fresh := e.browserFrom("127.0.1.9")
		wantPage(t, fresh.tryLogin("accountant", "guess"), http.StatusUnauthorized, TextBadLogin)
		wantLocked(t, fresh.tryLogin("accountant", "acc12345"), "2") // its failure doubled the username's delay
		advance(2 * time.Second)
		fresh.Login("accountant", "acc12345")
	})
}

// TestLoginCostsOneComparison: every failed login makes exactly one bcrypt
// comparison, whether the username exists and whatever the password, so
// that its time tells nothing (a known user with an empty password used to
// cost none).
// TestLoginThrottleOwnLoginsDoNotUnlock: an attacker who logs in to his
// own account between guesses at another's does not clear the failures
// his address made: the guesses lock as if he had not.
func TestLoginThrottleOwnLoginsDoNotUnlock(t *testing.T) {
	e := newEnv(t, demoYAML)
	fakeClock(e)
	attacker := e.browserFrom("127.0.0.2")
	for i := 0; i < loginFreeFailures+1; i++ {
		wantPage(t, attacker.tryLogin("admin", "guess"), http.StatusUnauthorized, TextBadLogin)
		if i < loginFreeFailures { // his own password, proved between guesses
			wantPage(t, attacker.tryLogin("bob", "bob12345"), http.StatusForbidden, TextNotAllowed)
		}
	}
	attacker.tryLogin("bob", "bob12345") // locked itself now; before, it cleared the address
	wantLocked(t, attacker.tryLogin("admin", "guess"), "1")
}

// TestLoginThrottleChecksAfterTheWait: an attempt that passed the lock
// check, then waited for a bcrypt slot while failures locked its address,
// is refused once it gets the slot: a burst cannot slip past the lock.
func TestLoginThrottleChecksAfterTheWait(t *testing.T) {
	e := newEnv(t, demoYAML)
	g := &e.srv.logins
	for i := 0; i < loginSlots; i++ { // every bcrypt slot taken
		if !g.acquire() {
			t.Fatal("a free slot refused")
		}
	}
	w := e.browserFrom("127.0.0.2")
	w.Get(LoginPath)
	checked := make(chan struct{}, 1)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g.now = func() time.Time {
		select {
		case checked <- struct{}{}:
		default:
		}
		return at
	}
	answer := make(chan webAnswer, 1)
	go func() {
		answer <- w.Post(LoginPath, url.Values{"login_username": {"admin"}, "login_psw": {"admin1"}})
	}()
	<-checked // the attempt passed its first check and waits for a slot
	for i := 0; i < loginFreeFailures+1; i++ {
		g.failed("admin", "127.0.0.2:1")
	}
	for i := 0; i < loginSlots; i++ {
		g.release()
	}
	wantLocked(t, <-answer, "1")
}

// TestLoginTexts pins the login page's texts as written: the tests above
// compare answers against these names.
func TestLoginTexts(t *testing.T) {
	for got, want := range map[string]string{
		TextBadLogin:   "Wrong username or password",
		TextNotAllowed: "Only the admin, accountants and resellers may log in here",
		TextBlocked:    "This user is blocked",
		textLoginBusy:  "Server busy: too many logins at once, try again in a moment",
	} {
		if got != want {
			t.Errorf("login text %q, want %q", got, want)
		}
	}
}

func TestLoginCostsOneComparison(t *testing.T) {
	e := newEnv(t, demoYAML)
	var calls atomic.Int64
	defer func(f func(*domain.User, string) bool) { comparePassword = f }(comparePassword)
	inner := comparePassword
	comparePassword = func(u *domain.User, p string) bool { calls.Add(1); return inner(u, p) }
	for _, tc := range []struct{ name, user, password string }{
		{"UnknownUser", "nobody", "admin1"},
		{"UnknownUserEmptyPassword", "nobody", ""},
		{"KnownUserEmptyPassword", "admin", ""},
		{"KnownUserWrongPassword", "admin", "wrong"},
		{"EmptyUsername", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := e.browserFrom("127.0.2.1")
			calls.Store(0)
			wantPage(t, w.tryLogin(tc.user, tc.password), http.StatusUnauthorized, TextBadLogin)
			if n := calls.Load(); n != 1 {
				t.Errorf("%d bcrypt comparisons, want 1", n)
			}
			e.srv.logins.succeeded(tc.user, "127.0.2.1:0") // keep the address below the throttle
		})
	}
}

// TestLoginBcryptSlots: when every bcrypt slot is taken for longer than
// loginSlotWait, a login is answered 503 Server busy with Retry-After at
// once instead of queueing; a freed slot lets it through.
func TestLoginBcryptSlots(t *testing.T) {
	e := newEnv(t, demoYAML)
	defer func(d time.Duration) { loginSlotWait = d }(loginSlotWait)
	loginSlotWait = 50 * time.Millisecond
	for range loginSlots {
		if !e.srv.logins.acquire() {
			t.Fatal("a slot is taken before any login")
		}
	}
	w := e.browser()
	a := w.tryLogin("admin", "admin1")
	wantPage(t, a, http.StatusServiceUnavailable, textLoginBusy)
	if a.Header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q", a.Header.Get("Retry-After"))
	}
	e.srv.logins.release()
	w.Login("admin", "admin1")
}
