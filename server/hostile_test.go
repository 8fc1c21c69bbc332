package server

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"morlite/api"
	"morlite/internal/mariadbtest"
	"morlite/store"
)

// methodParams are the parameters each method reads, as MOR documents
// them. A method missing here is tried with all of them.
var methodParams = map[string][]string{
	"did_trunk_device_assign": {"u", "device_id", "did", "test"},
	"did_device_assign":       {"u", "device_id", "did", "test"},
	"did_device_unassign":     {"u", "did", "device_id", "test"},
	"did_create":              {"u", "provider_id", "did", "test"},
	"did_details_update": {"u", "did_id", "did_user_id", "call_limit", "comment", "reseller_comment", "language",
		"grace_time", "did_provider_id"},
	"did_close":             {"u", "dids_id"},
	"did_subscription_stop": {"u", "did_id"},
	"did_terminate":         {"u", "dids_id"},
	"did_make_free":         {"u", "dids_id"},
	"did_delete":            {"u", "dids_id"},
	"dids_get": {"u", "search_did_number", "search_status", "search_user", "search_device", "search_dialplan",
		"search_provider", "search_language", "search_did_owner", "search_hide_terminated_dids", "reseller_id",
		"user_id", "from", "max_results"},
	"device_create": {"u", "user_id", "description", "pin", "type", "devicegroup_id", "caller_id"},
	"device_update": {"u", "device", "authentication", "username", "password", "host", "port", "trunk", "description",
		"pin", "extension", "callerid_number", "callerid_name", "call_limit", "hidden", "language"},
	"device_details_get": {"u", "device_id", "device_u"},
	"devices_get":        {"u", "user_id", "show_hidden_devices"},
	"device_delete":      {"u", "device"},
	"users_get":          {"u", "p"},
	"user_details_get":   {"u", "user_id", "username"},
	"user_register": {"id", "username", "password", "password2", "first_name", "last_name", "email", "device_type",
		"caller_id"},
}

// baseValues are valid values on the demo for the names above, so that a
// hostile value in one name reaches that name's own check.
var baseValues = map[string]string{
	"u": "admin", "device_id": "1", "did": "123456789", "provider_id": "1", "did_id": "1", "dids_id": "1",
	"user_id": "5", "device": "1", "p": "admin1", "username": "bob", "id": "adm1nhash0",
}

// paramsOf returns the names a method reads, and every known name for a
// method the table does not list yet.
func paramsOf(method string) []string {
	if names, ok := methodParams[method]; ok {
		return names
	}
	seen := map[string]bool{}
	var all []string
	for _, names := range methodParams {
		for _, n := range names {
			if !seen[n] {
				seen[n] = true
				all = append(all, n)
			}
		}
	}
	sort.Strings(all)
	return all
}

// hostileValues are sent in every name each method reads.
var hostileValues = []string{
	"' OR '1'='1", "1; DROP TABLE dids; --", "1' UNION SELECT password FROM users --", `"`, "'", `\`, "`",
	"\x00", "1\x00", "\x01\x02\x1b[31m\x7f", "\r\n\t", "\xff\xfe", "\xc3\x28", strings.Repeat("1", 100<<10),
	strings.Repeat("9", 1000), "-1", "-9223372036854775808", "9223372036854775808", strings.Repeat("9", 30),
	"١٢٣", "１２３", " 1", "1 ", " 123456789 ", "+1", "0x1F", "1e3", "1.0", "", "<xml>&amp;</xml>", "]]>", "%00",
	"😀", "NaN", "null", "${jndi:ldap://127.0.0.1/x}", "../../etc/passwd", "0", "00000000000000000001",
}

// transport shapes a request: how a (hostile) parameter set travels.
type transport struct {
	name  string
	build func(method, name, value string) *http.Request
}

// hostileTransports are the ways every value is sent, plus the shapes only
// a transport can make: duplicated names, empty JSON keys, JSON arrays,
// objects and numbers.
var hostileTransports = []transport{
	{"query", func(m, n, v string) *http.Request {
		return httptest.NewRequest(http.MethodPost, "/billing/api/"+m+"?"+signedFor(m, n, v).Encode(), nil)
	}},
	{"json", func(m, n, v string) *http.Request { return jsonBody(m, signedFor(m, n, v), "") }},
	{"form", func(m, n, v string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/billing/api/"+m, strings.NewReader(signedFor(m, n, v).Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}},
	{"multipart", func(m, n, v string) *http.Request { return multipartBody(m, signedFor(m, n, v)) }},
	{"unsigned", func(m, n, v string) *http.Request {
		q := signedFor(m, n, v)
		q.Set("hash", "0123456789abcdef0123456789abcdef01234567")
		return httptest.NewRequest(http.MethodPost, "/billing/api/"+m+"?"+q.Encode(), nil)
	}},
	{"duplicated", func(m, n, v string) *http.Request {
		// the last value wins and is the one signed
		raw := url.QueryEscape(n) + "=" + url.QueryEscape(v) + "&" + signedFor(m, n, "1").Encode()
		return httptest.NewRequest(http.MethodPost, "/billing/api/"+m+"?"+raw, nil)
	}},
	{"json-empty-key", func(m, n, v string) *http.Request { return jsonBody(m, signedFor(m, n, v), `"": "x"`) }},
	{"json-array", func(m, n, v string) *http.Request { return jsonBody(m, signedFor(m, n, v), jsonText(n)+`: [1, "2"]`) }},
	{"json-object", func(m, n, v string) *http.Request {
		return jsonBody(m, signedFor(m, n, v), jsonText(n)+`: {"a": {"b": 1}}`)
	}},
	{"json-number", func(m, n, v string) *http.Request {
		return jsonBody(m, signedFor(m, n, "-12.5e3"), jsonText(n)+`: -12.5e3`)
	}},
}

// valueTransports carry every value; the others try their shape once a name.
var valueTransports = map[string]bool{"query": true, "json": true, "form": true, "multipart": true, "unsigned": true}

// multipartBody sends v as a multipart/form-data body.
func multipartBody(method string, v url.Values) *http.Request {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k := range v {
		mw.WriteField(k, v.Get(k))
	}
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/billing/api/"+method, &b)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

// signedFor is the method's base parameters with name set to value,
// signed with the key that applies to u.
func signedFor(method, name, value string) url.Values {
	kv := map[string]string{}
	for _, n := range paramsOf(method) {
		if v, ok := baseValues[n]; ok {
			kv[n] = v
		}
	}
	kv[name] = value
	u := kv["u"]
	delete(kv, "u")
	var pairs []string
	for k, v := range kv {
		pairs = append(pairs, k, v)
	}
	v := sign(method, u, pairs...)
	if name == "hash" {
		v.Set("hash", value)
	}
	return v
}

func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// jsonBody sends v as a JSON object, with an extra raw member last.
func jsonBody(method string, v url.Values, extra string) *http.Request {
	var members []string
	for k := range v {
		members = append(members, jsonText(k)+": "+jsonText(v.Get(k)))
	}
	if extra != "" {
		members = append(members, extra)
	}
	return jsonRequest("/billing/api/"+method, "{"+strings.Join(members, ", ")+"}")
}

// generatedSecret is a password morlite made up (device_create's): random
// letters and digits, which may spell a sign below ("EOF", "SQL") by chance.
var generatedSecret = regexp.MustCompile(`<password>[A-Za-z0-9]*</password>`)

// goErrorSigns are fragments of Go, driver or SQL error texts.
var goErrorSigns = []string{"strconv", "invalid syntax", "sql:", "SQL", "sqlite", "runtime", "goroutine", "panic",
	".go:", "%!", "nil pointer", "out of range", "no such table", "constraint", "echo", "EOF"}

// TestHostileInputEveryMethod sends every hostile value in every parameter
// each registered method reads, by every transport (signed, so it reaches
// the method's own checks, and unsigned): each answers a well-formed MOR
// envelope with HTTP 200, or 400/413, never 5xx nor a Go error text, and a
// refused request leaves every table of the database as it was.
func TestHostileInputEveryMethod(t *testing.T) {
	skipUnderRace(t)
	tried, values := 0, hostileValues
	for _, method := range e0(t).srv.api.Methods() {
		names := append(paramsOf(method), "hash")
		t.Run(method, func(t *testing.T) {
			h := newHostileEnv(t)
			for _, tr := range hostileTransports {
				for _, name := range names {
					for _, value := range values {
						h.try(method, tr, name, value)
						tried++
						if !valueTransports[tr.name] {
							break // the shape, not the value, is what these try
						}
					}
				}
			}
		})
	}
	t.Logf("hostile input: %d values, %d transports, %d methods: %d requests", len(values), len(hostileTransports),
		len(e0(t).srv.api.Methods()), tried)
	if methods := len(e0(t).srv.api.Methods()); tried != hostileRequests || methods != hostileMethods {
		t.Fatalf("%d requests over %d methods; the README promises %d over %d (a method that registers "+
			"adds its own: update both figures and the README's Reliability section)", tried, methods, hostileRequests, hostileMethods)
	}
}

// hostileRequests and hostileMethods are the figures the README's
// Reliability section gives for this test.
const (
	hostileRequests = 22600
	hostileMethods  = 19
)

// e0 is a server on the demo, for its method registry.
func e0(t *testing.T) *env { return newEnv(t, demoYAML) }

// hostileEnv is a demo server with a raw read handle for dumps.
type hostileEnv struct {
	t       *testing.T
	e       *env
	db      *sql.DB
	dump    string
	version int64 // PRAGMA data_version (MySQL: the tables' checksum) when dump was taken
}

func newHostileEnv(t *testing.T) *hostileEnv {
	h := &hostileEnv{t: t}
	h.reset()
	return h
}

// reset starts again from a fresh demo (after a valid request changed it).
func (h *hostileEnv) reset() {
	h.t.Helper()
	h.e = newEnv(h.t, demoYAML)
	db := h.e.rawDB()
	// One connection: data_version is per connection.
	db.SetMaxOpenConns(1)
	h.t.Cleanup(func() { db.Close() })
	h.db = db
	h.dump = dumpTables(h.t, db)
	h.version = h.dataVersion()
}

// rebase takes the database as it now is as the state the next refusal
// must leave unchanged.
func (h *hostileEnv) rebase() {
	if v := h.dataVersion(); v != h.version {
		h.dump, h.version = dumpTables(h.t, h.db), v
	}
}

// dataVersion changes whenever another connection (the server's writer)
// has committed since the last call: an unchanged value means the file's
// content is as it was, with no need to dump it again. MySQL has no such
// counter; there it is a digest of CHECKSUM TABLE over every table, which
// any changed row changes.
func (h *hostileEnv) dataVersion() int64 {
	var v int64
	if store.IsURL(h.e.path) {
		return h.checksum()
	}
	if err := h.db.QueryRow("PRAGMA data_version").Scan(&v); err != nil {
		h.t.Fatal(err)
	}
	return v
}

// checksum digests CHECKSUM TABLE of every table of a MySQL database.
func (h *hostileEnv) checksum() int64 {
	rows, err := h.db.Query("CHECKSUM TABLE " + strings.Join(tableNames(h.t, h.db), ", "))
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	d := fnv.New64a()
	for rows.Next() {
		var name string
		var sum sql.NullInt64
		rows.Scan(&name, &sum)
		fmt.Fprintf(d, "%s=%d;", name, sum.Int64)
	}
	return int64(d.Sum64())
}

// try sends one hostile request and checks the answer and the database.
func (h *hostileEnv) try(method string, tr transport, name, value string) {
	h.t.Helper()
	rec := h.e.do(tr.build(method, name, value))
	body := rec.Body.String()
	label := fmt.Sprintf("%s %s %s=%.40q", method, tr.name, name, value)
	switch rec.Code {
	case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
	default:
		h.t.Errorf("%s: HTTP %d: %s", label, rec.Code, body)
	}
	if !strings.HasPrefix(body, api.XMLDecl+"\n") || !wellFormed(body) {
		h.t.Errorf("%s: not a MOR envelope: %q", label, body)
	}
	for _, sign := range goErrorSigns {
		if strings.Contains(generatedSecret.ReplaceAllString(body, "<password/>"), sign) {
			h.t.Errorf("%s: the answer carries %q: %s", label, sign, body)
		}
	}
	if rec.Code == http.StatusOK && !strings.Contains(body, "<error>") {
		h.rebase() // a valid request may change the database: the next try starts from here
		return
	}
	if h.dataVersion() == h.version {
		return
	}
	if now := dumpTables(h.t, h.db); now != h.dump {
		h.t.Errorf("%s: refused with %q but the database changed", label, answerTextOrRaw(body))
		h.reset()
	}
}

// wellFormed reads every token of an XML document.
func wellFormed(body string) bool {
	dec := xml.NewDecoder(strings.NewReader(body))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
}

// tableNames lists the database's tables by name, on the engine the suite
// runs on.
func tableNames(t *testing.T, db *sql.DB) []string {
	t.Helper()
	list := "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"
	if mariadbtest.Enabled() {
		list = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name"
	}
	rows, err := db.Query(list)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	return tables
}

// dumpTables is every row of every table, as text.
func dumpTables(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	for _, table := range tableNames(t, db) {
		b.WriteString(table + "\n")
		r, err := db.Query(`SELECT * FROM "` + table + `" ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := r.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for r.Next() {
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%q\n", vals)
		}
		r.Close()
	}
	return b.String()
}
