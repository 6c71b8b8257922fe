package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strconv"
	"strings"
	"sync"
)

// assets is one built front end: its files, and for each file the
// precompressed variants the build wrote next to it (name.br, name.gz).
type assets struct {
	fsys  fs.FS
	mu    sync.Mutex
	etags map[string]string
}

func newAssets(fsys fs.FS) *assets {
	return &assets{fsys: fsys, etags: map[string]string{}}
}

// variant is one representation of a file: its bytes, its Content-Encoding
// ("" for identity) and an ETag that differs between encodings.
type variant struct {
	body     []byte
	encoding string
	etag     string
}

// encodings the build writes, best first, with the suffix of their file.
var encodings = []struct{ name, suffix string }{{"br", ".br"}, {"gzip", ".gz"}}

// open gives the representation of name to send for this Accept-Encoding:
// brotli, then gzip, when the client accepts it and the build wrote it;
// the file itself otherwise. ok is false when there is no such file.
func (a *assets) open(name, acceptEncoding string) (v variant, ok bool) {
	for _, e := range encodings {
		if !accepts(acceptEncoding, e.name) {
			continue
		}
		if b, err := fs.ReadFile(a.fsys, name+e.suffix); err == nil {
			return variant{body: b, encoding: e.name, etag: a.etag(name+e.suffix, b)}, true
		}
	}
	b, err := fs.ReadFile(a.fsys, name)
	if err != nil {
		return variant{}, false
	}
	return variant{body: b, etag: a.etag(name, b)}, true
}

// hasFile reports whether name is a file of this front end (a compressed
// variant is not one: it is only ever sent in place of its original).
func (a *assets) hasFile(name string) bool {
	if isVariant(name) {
		return false
	}
	st, err := fs.Stat(a.fsys, name)
	return err == nil && !st.IsDir()
}

func isVariant(name string) bool {
	for _, e := range encodings {
		if strings.HasSuffix(name, e.suffix) {
			return true
		}
	}
	return false
}

// etag is a strong validator from the content, computed once per file (the
// embedded files never change while the process runs).
func (a *assets) etag(name string, b []byte) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if t, ok := a.etags[name]; ok {
		return t
	}
	sum := sha256.Sum256(b)
	t := `"` + hex.EncodeToString(sum[:12]) + `"`
	a.etags[name] = t
	return t
}

// accepts reports whether an Accept-Encoding header allows coding: named
// with a q-value above zero, or covered by "*" and not refused by name.
func accepts(header, coding string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		fields := strings.Split(part, ";")
		name := strings.ToLower(strings.TrimSpace(fields[0]))
		q := 1.0
		for _, param := range fields[1:] {
			k, val, found := strings.Cut(strings.TrimSpace(param), "=")
			if found && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
				if err != nil {
					f = 0
				}
				q = f
			}
		}
		switch name {
		case coding:
			return q > 0
		case "*":
			star = q > 0
		}
	}
	return star
}

// contentType is the type of the original file, whatever the encoding.
func contentType(name string) string {
	if strings.HasSuffix(name, ".webmanifest") {
		// Go's MIME table does not know the extension.
		return "application/manifest+json"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}
