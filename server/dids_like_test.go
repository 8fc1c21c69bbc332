package server

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"morlite/web"
)

// listJSON is list with the search sent as a JSON body: a pattern of
// 60,000 characters fits the 64 KiB body, not a percent-encoded query.
func (e *env) listJSON(u, name, pattern string) string {
	e.t.Helper()
	v := sign("dids_get", u, name, pattern)
	body := map[string]string{}
	for k := range v {
		body[k] = v.Get(k)
	}
	data, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/billing/api/dids_get", strings.NewReader(string(data)))
	req.Header.Set("Content-Type", "application/json")
	rec := e.do(req)
	var page struct {
		DIDs []listedDID `xml:"dids>did"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &page); err != nil {
		e.t.Fatalf("dids_get answer is not XML: %v\n%s", err, rec.Body)
	}
	if len(page.DIDs) == 0 {
		return answerText(e.t, rec.Body.String())
	}
	var numbers []string
	for _, d := range page.DIDs {
		numbers = append(numbers, d.Number)
	}
	return strings.Join(numbers, " ")
}

// TestDIDsGetLongPatterns: a LIKE pattern past SQLite's length limit
// answers what LIKE means (the rows, or No DIDs found), never a 500,
// for the number and the owner filters, on the API and the DID list page.
func TestDIDsGetLongPatterns(t *testing.T) {
	e := newEnv(t, demoYAML)
	// Carol's name becomes 30,000 characters: abab...
	e.exec("UPDATE users SET first_name = '" + strings.Repeat("ab", 15000) + "', last_name = '' WHERE username = 'carol'")
	all := e.list("admin")
	carols := e.list("admin", "search_did_owner", "ab%")
	if all == "" || carols == "" || strings.Contains(carols, "No DIDs") {
		t.Fatalf("setup: all %q, carol's %q", all, carols)
	}
	for _, tc := range []struct{ name, param, pattern, want string }{
		{"NumberPercents", "search_did_number", strings.Repeat("%", 60000), all},
		{"OwnerPercents", "search_did_owner", strings.Repeat("%", 60000), e.list("admin", "search_did_owner", "%")},
		{"NumberLongNoMatch", "search_did_number", strings.Repeat("3%", 30000), "No DIDs found"},
		{"OwnerLongMatch", "search_did_owner", strings.Repeat("a%b%", 15000), carols},
		{"OwnerLongUnderscores", "search_did_owner", strings.Repeat("_", 30000) + strings.Repeat("%", 30000), carols},
		{"OwnerLongNoMatch", "search_did_owner", strings.Repeat("a%c%", 15000), "No DIDs found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := e.listJSON("admin", tc.param, tc.pattern); got != tc.want {
				t.Errorf("got %q, want %q\n%s", got, tc.want, e.logText())
			}
		})
	}
	w := e.loginAs("admin")
	a := w.Get(web.DIDListPath + "?search_did_number=" + strings.Repeat("3%25", 30000))
	wantPage(t, a, 200, `id="dids-error" role="status">No DIDs found`)
}
