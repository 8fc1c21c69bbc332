package api

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"morlite/domain"
)

// transportRequests sends one name=value pair by each of the four
// transports: the query string, a form body, a multipart body, a JSON body.
func transportRequests(k, v string) map[string]*http.Request {
	enc := url.QueryEscape(k) + "=" + url.QueryEscape(v)
	out := map[string]*http.Request{"query": httptest.NewRequest(http.MethodPost, "/billing/api/x?"+enc, nil)}
	form := httptest.NewRequest(http.MethodPost, "/billing/api/x", strings.NewReader(enc))
	form.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	out["form"] = form
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField(k, v)
	mw.Close()
	multi := httptest.NewRequest(http.MethodPost, "/billing/api/x", &mp)
	multi.Header.Set("Content-Type", mw.FormDataContentType())
	out["multipart"] = multi
	js, _ := json.Marshal(map[string]string{k: v})
	out["json"] = jsonRequest("/billing/api/x", string(js))
	return out
}

// multipartSafe reports whether a name survives a multipart header as
// mime/multipart writes it: it escapes quotes, not control characters, and
// a header may not carry those (such a body is refused with 400).
func multipartSafe(k string) bool {
	return !strings.ContainsFunc(k, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// FuzzParamsTransports sends one pair by the four transports: each must
// read exactly {k: v} (a body within the limit, valid UTF-8), or refuse
// invalid UTF-8 with 400, and never anything else.
func FuzzParamsTransports(f *testing.F) {
	for _, s := range [][2]string{{"did", "123456789"}, {"u", "admin"}, {"a b", "x+y&z=1;w"}, {"k", ""},
		{"q", "١٢٣"}, {"n", "\x00\x01"}, {"bad", "\xff"}, {"quote\"d", "it's"}, {"emoji", "😀"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, k, v string) {
		if k == "" || len(k)+len(v) > MaxBodyBytes/4 {
			return
		}
		valid := utf8.ValidString(k) && utf8.ValidString(v)
		for name, req := range transportRequests(k, v) {
			if name == "json" && !valid || name == "multipart" && strings.ContainsAny(k, "\r\n") {
				continue // the encoder, not the parser, changes these: encoding/json
				// replaces invalid UTF-8, mime/multipart writes line breaks as %0D %0A
			}
			p, err := parseParams(req)
			switch {
			case name == "multipart" && !multipartSafe(k) && errors.Is(err, domain.ErrBadRequest):
			case !valid && errors.Is(err, domain.ErrBadRequest):
			case !valid:
				t.Fatalf("%s: invalid UTF-8 read as %q, %v; want 400", name, p, err)
			case err != nil:
				t.Fatalf("%s: %q=%q: %v", name, k, v, err)
			case len(p) != 1 || p[k] != v || !p.Has(k):
				t.Fatalf("%s: %q=%q read as %q", name, k, v, p)
			}
		}
	})
}

// FuzzParseParams feeds raw query strings and bodies of any content type:
// parsing never panics, fails only with 400 or 413, and reads only valid
// UTF-8 names and values.
func FuzzParseParams(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "u=admin;did=1", []byte("device_id=1&did=%20123"))
	f.Add("application/json", "test=1", []byte(`{"u":"admin","n":12.5e3,"b":true,"z":null}`))
	f.Add("application/json", "", []byte(`{"a":[1],"b":{"c":1}}`))
	f.Add("application/json", "", []byte(`{"":"x","u":"a"} {}`))
	f.Add("multipart/form-data; boundary=XX", "", []byte("--XX\r\nContent-Disposition: form-data; name=\"u\"\r\n\r\nadmin\r\n--XX--\r\n"))
	f.Add("multipart/form-data", "%zz", []byte("--"))
	f.Add("text/plain", "a=%ff", []byte("\xff"))
	f.Fuzz(func(t *testing.T, contentType, query string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/billing/api/x", bytes.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", contentType)
		p, err := parseParams(req)
		if err != nil && !errors.Is(err, domain.ErrBadRequest) && !errors.Is(err, domain.ErrTooLarge) {
			t.Fatalf("error %v (%T), want 400 or 413", err, err)
		}
		for k, v := range p {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				t.Fatalf("read invalid UTF-8 %q=%q", k, v)
			}
		}
	})
}

// xmlSafe is what render promises a text becomes: invalid UTF-8 and the
// characters XML 1.0 forbids as U+FFFD, everything else as it was.
func xmlSafe(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == utf8.RuneError && size == 1 || !xmlChar(r) {
			r = '\uFFFD'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// FuzzRender renders envelopes holding any text: the output is always
// well-formed XML and encoding/xml reads back each text as xmlSafe left it.
func FuzzRender(f *testing.F) {
	for _, s := range []string{"Device assigned to DID", "<&>\"'", "\r\n\t", "\x00\x1f\ufffe", "\xff\xfe", "]]>", "😀 ١٢٣", " lead "} {
		f.Add(s, s+"x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		out := render(XMLDecl, tree("page", statusPage("error", a), tree("did", el("number", b), el("empty", ""))))
		dec := xml.NewDecoder(bytes.NewReader(out))
		var texts []string
		var cur strings.Builder
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("not well-formed: %v\n%q", err, out)
			}
			switch tok := tok.(type) {
			case xml.StartElement:
				cur.Reset()
			case xml.CharData:
				cur.Write(tok)
			case xml.EndElement:
				if n := tok.Name.Local; n == "error" || n == "number" || n == "empty" {
					texts = append(texts, cur.String())
				}
			}
		}
		want := []string{xmlSafe(a), xmlSafe(b), ""}
		if strings.Join(texts, "\x00|") != strings.Join(want, "\x00|") {
			t.Fatalf("texts read back %q, want %q\n%s", texts, want, out)
		}
	})
}

// jsonRequest is a POST of body as JSON to target.
func jsonRequest(target, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}
