package web

import (
	"context"
	"io"
	"log/slog"
	"morlite/internal/pagetest"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"morlite/api"
	"morlite/fixtures"
	"morlite/store"
)

// The tests here reach into the pages' internals (the login throttle's
// clock and slots, the password comparison); the pages' behaviour through
// the whole server, with its middleware and the API beside them, is tested
// in package server.

// demoYAML is the embedded demo.
var demoYAML = string(fixtures.Demo)

// env is a real SQLite file loaded from a fixture, behind a router that
// serves MOR's API and the pages.
type env struct {
	t       *testing.T
	srv     *Pages
	handler http.Handler
}

func newEnv(t *testing.T, fixture string) *env {
	t.Helper()
	w, err := fixtures.Parse("test.yaml", []byte(prehashed(t, fixture)), time.Now())
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "morlite.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Load(ctx, w, true); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := echo.New()
	a := api.New(st, log)
	a.Routes(e)
	p := New(st, log, a, false)
	p.Routes(e)
	return &env{t: t, srv: p, handler: e}
}

// userPassword finds "username: X, password: P" in a fixture's user rows.
var userPassword = regexp.MustCompile(`(username: ([^,}\s]+), )password: ([^,}\s]+)`)

// prehashed writes each fixture password as a bcrypt hash at the minimum
// cost: checking a password is the same code at any cost, and the
// throttle's tests log in dozens of times (slow at the loader's cost,
// very slow under the race detector).
func prehashed(t *testing.T, fixture string) string {
	return userPassword.ReplaceAllStringFunc(fixture, func(m string) string {
		sub := userPassword.FindStringSubmatch(m)
		h, err := bcrypt.GenerateFromPassword([]byte(sub[3]), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return sub[1] + "password_hash: " + string(h)
	})
}

// webClient is a browser for the pages (internal/pagetest), with this
// package's own steps beside its own.
type webClient struct{ *pagetest.Client }

// webAnswer is a page answer: status, Location, body, headers.
type webAnswer = pagetest.Answer

// browser starts a real listener over the env's router.
func (e *env) browser() *webClient {
	e.t.Helper()
	return &webClient{pagetest.New(e.t, e.handler, pagetest.Paths{Login: LoginPath, Home: HomePath})}
}

// wantPage fails unless a is HTTP status and its body holds every text.
var wantPage = pagetest.WantPage
