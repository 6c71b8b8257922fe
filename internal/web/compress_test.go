package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// A build as the front ends' post-build step leaves it: each compressible
// file with its .br and .gz next to it (here stand-in bytes for brotli).
func builtFronts(t *testing.T) (console, widget fstest.MapFS, script []byte) {
	t.Helper()
	script = bytes.Repeat([]byte("export const answer = 42;\n"), 200)
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(b)
		_ = zw.Close()
		return buf.Bytes()
	}
	index := []byte("<!doctype html><title>Parley</title>" + strings.Repeat("<!-- -->", 200))
	console = fstest.MapFS{
		"index.html":                {Data: index},
		"index.html.gz":             {Data: gz(index)},
		"index.html.br":             {Data: []byte("brotli index")},
		"sw.js":                     {Data: []byte("self.addEventListener('fetch', () => {})")},
		"favicon.ico":               {Data: []byte("\x00\x00\x01\x00icon")},
		"assets/index-AbC123.js":    {Data: script},
		"assets/index-AbC123.js.gz": {Data: gz(script)},
		"assets/index-AbC123.js.br": {Data: []byte("brotli script")},
		"assets/small-Xy9.css":      {Data: []byte("a{}")},
	}
	loader := []byte(strings.Repeat("(function(){})();", 100))
	widget = fstest.MapFS{
		"widget.js":               {Data: loader},
		"widget.js.gz":            {Data: gz(loader)},
		"frame.html":              {Data: []byte("<!doctype html><title>Chat</title>")},
		"assets/frame-Q1w2.js":    {Data: script},
		"assets/frame-Q1w2.js.br": {Data: []byte("brotli frame")},
	}
	return console, widget, script
}

// get fetches path over HTTP with these request headers, without the
// client's own decompression, so the test sees what travels.
func get(t *testing.T, srv *httptest.Server, method, path string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

func TestCompressedAssets(t *testing.T) {
	console, widget, script := builtFronts(t)
	srv := httptest.NewServer(New(console, widget, nil, nil))
	defer srv.Close()
	const asset = "/console/assets/index-AbC123.js"

	t.Run("negotiation: brotli, then gzip, then identity", func(t *testing.T) {
		cases := []struct{ accept, encoding, body string }{
			{"gzip, deflate, br, zstd", "br", "brotli script"},
			{"br;q=1.0, gzip;q=0.8", "br", "brotli script"},
			{"gzip", "gzip", ""},
			{"gzip, br;q=0", "gzip", ""},
			{"*", "br", "brotli script"},
			{"*;q=0, gzip", "gzip", ""},
			{"identity", "", string(script)},
			{"", "", string(script)},
			{"br;q=0, gzip;q=0", "", string(script)},
		}
		for _, c := range cases {
			res, body := get(t, srv, http.MethodGet, asset, "Accept-Encoding", c.accept)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%q: status %d", c.accept, res.StatusCode)
			}
			if got := res.Header.Get("Content-Encoding"); got != c.encoding {
				t.Errorf("%q: Content-Encoding %q, want %q", c.accept, got, c.encoding)
			}
			if got := res.Header.Get("Vary"); got != "Accept-Encoding" {
				t.Errorf("%q: Vary %q", c.accept, got)
			}
			if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, "javascript") {
				t.Errorf("%q: Content-Type %q, want the script's", c.accept, ct)
			}
			if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
				t.Errorf("%q: Content-Length %q for %d bytes", c.accept, cl, len(body))
			}
			if c.encoding == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				plain, _ := io.ReadAll(zr)
				if !bytes.Equal(plain, script) {
					t.Errorf("%q: the gzip body does not decode to the script", c.accept)
				}
				if len(body) >= len(script) {
					t.Errorf("gzip body %d bytes, script %d", len(body), len(script))
				}
			} else if string(body) != c.body {
				t.Errorf("%q: body %.40q", c.accept, body)
			}
		}
	})

	t.Run("each encoding has its own ETag and answers 304 to it", func(t *testing.T) {
		tags := map[string]string{}
		for _, accept := range []string{"br", "gzip", "identity"} {
			res, _ := get(t, srv, http.MethodGet, asset, "Accept-Encoding", accept)
			tag := res.Header.Get("ETag")
			if !strings.HasPrefix(tag, `"`) {
				t.Fatalf("%s: ETag %q", accept, tag)
			}
			for other, t2 := range tags {
				if t2 == tag {
					t.Errorf("%s and %s share the ETag %s", accept, other, tag)
				}
			}
			tags[accept] = tag
			res, body := get(t, srv, http.MethodGet, asset, "Accept-Encoding", accept, "If-None-Match", tag)
			if res.StatusCode != http.StatusNotModified || len(body) != 0 {
				t.Errorf("%s: revalidation answered %d with %d bytes, want 304 and none", accept, res.StatusCode, len(body))
			}
		}
		// A validator of another encoding does not match.
		res, _ := get(t, srv, http.MethodGet, asset, "Accept-Encoding", "gzip", "If-None-Match", tags["br"])
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("gzip with the brotli ETag: %d %q, want 200 gzip", res.StatusCode, res.Header.Get("Content-Encoding"))
		}
	})

	t.Run("ranges on identity only", func(t *testing.T) {
		res, body := get(t, srv, http.MethodGet, asset, "Range", "bytes=0-5")
		if res.StatusCode != http.StatusPartialContent || string(body) != string(script[:6]) {
			t.Errorf("identity range: %d %q", res.StatusCode, body)
		}
		if res.Header.Get("Accept-Ranges") != "bytes" {
			t.Errorf("identity Accept-Ranges %q", res.Header.Get("Accept-Ranges"))
		}
		res, body = get(t, srv, http.MethodGet, asset, "Range", "bytes=0-5", "Accept-Encoding", "br")
		if res.StatusCode != http.StatusOK || string(body) != "brotli script" {
			t.Errorf("compressed range: %d %q, want the whole brotli body", res.StatusCode, body)
		}
		if res.Header.Get("Accept-Ranges") != "" {
			t.Errorf("compressed Accept-Ranges %q", res.Header.Get("Accept-Ranges"))
		}
	})

	t.Run("HEAD tells the length of the encoding without a body", func(t *testing.T) {
		res, body := get(t, srv, http.MethodHead, asset, "Accept-Encoding", "gzip")
		want := strconv.Itoa(len(console["assets/index-AbC123.js.gz"].Data))
		if res.StatusCode != http.StatusOK || len(body) != 0 || res.Header.Get("Content-Length") != want {
			t.Errorf("HEAD: %d, %d bytes, Content-Length %q, want %s", res.StatusCode, len(body), res.Header.Get("Content-Length"), want)
		}
	})

	t.Run("files without a variant travel as they are", func(t *testing.T) {
		res, body := get(t, srv, http.MethodGet, "/console/assets/small-Xy9.css", "Accept-Encoding", "br, gzip")
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "" || string(body) != "a{}" {
			t.Errorf("small css: %d %q %q", res.StatusCode, res.Header.Get("Content-Encoding"), body)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
			t.Errorf("Content-Type %q", ct)
		}
	})

	t.Run("the variants are not files of their own", func(t *testing.T) {
		for _, p := range []string{asset + ".br", asset + ".gz", "/widget/widget.js.gz"} {
			res, _ := get(t, srv, http.MethodGet, p)
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", p, res.StatusCode)
			}
		}
	})
}

func TestCacheLifetimes(t *testing.T) {
	console, widget, _ := builtFronts(t)
	srv := httptest.NewServer(New(console, widget, nil, nil))
	defer srv.Close()
	cases := []struct {
		path, cache, encoding string
	}{
		{"/console/assets/index-AbC123.js", "public, max-age=31536000, immutable", "br"},
		{"/widget/assets/frame-Q1w2.js", "public, max-age=31536000, immutable", "br"},
		{"/console/", "no-cache", "br"},
		{"/console/inbox/deep/link", "no-cache", "br"},
		{"/widget.js", "no-cache", "gzip"},
		{"/sw.js", "no-cache", ""},
		{"/widget/frame.html", "no-cache", ""},
		{"/favicon.ico", "public, max-age=86400", ""},
	}
	for _, c := range cases {
		res, body := get(t, srv, http.MethodGet, c.path, "Accept-Encoding", "gzip, deflate, br")
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", c.path, res.StatusCode)
			continue
		}
		if got := res.Header.Get("Cache-Control"); got != c.cache {
			t.Errorf("%s: Cache-Control %q, want %q", c.path, got, c.cache)
		}
		if got := res.Header.Get("Content-Encoding"); got != c.encoding {
			t.Errorf("%s: Content-Encoding %q, want %q", c.path, got, c.encoding)
		}
		if len(body) == 0 {
			t.Errorf("%s: empty body", c.path)
		}
		tag := res.Header.Get("ETag")
		if tag == "" {
			t.Errorf("%s: no ETag", c.path)
			continue
		}
		// What is revalidated answers 304 while it is unchanged.
		again, _ := get(t, srv, http.MethodGet, c.path, "Accept-Encoding", "gzip, deflate, br", "If-None-Match", tag)
		if again.StatusCode != http.StatusNotModified {
			t.Errorf("%s: revalidation %d, want 304", c.path, again.StatusCode)
		}
	}
	t.Run("favicon is an icon", func(t *testing.T) {
		res, _ := get(t, srv, http.MethodGet, "/favicon.ico")
		if ct := res.Header.Get("Content-Type"); ct != "image/vnd.microsoft.icon" && ct != "image/x-icon" {
			t.Errorf("Content-Type %q", ct)
		}
	})
}
