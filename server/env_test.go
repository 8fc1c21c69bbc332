package server

import (
	"context"
	"database/sql"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"morlite/api"
	"morlite/domain"
	"morlite/fixtures"
	"morlite/internal/mariadbtest"
	"morlite/store"
)

// demoYAML is the embedded demo, the world most scenarios start from.
var demoYAML = string(fixtures.Demo)

// templates caches, per fixture text, a closed database file already
// migrated and loaded: parsing hashes passwords with bcrypt (slow on
// purpose) and migrating takes time, so each scenario copies the file.
var templates sync.Map

// templateDir holds the template files; TestMain removes it.
var templateDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "morlite-templates-")
	if err != nil {
		panic(err)
	}
	templateDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	mariadbtest.Stop()
	os.Exit(code)
}

// templateFor returns the template database file for a fixture.
func templateFor(t *testing.T, fixture string) string {
	t.Helper()
	if path, ok := templates.Load(fixture); ok {
		return path.(string)
	}
	w, err := fixtures.Parse("test.yaml", []byte(prehashed(t, fixture)), time.Now())
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	f, err := os.CreateTemp(templateDir, "*.db")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	ctx := context.Background()
	st, err := store.Open(ctx, f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Load(ctx, w, true); err != nil {
		t.Fatal(err)
	}
	// Closing the last connection checkpoints the WAL into the main file.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	path, _ := templates.LoadOrStore(fixture, f.Name())
	return path.(string)
}

// userPassword finds "username: X, password: P" in a fixture's user rows.
var userPassword = regexp.MustCompile(`(username: ([^,}\s]+), )password: ([^,}\s]+)`)

// passwordHashes holds one bcrypt hash per username and password, made once
// per test binary.
var passwordHashes sync.Map

// prehashed writes each "username: X, password: P" of a fixture as
// "password_hash:" with a hash made once per user and password: the demo's
// variants differ in settings, not in passwords, and bcrypt is slow on
// purpose (very slow under the race detector). Each user keeps his own salt.
// The tests hash at bcrypt's minimum cost: checking a password is the same
// code at any cost, and the pages' tests log in hundreds of times (the
// fixture loader itself hashes at bcrypt.DefaultCost).
func prehashed(t *testing.T, fixture string) string {
	return userPassword.ReplaceAllStringFunc(fixture, func(m string) string {
		sub := userPassword.FindStringSubmatch(m)
		key := sub[2] + "\x00" + sub[3]
		h, ok := passwordHashes.Load(key)
		if !ok {
			b, err := bcrypt.GenerateFromPassword([]byte(sub[3]), bcrypt.MinCost)
			if err != nil {
				t.Fatal(err)
			}
			h, _ = passwordHashes.LoadOrStore(key, string(b))
		}
		return sub[1] + "password_hash: " + h.(string)
	})
}

// env is one scenario's world: a real SQLite file in a temp dir behind the
// real router.
type env struct {
	t    *testing.T
	path string
	st   *store.Store
	srv  *Server
	log  *strings.Builder
	mu   sync.Mutex
}

// newEnv starts a server on a fresh database loaded from fixture YAML: a
// SQLite file, or a new MariaDB database when the suite runs on MySQL
// (MORLITE_TEST_ENGINE=mysql; .ci/run runs the suite on both).
func newEnv(t *testing.T, fixture string, opts ...store.Option) *env {
	t.Helper()
	if mariadbtest.Enabled() {
		return newMySQLEnv(t, fixture, opts...)
	}
	data, err := os.ReadFile(templateFor(t, fixture))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "morlite.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return startEnv(t, path, st)
}

// sqliteOnly passes over a scenario of what only the SQLite engine has
// when the suite runs on MySQL; the SQLite pass of the suite runs it.
func sqliteOnly(t *testing.T, what string) {
	t.Helper()
	if mariadbtest.Enabled() {
		t.Skip("engine-specific: " + what + " (run by the SQLite pass)")
	}
}

// startEnv puts the real router in front of an open store.
func startEnv(t *testing.T, path string, st *store.Store) *env {
	e := &env{t: t, path: path, st: st, log: &strings.Builder{}}
	e.srv = New(st, slog.New(slog.NewTextHandler(lockedWriter{e}, nil)))
	return e
}

// newMySQLEnv is newEnv on a new MariaDB database.
func newMySQLEnv(t *testing.T, fixture string, opts ...store.Option) *env {
	t.Helper()
	w, err := fixtures.Parse("test.yaml", []byte(prehashed(t, fixture)), time.Now())
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	url := mariadbtest.URL(t)
	ctx := context.Background()
	// Loaded through a store of its own, as SQLite's template is: the
	// scenario's store starts with no writes counted.
	loader, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	err = errors.Join(loader.Load(ctx, w, false), loader.Close())
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return startEnv(t, url, st)
}

type lockedWriter struct{ e *env }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.e.mu.Lock()
	defer w.e.mu.Unlock()
	return w.e.log.Write(p)
}

// logText returns what the server logged so far.
func (e *env) logText() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.log.String()
}

// withSetting returns the demo with one setting line changed or added.
func withSetting(fixture, name, value string) string {
	lines := strings.Split(fixture, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "  "+name+":") {
			lines[i] = "  " + name + ": " + value
			return strings.Join(lines, "\n")
		}
	}
	return strings.Replace(fixture, "settings:\n", "settings:\n  "+name+": "+value+"\n", 1)
}

// secrets are the demo's keys by caller: what each caller signs with.
var secrets = map[string]string{"reseller": "reseller-secret", "carol": "reseller-secret", "dave": "reseller-secret",
	"reseller2": "reseller2-secret", "erin": "reseller2-secret"}

func secretOf(u string) string {
	if s, ok := secrets[u]; ok {
		return s
	}
	return "secret"
}

// sign adds u and the documented hash for method to the parameters, signed
// with the key that applies to u in the demo.
func sign(method, u string, kv ...string) url.Values {
	v := url.Values{"u": {u}}
	p := domain.Params{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
		p[kv[i]] = kv[i+1]
	}
	_, text := domain.HashInput(method, p, domain.Documented)
	v.Set("hash", domain.Hash(text, secretOf(u)))
	return v
}

// do sends a request through the real router.
func (e *env) do(req *http.Request) *httptest.ResponseRecorder {
	e.t.Helper()
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec
}

// post sends MOR's usual request: POST with every parameter in the query.
func (e *env) post(method string, v url.Values) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.do(httptest.NewRequest(http.MethodPost, "/billing/api/"+method+"?"+v.Encode(), nil))
}

// call signs and posts, and returns the answer's text.
func (e *env) call(method, u string, kv ...string) string {
	e.t.Helper()
	rec := e.post(method, sign(method, u, kv...))
	if rec.Code != http.StatusOK {
		e.t.Fatalf("%s: HTTP %d: %s", method, rec.Code, rec.Body)
	}
	return answerText(e.t, rec.Body.String())
}

// answer is MOR's envelope parsed with fixed paths, as clients parse it.
type answer struct {
	XMLName xml.Name `xml:"page"`
	Success string   `xml:"status>success"`
	Error   string   `xml:"status>error"`
	Nested  string   `xml:"status>status"` // did_delete's success
	DIDID   string   `xml:"did_id"`
	Device  string   `xml:"device_id"`
}

// answerText returns the success or error text of a standard envelope.
func answerText(t *testing.T, body string) string {
	t.Helper()
	a := parseAnswer(t, body)
	if a.Success != "" {
		return a.Success
	}
	if a.Nested != "" {
		return a.Nested
	}
	return a.Error
}

func parseAnswer(t *testing.T, body string) answer {
	t.Helper()
	if !strings.HasPrefix(body, api.XMLDecl+"\n") {
		t.Fatalf("answer does not start with the XML declaration: %q", body)
	}
	var a answer
	if err := xml.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("answer is not well-formed: %v\n%s", err, body)
	}
	return a
}

// didRows dumps the dids table as text, to prove an answer changed nothing.
func (e *env) didRows() string {
	e.t.Helper()
	w, err := e.st.Export(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return fmt.Sprintf("%+v|%d actions", w.DIDs, len(w.Actions))
}

// actions returns the action log.
func (e *env) actions() []domain.Action {
	e.t.Helper()
	w, err := e.st.Export(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return w.Actions
}

// did returns one DID by number.
func (e *env) did(number string) domain.DID {
	e.t.Helper()
	d, err := e.st.DIDByNumber(context.Background(), number)
	if err != nil {
		e.t.Fatalf("DID %s: %v", number, err)
	}
	return *d
}

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// exec runs SQL on the scenario's database file behind the store's back
// (to install a failing trigger, say).
func (e *env) exec(query string) {
	e.t.Helper()
	db := e.rawDB()
	defer db.Close()
	if store.IsURL(e.path) {
		query = mysqlSQL(query)
	}
	if _, err := db.Exec(query); err != nil {
		e.t.Fatal(err)
	}
	if store.IsURL(e.path) {
		// As after any change made outside morlite (docs/operating.md):
		// a MySQL instance keeps the settings and the users it read until
		// the world generation moves.
		if _, err := db.Exec("UPDATE world_gen SET gen = gen + 1 WHERE id = 1"); err != nil {
			e.t.Fatal(err)
		}
	}
}

// rawDB is a connection to the scenario's database of its own.
func (e *env) rawDB() *sql.DB {
	e.t.Helper()
	open := func(path string) (*sql.DB, error) { return sql.Open("sqlite", path) }
	if store.IsURL(e.path) {
		open = mariadbtest.Open
	}
	db, err := open(e.path)
	if err != nil {
		e.t.Fatal(err)
	}
	return db
}

// The SQLite triggers the scenarios install, as MySQL writes them: one
// that fails a statement, one that makes it slow.
var (
	failTrigger = regexp.MustCompile(`(?s)CREATE TRIGGER (\w+) (BEFORE|AFTER) (\w+) ON (\w+) BEGIN SELECT RAISE\(ABORT, '([^']*)'\); END`)
	slowTrigger = regexp.MustCompile(`(?s)CREATE TRIGGER (\w+) (BEFORE|AFTER) (\w+) ON (\w+)(?: WHEN (.*?))? BEGIN.*?x < (\d+)\).*END`)
)

// mysqlSQL is a scenario's SQLite statement in MySQL's dialect.
func mysqlSQL(q string) string {
	q = failTrigger.ReplaceAllString(q, "CREATE TRIGGER $1 $2 $3 ON $4 FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '$5'")
	if m := slowTrigger.FindStringSubmatch(q); m != nil {
		cond := m[5]
		if cond == "" {
			cond = "TRUE"
		}
		n, _ := strconv.Atoi(m[6])
		// SQLite counts to n in about n/2 microseconds on this kind of machine.
		q = fmt.Sprintf("CREATE TRIGGER %s %s %s ON %s FOR EACH ROW IF %s THEN DO SLEEP(%.3f); END IF",
			m[1], m[2], m[3], m[4], cond, float64(n)/2e6)
	}
	return q
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
