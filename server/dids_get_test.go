package server

import (
	"encoding/xml"
	"strings"
	"testing"

	"morlite/api"
)

// listedDID is one <did> of dids_get; a nil field was left out.
type listedDID struct {
	Number    string  `xml:"did"`
	Provider  *string `xml:"provider"`
	Language  string  `xml:"language"`
	Status    string  `xml:"status"`
	DIDStatus string  `xml:"did_status"`
	Reseller  *string `xml:"reseller"`
	Owner     *string `xml:"owner"`
	Device    string  `xml:"device"`
	DialPlan  *string `xml:"dial_plan"`
	Limit     string  `xml:"simultaneous_call_limit"`
	ToneZone  *string `xml:"tone_zone"`
	Comment   *string `xml:"comment"`
	ID        string  `xml:"id"`
}

// list calls dids_get and returns the listed numbers in order, or the
// error text.
func (e *env) list(u string, kv ...string) string {
	e.t.Helper()
	dids, errText := e.listDIDs(u, kv...)
	if errText != "" {
		return errText
	}
	var numbers []string
	for _, d := range dids {
		numbers = append(numbers, d.Number)
	}
	return strings.Join(numbers, " ")
}

func (e *env) listDIDs(u string, kv ...string) ([]listedDID, string) {
	e.t.Helper()
	body := e.body("dids_get", u, kv...)
	var page struct {
		DIDs []listedDID `xml:"dids>did"`
	}
	if err := xml.Unmarshal([]byte(body), &page); err != nil {
		e.t.Fatalf("dids_get answer is not XML: %v\n%s", err, body)
	}
	if len(page.DIDs) == 0 {
		return nil, answerText(e.t, body)
	}
	return page.DIDs, ""
}

const (
	allDIDs = "123456789 37060000001 37060000002 37060000003 37060000004 37060000005 37060000006 " +
		"37060000007 37060000008 37060000009 37060000010 37060000020 37060000021 37060000040"
	bobDIDs      = "123456789 37060000006 37060000007 37060000009"
	resellerPool = "37060000003 37060000005 37060000010 37060000021 37060000040"
)

func TestDIDsGetScopes(t *testing.T) {
	e := newEnv(t, demoYAML)
	for _, tt := range []struct{ name, u, want string }{
		{"Admin", "admin", allDIDs},
		{"AccountantFullRights", "accountant", allDIDs},
		{"AccountantReadRight", "readonly", allDIDs},
		{"ErrNotAuthDIDsMgrAccountantWithoutRight", "norights", "You are not authorized to manage DIDs"},
		{"ErrAccessDeniedUnknown", "nobody", "Access Denied"},
		{"ResellerHisPoolOnly", "reseller", resellerPool},
		{"SecondResellerHisPoolOnly", "reseller2", "37060000008"},
		{"PlainUserHisDIDs", "bob", bobDIDs},
		{"PlainUserInResellerPool", "carol", "37060000005 37060000021 37060000040"},
		{"ErrNoDIDsFoundPlainUserWithout", "erin", "No DIDs found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.list(tt.u); got != tt.want {
				t.Fatalf("got %q, want %q\n%s", got, tt.want, e.logText())
			}
		})
	}
}

func TestDIDsGetFilters(t *testing.T) {
	e := newEnv(t, demoYAML)
	for _, tt := range []struct {
		name, u string
		params  []string
		want    string
	}{
		{"NumberExact", "admin", []string{"search_did_number", "37060000001"}, "37060000001"},
		{"NumberPrefix", "admin", []string{"search_did_number", "3706000000%"}, "37060000001 37060000002 37060000003 37060000004 37060000005 37060000006 37060000007 37060000008 37060000009"},
		{"NumberSubstring", "admin", []string{"search_did_number", "%2%"}, "123456789 37060000002 37060000020 37060000021"},
		{"NumberUnderscore", "admin", []string{"search_did_number", "3706000002_"}, "37060000020 37060000021"},
		{"NumberInjectionIsAPattern", "admin", []string{"search_did_number", "' OR 1=1 --"}, "No DIDs found"},
		{"NumberEmptyMatchesNothing", "admin", []string{"search_did_number", ""}, "No DIDs found"},
		{"StatusFreeAdminPoolOnly", "admin", []string{"search_status", "FREE"}, "37060000001"},
		{"StatusActiveAdminPoolOnly", "accountant", []string{"search_status", "Active"}, "37060000002 37060000006"},
		{"StatusReservedEveryPool", "admin", []string{"search_status", "reserved"}, "123456789 37060000005 37060000009 37060000010"},
		{"StatusClosed", "admin", []string{"search_status", "closed"}, "37060000007"},
		{"StatusTerminated", "admin", []string{"search_status", "terminated"}, "37060000004 37060000020"},
		{"StatusFreeReseller", "reseller", []string{"search_status", "free"}, "37060000003"},
		{"StatusActiveReseller", "reseller", []string{"search_status", "active"}, "37060000021 37060000040"},
		{"StatusUnknownMatchesNothing", "admin", []string{"search_status", "busy"}, "No DIDs found"},
		{"UserPlain", "admin", []string{"search_user", "5"}, bobDIDs},
		{"UserResellerListsHisPool", "admin", []string{"search_user", "3"}, resellerPool},
		{"UserZero", "admin", []string{"search_user", "0"}, "37060000001 37060000002 37060000003 37060000004 37060000008 37060000020"},
		{"UserNotDigitsIsZero", "admin", []string{"search_user", "x"}, "37060000001 37060000002 37060000003 37060000004 37060000008 37060000020"},
		{"Device", "admin", []string{"search_device", "2"}, "37060000006 37060000007"},
		{"DeviceNotDigitsIsZero", "bob", []string{"search_device", "two"}, "123456789 37060000009"},
		{"Dialplan", "admin", []string{"search_dialplan", "1"}, "37060000002"},
		{"DialplanNotDigitsMeansNone", "admin", []string{"search_dialplan", "x", "search_status", "active"}, "37060000006"},
		{"DialplanIgnoredForPlainUser", "bob", []string{"search_dialplan", "1"}, bobDIDs},
		{"Provider", "admin", []string{"search_provider", "21"}, "No DIDs found"},
		{"ProviderMatches", "admin", []string{"search_provider", "1", "search_did_number", "3706000001%"}, "37060000010"},
		{"ProviderIgnoredForResellerWithoutOwnProviders", "reseller", []string{"search_provider", "21"}, resellerPool},
		{"ProviderIgnoredForPlainUser", "bob", []string{"search_provider", "21"}, bobDIDs},
		{"LanguageIgnoresCase", "admin", []string{"search_language", "LT"}, "37060000021"},
		{"LanguageAll", "reseller", []string{"search_language", "all"}, resellerPool},
		{"LanguageEmptyMatchesNone", "admin", []string{"search_language", ""}, "No DIDs found"},
		{"OwnerPattern", "admin", []string{"search_did_owner", "Bob%"}, bobDIDs},
		{"OwnerAdminNotFree", "admin", []string{"search_did_owner", "System Admin"}, "37060000002 37060000004 37060000020"},
		{"OwnerUsername", "admin", []string{"search_did_owner", "dav_"}, "37060000010"},
		{"HideTerminated", "admin", []string{"search_hide_terminated_dids", "1"}, "123456789 37060000001 37060000002 37060000003 37060000005 37060000006 37060000007 37060000008 37060000009 37060000010 37060000021 37060000040"},
		{"HideTerminatedOnlyWith1", "admin", []string{"search_hide_terminated_dids", "0", "search_status", "terminated"}, "37060000004 37060000020"},
		{"CombinedStatusDevice", "admin", []string{"search_status", "active", "search_device", "2"}, "37060000006"},
		{"CombinedNumberUserHide", "admin", []string{"search_did_number", "3706%", "search_user", "5", "search_hide_terminated_dids", "1"}, "37060000006 37060000007 37060000009"},
		{"CombinedResellerOwnerLanguage", "reseller", []string{"search_did_owner", "Carol%", "search_language", "en"}, "37060000005 37060000040"},
		{"CombinedNothing", "admin", []string{"search_status", "closed", "search_device", "1"}, "No DIDs found"},
		{"ResellerNeverSeesOtherPool", "reseller", []string{"search_user", "9"}, "No DIDs found"},
		{"ResellerNeverSeesOtherPoolByNumber", "reseller", []string{"search_did_number", "37060000008"}, "No DIDs found"},
		{"ResellerNeverSeesAdminPool", "reseller", []string{"search_status", "reserved", "search_user", "5"}, "No DIDs found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.list(tt.u, tt.params...); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDIDsGetPaging(t *testing.T) {
	e := newEnv(t, demoYAML)
	for _, tt := range []struct {
		name   string
		params []string
		want   string
	}{
		{"FirstPage", []string{"from", "1", "max_results", "2"}, "123456789 37060000001"},
		{"SecondPage", []string{"from", "3", "max_results", "2"}, "37060000002 37060000003"},
		{"LastPartialPage", []string{"from", "14", "max_results", "5"}, "37060000040"},
		{"FromPastTheEnd", []string{"from", "15"}, "No DIDs found"},
		{"FromHuge", []string{"from", "999999999999999999", "max_results", "1"}, "No DIDs found"},
		{"FromZeroIsOne", []string{"from", "0", "max_results", "1"}, "123456789"},
		{"FromNotDigitsIsOne", []string{"from", "-5", "max_results", "1"}, "123456789"},
		{"MaxResultsZeroIsAll", []string{"max_results", "0"}, allDIDs},
		{"MaxResultsNotDigitsIsAll", []string{"max_results", "ten"}, allDIDs},
		{"MaxResultsHuge", []string{"from", "12", "max_results", "99999999999999999999999"}, "37060000020 37060000021 37060000040"},
		{"PagingAfterFilter", []string{"search_user", "5", "from", "2", "max_results", "2"}, "37060000006 37060000007"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.list("admin", tt.params...); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDIDsGetRendering pins the XML, element by element, for each viewer.
func TestDIDsGetRendering(t *testing.T) {
	e := newEnv(t, demoYAML)
	admin := api.XMLDecl + `
<page>
  <dids>
    <did>
      <did>37060000021</did>
      <provider>Test Provider</provider>
      <language>lt</language>
      <status>Active</status>
      <did_status>active</did_status>
      <reseller>Test Reseller</reseller>
      <owner>Carol Jones</owner>
      <device>SIP/202</device>
      <dial_plan></dial_plan>
      <simultaneous_call_limit>5</simultaneous_call_limit>
      <tone_zone>lt</tone_zone>
      <comment>admin note</comment>
      <id>21</id>
    </did>
  </dids>
</page>
`
	if got := e.body("dids_get", "admin", "search_did_number", "37060000021"); got != admin {
		t.Fatalf("admin sees:\n%s\nwant:\n%s", got, admin)
	}
	reseller := api.XMLDecl + `
<page>
  <dids>
    <did>
      <did>37060000021</did>
      <language>lt</language>
      <status>Active</status>
      <did_status>active</did_status>
      <owner>Carol Jones</owner>
      <device>SIP/202</device>
      <dial_plan></dial_plan>
      <simultaneous_call_limit>5</simultaneous_call_limit>
      <tone_zone>lt</tone_zone>
      <comment>reseller note</comment>
      <id>21</id>
    </did>
  </dids>
</page>
`
	if got := e.body("dids_get", "reseller", "search_did_number", "37060000021"); got != reseller {
		t.Fatalf("reseller sees:\n%s\nwant:\n%s", got, reseller)
	}
	carol := api.XMLDecl + `
<page>
  <dids>
    <did>
      <did>37060000021</did>
      <language>lt</language>
      <status>Active</status>
      <did_status>active</did_status>
      <owner>Carol Jones</owner>
      <device>SIP/202</device>
      <simultaneous_call_limit>5</simultaneous_call_limit>
      <comment>admin note</comment>
      <id>21</id>
    </did>
  </dids>
</page>
`
	if got := e.body("dids_get", "carol", "search_did_number", "37060000021"); got != carol {
		t.Fatalf("carol sees:\n%s\nwant:\n%s", got, carol)
	}
}

func TestDIDsGetNames(t *testing.T) {
	e := newEnv(t, demoYAML)
	dids, _ := e.listDIDs("admin")
	by := map[string]listedDID{}
	for _, d := range dids {
		by[d.Number] = d
	}
	str := func(p *string) string {
		if p == nil {
			return "(absent)"
		}
		return *p
	}
	for _, tt := range []struct{ number, status, reseller, owner, device, dialPlan, limit, comment string }{
		{"37060000001", "Free", "(absent)", "System Admin", "", "", "Unlimited", "(absent)"},
		{"37060000002", "Active", "(absent)", "System Admin", "", "PIN access (authbypin)", "Unlimited", "(absent)"},
		{"37060000003", "Free", "Test Reseller", "(absent)", "", "", "Unlimited", "(absent)"},
		{"37060000004", "Terminated", "(absent)", "System Admin", "", "", "Unlimited", "(absent)"},
		{"37060000005", "Reserved", "Test Reseller", "Carol Jones", "", "", "Unlimited", "(absent)"},
		{"37060000006", "Active", "(absent)", "Bob Smith", "SIP/102", "", "Unlimited", "(absent)"},
		{"37060000007", "Closed", "(absent)", "Bob Smith", "SIP/102", "", "Unlimited", "(absent)"},
		{"37060000008", "Free", "Other Reseller", "(absent)", "", "", "Unlimited", "(absent)"},
		{"37060000010", "Reserved", "Test Reseller", "dave", "", "", "Unlimited", "(absent)"},
	} {
		d := by[tt.number]
		got := []string{d.Status, str(d.Reseller), str(d.Owner), d.Device, str(d.DialPlan), d.Limit, str(d.Comment)}
		want := []string{tt.status, tt.reseller, tt.owner, tt.device, tt.dialPlan, tt.limit, tt.comment}
		if strings.Join(got, "|") != strings.Join(want, "|") || d.DIDStatus != strings.ToLower(tt.status) || str(d.Provider) != "Test Provider" {
			t.Errorf("%s: got %q, want %q", tt.number, got, want)
		}
	}
	if devIAX, _ := e.listDIDs("admin", "search_device", "3"); devIAX != nil {
		t.Errorf("device 3 has no DID, got %+v", devIAX)
	}
}

// TestDIDsGetHash: with no hashed parameter the hash is of the key alone;
// search and paging parameters are never hashed.
func TestDIDsGetHash(t *testing.T) {
	e := newEnv(t, demoYAML)
	v := sign("dids_get", "admin")
	v.Set("search_status", "closed")
	v.Set("from", "1")
	if got := answerText(t, e.post("dids_get", v).Body.String()); got != "" {
		t.Fatalf("unhashed filters broke the key-only hash: %q", got)
	}
	v.Set("dids_id", "1")
	if got := answerText(t, e.post("dids_get", v).Body.String()); got != "Incorrect hash" {
		t.Fatalf("a hashed name sent along must count: %q", got)
	}
}

// TestDIDsGetEscapesText: a comment set over the API comes back escaped,
// and the answer stays well-formed.
func TestDIDsGetEscapesText(t *testing.T) {
	e := newEnv(t, demoYAML)
	if got := e.call("did_details_update", "admin", "did_id", "2", "comment", "<b>&\x01</comment>"); got != "DID details successfully updated" {
		t.Fatal(got)
	}
	body := e.body("dids_get", "admin", "search_did_number", "37060000001")
	if !contains(body, "<comment>&lt;b&gt;&amp;\uFFFD&lt;/comment&gt;</comment>") {
		t.Fatalf("comment not escaped:\n%s", body)
	}
	if dids, _ := e.listDIDs("admin", "search_did_number", "37060000001"); len(dids) != 1 || *dids[0].Comment != "<b>&\uFFFD</comment>" {
		t.Fatalf("parsed back: %+v", dids)
	}
}

// TestDIDsGetProviderForResellerWithOwnProviders: search_provider applies
// to a reseller whose own_providers is on.
func TestDIDsGetProviderForResellerWithOwnProviders(t *testing.T) {
	e := newEnv(t, demoYAML)
	e.exec("UPDATE users SET own_providers = 1 WHERE id = 3")
	if got := e.list("reseller", "search_provider", "21"); got != "No DIDs found" {
		t.Fatalf("got %q", got)
	}
	if got := e.call("did_details_update", "reseller", "did_id", "4", "did_provider_id", "21"); got != "DID details successfully updated" {
		t.Fatal(got)
	}
	if got := e.list("reseller", "search_provider", "21"); got != "37060000003" {
		t.Fatalf("got %q", got)
	}
}
