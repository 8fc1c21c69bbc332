package api

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"
)

// The hot path's allocations: run with
//   go test -run '^$' -bench . -benchmem ./server ./domain

const benchQuery = "u=admin&did=123456789&device_id=1&hash=cb9dff0d59f7ffaf036d55b57c817bf528edb54a"

func BenchmarkParseParams(b *testing.B) {
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	for _, kv := range [][2]string{{"u", "admin"}, {"did", "123456789"}, {"device_id", "1"}, {"hash", "cb9dff0d59f7ffaf036d55b57c817bf528edb54a"}} {
		mw.WriteField(kv[0], kv[1])
	}
	mw.Close()
	cases := []struct{ name, query, ctype, body string }{
		{"Query", benchQuery, "", ""},
		{"Form", "", "application/x-www-form-urlencoded", benchQuery},
		{"JSON", "", "application/json", `{"u":"admin","did":123456789,"device_id":1,"hash":"cb9dff0d59f7ffaf036d55b57c817bf528edb54a"}`},
		{"Multipart", "", mw.FormDataContentType(), mp.String()},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("POST", "/billing/api/did_device_assign?"+c.query, nil)
			if c.ctype != "" {
				req.Header.Set("Content-Type", c.ctype)
			}
			body := strings.NewReader(c.body)
			req.ContentLength = int64(len(c.body))
			b.ReportAllocs()
			for b.Loop() {
				body.Reset(c.body) // the request is built once; only its body is rewound
				req.Body = io.NopCloser(body)
				if _, err := parseParams(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRender(b *testing.B) {
	b.Run("Success", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			render(XMLDecl, successPage("Device assigned to DID"))
		}
	})
	b.Run("DIDList10", func(b *testing.B) {
		dids := tree("dids")
		for i := 0; i < 10; i++ {
			dids.add(tree("did", el("did", "123456789"), el("provider", "Test & Provider"), el("status", "Active"),
				el("owner", "Bob <Smith>"), el("device", "SIP/101"), el("id", "1")))
		}
		page := tree("page", dids)
		b.ReportAllocs()
		for b.Loop() {
			render(XMLDecl, page)
		}
	})
}
