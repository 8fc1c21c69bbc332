package api

import (
	"bytes"
	"compress/gzip"
	"strings"

	"github.com/labstack/echo/v4"
)

// acceptsGzip reports whether an Accept-Encoding header admits gzip (a
// `gzip` or `x-gzip` coding, or `*`, without q=0).
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "x-gzip" && coding != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		if q == "q=0" || strings.HasPrefix(q, "q=0.0") && strings.Trim(q[4:], "0") == "" {
			continue
		}
		return true
	}
	return false
}

// writeGzip writes body compressed, with Content-Encoding: gzip, so that an
// HTTP client unpacks it transparently.
func writeGzip(c echo.Context, status int, body []byte) error {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(body); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Encoding", "gzip")
	h.Add("Vary", "Accept-Encoding")
	h.Del("Content-Length")
	c.Response().WriteHeader(status)
	_, err := c.Response().Write(buf.Bytes())
	return err
}
