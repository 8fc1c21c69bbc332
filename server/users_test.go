package server

import (
	"encoding/xml"
	"net/url"
	"strings"
	"testing"
	"time"

	"morlite/api"
	"morlite/domain"
)

// signUsersGet signs users_get as MOR does: SHA1(u + p + secret).
func signUsersGet(u, p string) url.Values {
	return url.Values{"u": {u}, "p": {p}, "hash": {domain.Hash(u+p, secretOf(u))}}
}

// usersList is users_get's answer at fixed paths.
type usersList struct {
	XMLName xml.Name `xml:"page"`
	Error   string   `xml:"status>error"`
	Users   []struct {
		ID       string `xml:"id"`
		Username string `xml:"username"`
		Balance  string `xml:"balance"`
		OwnerID  string `xml:"owner_id"`
		UserType string `xml:"usertype"`
		Hidden   string `xml:"hidden"`
	} `xml:"status>users>user"`
}

func (e *env) usersGet(v url.Values) (usersList, string) {
	e.t.Helper()
	body := e.post("users_get", v).Body.String()
	var l usersList
	if err := xml.Unmarshal([]byte(body), &l); err != nil {
		e.t.Fatalf("%v\n%s", err, body)
	}
	return l, body
}

func TestUsersGet(t *testing.T) {
	e := newEnv(t, demoYAML)
	for _, tt := range []struct {
		name, u, p string
		want       int // users listed; -1 for Access Denied
	}{
		{"Admin", "admin", "admin1", 14},
		{"Accountant", "accountant", "acc12345", 14},
		{"AccountantReadRight", "readonly", "read1234", 14},
		{"ResellerOwnUsers", "reseller", "res12345", 2},
		{"ErrUnknownUser", "nobody", "whatever", -1},
		{"ErrWrongPassword", "admin", "admin2", -1},
		{"ErrEmptyPassword", "admin", "", -1},
		{"ErrPlainUser", "bob", "bob12345", -1},
		{"ErrAccountantNoUserManage", "devonly", "dev12345", -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l, body := e.usersGet(signUsersGet(tt.u, tt.p))
			if tt.want < 0 {
				if body != errBody(api.EnvStatus, "Access Denied") {
					t.Fatalf("answer %s", body)
				}
				return
			}
			if l.Error != "" || len(l.Users) != tt.want {
				t.Fatalf("%d users, error %q\n%s", len(l.Users), l.Error, body)
			}
		})
	}
	l, body := e.usersGet(signUsersGet("reseller", "res12345"))
	if l.Users[0].Username != "carol" || l.Users[1].Username != "dave" || l.Users[0].OwnerID != "3" ||
		l.Users[0].Balance != "0.0000" || l.Users[1].Hidden != "1" || l.Users[0].UserType != "user" {
		t.Fatalf("reseller's users:\n%s", body)
	}
}

// TestUsersGetHashFirst proves the hash is exactly u + p + secret and runs
// before the password check.
func TestUsersGetHashFirst(t *testing.T) {
	e := newEnv(t, demoYAML)
	v := signUsersGet("admin", "wrong")
	v.Set("hash", domain.Hash("wrong", "secret"))
	if _, body := e.usersGet(v); body != errBody(api.EnvStatus, "Incorrect hash") {
		t.Fatalf("answer %s", body)
	}
	v = signUsersGet("admin", "admin1")
	v.Set("user_id", "5") // listed names are not added to users_get's hash
	if l, body := e.usersGet(v); len(l.Users) != 14 {
		t.Fatalf("answer %s", body)
	}
}

func TestUserDetailsGetTexts(t *testing.T) {
	runEnvScenarios(t, "user_details_get", api.EnvBare, []scenario{
		{"SuccessAdmin", "", "admin", []string{"user_id", "5"}, shownPage},
		{"SuccessAdminHimself", "", "admin", []string{"user_id", "0"}, shownPage},
		{"SuccessByUsername", "", "admin", []string{"username", "bob"}, shownPage},
		{"SuccessBoth", "", "admin", []string{"user_id", "5", "username", "bob"}, shownPage},
		{"SuccessResellerHimself", "", "reseller", []string{"user_id", "3"}, shownPage},
		{"SuccessResellerOwnUser", "", "reseller", []string{"user_id", "6"}, shownPage},
		{"SuccessPlainUserAnyone", "", "bob", []string{"user_id", "999"}, shownPage},
		{"SuccessAccountantNothingSent", "", "accountant", nil, shownPage},
		{"ErrAccessDenied", "", "nobody", []string{"user_id", "5"}, "Access Denied"},
		{"ErrNotFound", "", "admin", []string{"user_id", "999"}, "User was not found"},
		{"ErrNotFoundNothingSent", "", "admin", nil, "User was not found"},
		{"ErrNotFoundEmpty", "", "admin", []string{"user_id", ""}, "User was not found"},
		{"ErrNotFoundNotDigits", "", "admin", []string{"user_id", "5;"}, "User was not found"},
		{"ErrNotFoundUnknownUsername", "", "admin", []string{"username", "nobody"}, "User was not found"},
		{"ErrNotFoundDifferentUsers", "", "admin", []string{"user_id", "5", "username", "carol"}, "User was not found"},
		{"ErrNotFoundIDGoodNameBad", "", "admin", []string{"user_id", "5", "username", "nobody"}, "User was not found"},
		{"ErrNotFoundAdminResellersUser", "", "admin", []string{"user_id", "6"}, "User was not found"},
		{"ErrNotFoundResellerAdminsUser", "", "reseller", []string{"user_id", "5"}, "User was not found"},
		{"ErrNotFoundResellerOtherReseller", "", "reseller", []string{"user_id", "10"}, "User was not found"},
		{"ErrNotFoundResellerTheAdmin", "", "reseller", []string{"user_id", "0"}, "User was not found"},
		{"ErrNotFoundResellerOtherResellerItself", "", "reseller", []string{"username", "reseller2"}, "User was not found"},
	})
}

// richUser is a user with every detail user_details_get prints.
const richUser = `  - {id: 33, username: grace, password: grace123, usertype: user, owner_id: 0, first_name: Grace,
     last_name: "O'Hara & Co", postpaid: false, balance: 60.25, credit: 10, clientid: C-7,
     agreement_number: "0000000002", agreement_date: "2009-03-31", taxation_country: Lithuania,
     vat_number: LT100, vat_percent: 19.5, hide_non_answered_calls: true,
     address: {address: Main 1, postcode: "01100", city: Vilnius, county: Vilniaus, state: LT-VL,
               email: grace@example.com, phone: "+3705", mob_phone: "+3706", fax: "+3707"}}
`

func TestUserDetailsGetLayout(t *testing.T) {
	fixture := strings.Replace(demoYAML, "\nproviders:", "\n"+richUser+"\nproviders:", 1)
	e := newEnv(t, fixture)
	e.st.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	body := e.post("user_details", sign("user_details", "admin", "user_id", "33")).Body.String()
	want := api.XMLDecl + `
<page>
  <pagename>Personal details</pagename>
  <language>en</language>
  <userid>33</userid>
  <details>
    <main_detail>
      <account>Prepaid</account>
      <balance>60.2500 USD</balance>
      <balance_number>60.25</balance_number>
      <balance_currency>USD</balance_currency>
      <credit>10.0000</credit>
      <hide_non_answered_calls>1</hide_non_answered_calls>
    </main_detail>
    <other_details>
      <username>grace</username>
      <first_name>Grace</first_name>
      <surname>O'Hara &amp; Co</surname>
      <personalid>C-7</personalid>
      <agreement_number>0000000002</agreement_number>
      <agreement_date>2009-03-31</agreement_date>
      <taxation_country>Lithuania</taxation_country>
      <vat_reg_number>LT100</vat_reg_number>
      <vat_percent>19.5</vat_percent>
    </other_details>
    <registration>
      <reg_address>Main 1</reg_address>
      <reg_postcode>01100</reg_postcode>
      <reg_city>Vilnius</reg_city>
      <reg_country>Vilniaus</reg_country>
      <reg_state>LT-VL</reg_state>
      <reg_direction>grace@example.com</reg_direction>
      <reg_phone>+3705</reg_phone>
      <reg_mobile>+3706</reg_mobile>
      <reg_fax>+3707</reg_fax>
      <reg_email>grace@example.com</reg_email>
    </registration>
  </details>
</page>
`
	if body != want {
		t.Fatalf("user_details_get:\n%s", body)
	}
	// an accountant reads himself, whatever he asks for; no
	// hide_non_answered_calls, no address, today as the agreement date
	body = e.post("user_details_get", sign("user_details_get", "accountant", "user_id", "33")).Body.String()
	want = api.XMLDecl + `
<page>
  <pagename>Personal details</pagename>
  <language>en</language>
  <userid>2</userid>
  <details>
    <main_detail>
      <account>Postpaid</account>
      <balance>0.0000 USD</balance>
      <balance_number>0.0</balance_number>
      <balance_currency>USD</balance_currency>
      <credit>Unlimited</credit>
    </main_detail>
    <other_details>
      <username>accountant</username>
      <first_name>Test</first_name>
      <surname>Accountant</surname>
      <personalid></personalid>
      <agreement_number></agreement_number>
      <agreement_date>2026-01-02</agreement_date>
      <vat_reg_number></vat_reg_number>
      <vat_percent>0.0</vat_percent>
    </other_details>
  </details>
</page>
`
	if body != want {
		t.Fatalf("accountant's own details:\n%s", body)
	}
}
