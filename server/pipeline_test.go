package server

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"morlite/domain"
)

const seedPath = "/billing/api/did_trunk_device_assign?u=username&did=123456789&device_id=1&hash=bc2f114099d16656d37e45fd9e8744cb9386d462"
const documentedPath = "/billing/api/did_trunk_device_assign?u=admin&did=123456789&device_id=1&hash=cb9dff0d59f7ffaf036d55b57c817bf528edb54a"

const successBody = `<?xml version="1.0" encoding="UTF-8"?>
<page>
  <status>
    <success>Device assigned to DID</success>
  </status>
</page>
`

func TestSeedRequest(t *testing.T) {
	for name, path := range map[string]string{"Legacy": seedPath, "Documented": documentedPath} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, demoYAML)
			rec := e.do(httptest.NewRequest(http.MethodPost, path, nil))
			if rec.Code != 200 || rec.Body.String() != successBody {
				t.Fatalf("HTTP %d\n%s", rec.Code, rec.Body)
			}
			if d := e.did("123456789"); d.Status != "active" || d.DeviceID != 1 || d.UserID != 5 {
				t.Fatalf("DID after the seed's request: %+v", d)
			}
			again := e.do(httptest.NewRequest(http.MethodPost, path, nil))
			if got := answerText(t, again.Body.String()); got != "DID is not free" {
				t.Fatalf("second run = %q, want DID is not free", got)
			}
		})
	}
	t.Run("StrictRefusesLegacy", func(t *testing.T) {
		e := newEnv(t, withSetting(demoYAML, "hash_mode", "strict"))
		rec := e.do(httptest.NewRequest(http.MethodPost, seedPath, nil))
		if got := answerText(t, rec.Body.String()); got != "Incorrect hash" {
			t.Fatalf("strict legacy = %q", got)
		}
		rec = e.do(httptest.NewRequest(http.MethodPost, documentedPath, nil))
		if got := answerText(t, rec.Body.String()); got != "Device assigned to DID" {
			t.Fatalf("strict documented = %q", got)
		}
	})
}

func TestErrorEnvelopeExact(t *testing.T) {
	e := newEnv(t, demoYAML)
	rec := e.post("did_trunk_device_assign", url.Values{"u": {"admin"}, "did": {"1"}, "device_id": {"1"}, "hash": {"x"}})
	want := `<?xml version="1.0" encoding="UTF-8"?>
<page>
  <status>
    <error>Incorrect hash</error>
  </status>
</page>
`
	if rec.Code != 200 || rec.Body.String() != want {
		t.Fatalf("HTTP %d\n%s", rec.Code, rec.Body)
	}
}

// TestPipeline pins every pipeline text and which secret applies.
func TestPipeline(t *testing.T) {
	noSecret := withSetting(demoYAML, "api_secret_key", `""`)
	disabled := withSetting(noSecret, "disable_hash_checking", "true")
	resellerOpen := strings.Replace(demoYAML, "api_secret_key: reseller-secret,", "api_secret_key: reseller-secret, disable_hash_checking: true,", 1)
	resellerNoKey := strings.Replace(demoYAML, "api_secret_key: reseller-secret,", "", 1)
	assign := []string{"device_id", "1", "did", "123456789"}
	tests := []struct {
		name, fixture, method, u, secret string
		params                           []string
		want                             string
	}{
		{"APIDisabled", withSetting(demoYAML, "allow_api", "false"), "did_trunk_device_assign", "admin", "secret", assign, "API Requests are disabled"},
		{"APIDisabledBeforeNoSuchAPI", withSetting(demoYAML, "allow_api", "false"), "no_such_method", "admin", "secret", nil, "API Requests are disabled"},
		{"NoSuchAPISkipsHash", demoYAML, "no_such_method", "admin", "wrong", nil, "There is no such API"},
		{"NoSecretKey", noSecret, "did_trunk_device_assign", "admin", "", assign, "API must have Secret Key"},
		{"NoSecretKeyWhateverHash", noSecret, "did_trunk_device_assign", "admin", "secret", assign, "API must have Secret Key"},
		{"HashDisabledWrongHash", disabled, "did_trunk_device_assign", "admin", "wrong", assign, "Device assigned to DID"},
		{"IncorrectHash", demoYAML, "did_trunk_device_assign", "admin", "wrong", assign, "Incorrect hash"},
		{"ResellerOwnSecret", trunkOn, "did_trunk_device_assign", "reseller", "reseller-secret", []string{"device_id", "3", "did", "37060000005"}, "Device assigned to DID"},
		{"ResellerNotAdminSecret", trunkOn, "did_trunk_device_assign", "reseller", "secret", []string{"device_id", "3", "did", "37060000005"}, "Incorrect hash"},
		{"ResellerNoFallback", resellerNoKey, "did_trunk_device_assign", "reseller", "secret", assign, "API must have Secret Key"},
		{"ResellerHashDisabled", resellerOpen, "did_trunk_device_assign", "reseller", "wrong", assign, "Your are not authorized to use this Device"},
		{"PlainUserOwnersSecret", demoYAML, "did_trunk_device_assign", "carol", "reseller-secret", assign, "Access Denied"},
		{"PlainUserNotAdminSecret", demoYAML, "did_trunk_device_assign", "carol", "secret", assign, "Incorrect hash"},
		{"AdminUsersPlainUserAdminSecret", demoYAML, "did_trunk_device_assign", "bob", "secret", assign, "Access Denied"},
		{"UnknownUserAdminKey", demoYAML, "did_trunk_device_assign", "nobody", "secret", assign, "Access Denied"},
		{"UnknownUserOtherKey", demoYAML, "did_trunk_device_assign", "nobody", "reseller-secret", assign, "Incorrect hash"},
		{"AccountantAdminKey", demoYAML, "did_device_unassign", "accountant", "secret", []string{"did", "37060000006"}, "Device was unassigned from DID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.fixture)
			v := url.Values{"u": {tt.u}}
			p := map[string]string{}
			for i := 0; i+1 < len(tt.params); i += 2 {
				v.Set(tt.params[i], tt.params[i+1])
				p[tt.params[i]] = tt.params[i+1]
			}
			v.Set("hash", hashOf(tt.method, p, tt.secret))
			rec := e.post(tt.method, v)
			if got := answerText(t, rec.Body.String()); rec.Code != 200 || got != tt.want {
				t.Fatalf("HTTP %d %q, want %q", rec.Code, got, tt.want)
			}
		})
	}
}

func TestHashRules(t *testing.T) {
	good := hashOf("did_trunk_device_assign", map[string]string{"device_id": "1", "did": "123456789"}, "secret")
	tests := []struct {
		name string
		hash string
		want string
	}{
		{"Exact", good, "Device assigned to DID"},
		{"Short39", good[:39], "Incorrect hash"},
		{"Long41", good + "0", "Incorrect hash"},
		{"UpperCase", strings.ToUpper(good), "Incorrect hash"},
		{"Missing", "", "Incorrect hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, demoYAML)
			v := url.Values{"u": {"admin"}, "device_id": {"1"}, "did": {"123456789"}}
			if tt.hash != "" {
				v.Set("hash", tt.hash)
			}
			if got := answerText(t, e.post("did_trunk_device_assign", v).Body.String()); got != tt.want {
				t.Fatalf("%q, want %q", got, tt.want)
			}
		})
	}
	t.Run("FixedOrderWhateverRequestOrder", func(t *testing.T) {
		e := newEnv(t, demoYAML)
		path := "/billing/api/did_trunk_device_assign?hash=" + good + "&did=123456789&u=admin&device_id=1"
		if got := answerText(t, e.do(httptest.NewRequest("POST", path, nil)).Body.String()); got != "Device assigned to DID" {
			t.Fatal(got)
		}
	})
	t.Run("UnrelatedListedParameterIsHashed", func(t *testing.T) {
		e := newEnv(t, demoYAML)
		v := url.Values{"u": {"admin"}, "device_id": {"1"}, "did": {"123456789"}, "s_user": {"7"}, "hash": {good}}
		if got := answerText(t, e.post("did_trunk_device_assign", v).Body.String()); got != "Incorrect hash" {
			t.Fatalf("a hash without s_user passed: %q", got)
		}
		v.Set("hash", hashOf("did_trunk_device_assign", map[string]string{"device_id": "1", "did": "123456789", "s_user": "7"}, "secret"))
		if got := answerText(t, e.post("did_trunk_device_assign", v).Body.String()); got != "Device assigned to DID" {
			t.Fatalf("a hash with s_user failed: %q", got)
		}
	})
	t.Run("FailureLogNamesOnly", func(t *testing.T) {
		e := newEnv(t, demoYAML)
		e.post("did_trunk_device_assign", url.Values{"u": {"admin"}, "device_id": {"1"}, "did": {"123456789"}, "hash": {strings.Repeat("a", 40)}})
		log := e.logText()
		if !contains(log, "device_id") || !contains(log, "incorrect hash") {
			t.Fatalf("the log does not say which names were hashed: %s", log)
		}
		for _, leak := range []string{"secret", good, hashOf("did_trunk_device_assign", map[string]string{"device_id": "1"}, "secret")} {
			if contains(log, leak) {
				t.Fatalf("the log leaks %q: %s", leak, log)
			}
		}
	})
}

// TestTransports sends the documented request in every way clients send it.
func TestTransports(t *testing.T) {
	hash := hashOf("did_trunk_device_assign", map[string]string{"device_id": "1", "did": "123456789"}, "secret")
	form := "u=admin&device_id=1&did=123456789&hash=" + hash
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	for _, kv := range [][2]string{{"u", "admin"}, {"device_id", "1"}, {"did", "123456789"}, {"hash", hash}} {
		mw.WriteField(kv[0], kv[1])
	}
	mw.Close()
	tests := []struct {
		name, method, query, ctype, body string
	}{
		{"QueryOnlyPOST", "POST", form, "", ""},
		{"QuerySemicolons", "POST", strings.ReplaceAll(form, "&", ";"), "", ""},
		{"Form", "POST", "", "application/x-www-form-urlencoded", form},
		{"FormWithCharset", "POST", "", "application/x-www-form-urlencoded; charset=UTF-8", form},
		{"Multipart", "POST", "", mw.FormDataContentType(), mp.String()},
		{"JSONNumbers", "POST", "", "application/json", `{"u":"admin","device_id":1,"did":123456789,"hash":"` + hash + `"}`},
		{"JSONNullIsAbsent", "POST", "", "application/json", `{"u":"admin","device_id":1,"did":"123456789","s_user":null,"hash":"` + hash + `"}`},
		{"BodyWinsOverQuery", "POST", "device_id=999&did=1", "application/x-www-form-urlencoded", form},
		{"LastRepeatWins", "POST", "device_id=999&" + form, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, demoYAML)
			req := httptest.NewRequest(tt.method, "/billing/api/did_trunk_device_assign?"+tt.query, strings.NewReader(tt.body))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			rec := e.do(req)
			if rec.Code != 200 || answerText(t, rec.Body.String()) != "Device assigned to DID" {
				t.Fatalf("HTTP %d\n%s", rec.Code, rec.Body)
			}
		})
	}
	t.Run("JSONBigNumberKeptLiteral", func(t *testing.T) {
		e := newEnv(t, demoYAML)
		h := hashOf("did_device_unassign", map[string]string{"did": "123456789012"}, "secret")
		req := httptest.NewRequest("POST", "/billing/api/did_device_unassign", strings.NewReader(`{"u":"admin","did":123456789012,"hash":"`+h+`"}`))
		req.Header.Set("Content-Type", "application/json")
		if got := answerText(t, e.do(req).Body.String()); got != "DID was not found" {
			t.Fatalf("%q: the number was not hashed as its literal text", got)
		}
	})
}

// TestGET covers GET refused by default and allowed by the setting.
func TestGET(t *testing.T) {
	e := newEnv(t, demoYAML)
	if got := answerText(t, e.do(httptest.NewRequest("GET", documentedPath, nil)).Body.String()); got != "GET Requests are disabled" {
		t.Fatalf("GET = %q", got)
	}
	e = newEnv(t, withSetting(demoYAML, "allow_get_api", "true"))
	if got := answerText(t, e.do(httptest.NewRequest("GET", documentedPath, nil)).Body.String()); got != "Device assigned to DID" {
		t.Fatalf("GET allowed = %q", got)
	}
}

func TestTransportFaults(t *testing.T) {
	big := "u=admin&x=" + strings.Repeat("a", 65536)
	tests := []struct {
		name, query, ctype, body string
		code                     int
		want                     string
	}{
		{"BadJSON", "", "application/json", `{"u":`, 400, "Invalid request body"},
		{"JSONArray", "", "application/json", `["u"]`, 400, "Invalid request body"},
		{"JSONNestedObject", "", "application/json", `{"u":{"a":1}}`, 400, "Invalid request body"},
		{"JSONArrayValue", "", "application/json", `{"u":[1]}`, 400, "Invalid request body"},
		{"JSONTrailingGarbage", "", "application/json", `{"u":"admin"} x`, 400, "Invalid request body"},
		{"JSONInvalidUTF8", "", "application/json", "{\"u\":\"\xff\"}", 400, "Invalid request body"},
		{"BrokenMultipart", "", "multipart/form-data; boundary=xyz", "--xyz\r\nbroken", 400, "Invalid request body"},
		{"MultipartNoBoundary", "", "multipart/form-data", "--xyz\r\n", 400, "Invalid request body"},
		{"QueryInvalidUTF8", "u=%ff", "", "", 400, "Invalid request body"},
		{"QueryBadEscape", "u=%zz", "", "", 400, "Invalid request body"},
		{"FormInvalidUTF8", "", "application/x-www-form-urlencoded", "u=%C3%28", 400, "Invalid request body"},
		{"BodyTooLarge", "", "application/x-www-form-urlencoded", big, 413, "Request too large"},
		{"QueryTooLarge", big, "", "", 413, "Request too large"},
	}
	e := newEnv(t, demoYAML)
	before := e.didRows()
	for _, method := range e.srv.api.Methods() {
		for _, tt := range tests {
			t.Run(method+"/"+tt.name, func(t *testing.T) {
				req := httptest.NewRequest("POST", "/billing/api/"+method+"?"+tt.query, strings.NewReader(tt.body))
				if tt.ctype != "" {
					req.Header.Set("Content-Type", tt.ctype)
				}
				rec := e.do(req)
				if rec.Code != tt.code || answerText(t, rec.Body.String()) != tt.want {
					t.Fatalf("HTTP %d\n%s", rec.Code, rec.Body)
				}
				if e.didRows() != before {
					t.Fatal("a refused request changed the DIDs")
				}
			})
		}
	}
	t.Run("MethodNotAllowed", func(t *testing.T) {
		e := newEnv(t, demoYAML)
		for _, verb := range []string{"PUT", "DELETE", "PATCH", "HEAD"} {
			rec := e.do(httptest.NewRequest(verb, documentedPath, nil))
			if rec.Code != 405 {
				t.Fatalf("%s: HTTP %d", verb, rec.Code)
			}
			if verb != "HEAD" && answerText(t, rec.Body.String()) != "Method not allowed" {
				t.Fatalf("%s: %s", verb, rec.Body)
			}
		}
	})
	t.Run("PlainNotFoundOutsideAPI", func(t *testing.T) {
		e := newEnv(t, demoYAML)
		for _, path := range []string{"/", "/billing/nope", "/billing/api/a/b/c"} {
			rec := e.do(httptest.NewRequest("GET", path, nil))
			if rec.Code != 404 || contains(rec.Body.String(), "<") {
				t.Fatalf("%s: HTTP %d %q", path, rec.Code, rec.Body)
			}
		}
	})
}

func TestAliasesAndPathID(t *testing.T) {
	tests := []struct{ name, path, method string }{
		{"DIDAssignDevice", "did_assign_device", "did_device_assign"},
		{"DIDUnassignDevice", "did_unassign_device", "did_device_unassign"},
		{"TrailingID", "did_device_assign/77", "did_device_assign"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, demoYAML)
			params := []string{"device_id", "2", "did", "37060000001"}
			want := "Device assigned to DID"
			if tt.method == "did_device_unassign" {
				params, want = []string{"did", "37060000006"}, "Device was unassigned from DID"
			}
			rec := e.post(tt.path, sign(tt.method, "admin", params...))
			if got := answerText(t, rec.Body.String()); got != want {
				t.Fatalf("%q, want %q", got, want)
			}
		})
	}
}

func TestHeadersAndTestFlag(t *testing.T) {
	tests := []struct {
		name, fixture, test, ctype, disposition string
	}{
		{"Default", demoYAML, "", "text/html; charset=utf-8", `attachment; filename="mor_api_response.html"`},
		{"XMLExtension", withSetting(demoYAML, "xml_api_extension", "true"), "", "text/xml; charset=utf-8", `attachment; filename="mor_api_response.xml"`},
		{"Test", demoYAML, "1", "text/html; charset=utf-8", ""},
		{"TestXMLExtension", withSetting(demoYAML, "xml_api_extension", "true"), "1", "application/xml; charset=utf-8", ""},
		{"TestNotExactlyOne", demoYAML, "true", "text/html; charset=utf-8", `attachment; filename="mor_api_response.html"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.fixture)
			v := sign("did_trunk_device_assign", "admin", "device_id", "1", "did", "123456789")
			if tt.test != "" {
				v.Set("test", tt.test)
			}
			rec := e.post("did_trunk_device_assign", v)
			if got := rec.Header().Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type = %q, want %q", got, tt.ctype)
			}
			if got := rec.Header().Get("Content-Disposition"); got != tt.disposition {
				t.Errorf("Content-Disposition = %q, want %q", got, tt.disposition)
			}
			a := parseAnswer(t, rec.Body.String())
			if debug := a.DIDID != ""; debug != (tt.test == "1") {
				t.Errorf("debug elements present = %v with test=%q", debug, tt.test)
			}
			if tt.test == "1" && (a.DIDID != "1" || a.Device != "1") {
				t.Errorf("debug elements = %+v", a)
			}
		})
	}
	t.Run("UnassignDebug", func(t *testing.T) {
		e := newEnv(t, demoYAML)
		v := sign("did_device_unassign", "admin", "did", "37060000006")
		v.Set("test", "1")
		if a := parseAnswer(t, e.post("did_device_unassign", v).Body.String()); a.DIDID != "7" || a.Success != "Device was unassigned from DID" {
			t.Fatalf("%+v", a)
		}
	})
	t.Run("TransportFaultHeaders", func(t *testing.T) {
		e := newEnv(t, demoYAML)
		req := httptest.NewRequest("POST", "/billing/api/did_device_unassign?test=1", strings.NewReader("{"))
		req.Header.Set("Content-Type", "application/json")
		rec := e.do(req)
		if rec.Code != 400 || rec.Header().Get("Content-Disposition") != "" || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("headers of a 400: %v", rec.Header())
		}
	})
}

// hashOf is the documented hash of params for method with secret.
func hashOf(method string, params map[string]string, secret string) string {
	_, text := domain.HashInput(method, domain.Params(params), domain.Documented)
	return domain.Hash(text, secret)
}

// TestOtherBodiesIgnored: a body of another media type, or of none, is not
// read (as Rails reads none): the query's parameters are the request's, even
// when the body looks like a form that would change them.
func TestOtherBodiesIgnored(t *testing.T) {
	query := sign("did_trunk_device_assign", "admin", "did", "123456789", "device_id", "1").Encode()
	body := "device_id=999&did=1&u=nobody&hash=0"
	for _, ctype := range []string{"", "text/plain", "text/plain; charset=utf-8", "application/octet-stream",
		"application/xml", "application/x-www-form-urlencoded-x", "form", ";;;"} {
		name := strings.ReplaceAll(ctype, "/", "_")
		if ctype == "" {
			name = "None"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, demoYAML)
			req := httptest.NewRequest(http.MethodPost, "/billing/api/did_trunk_device_assign?"+query, strings.NewReader(body))
			if ctype != "" {
				req.Header.Set("Content-Type", ctype)
			} else {
				req.Header.Del("Content-Type")
			}
			rec := e.do(req)
			if got := answerText(t, rec.Body.String()); rec.Code != http.StatusOK || got != "Device assigned to DID" {
				t.Fatalf("HTTP %d %q: the body was read as parameters", rec.Code, got)
			}
		})
	}
}
