package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestInstallableAppFiles(t *testing.T) {
	console := fstest.MapFS{
		"index.html":           {Data: []byte("<!doctype html><title>Parley</title>")},
		"sw.js":                {Data: []byte("self.addEventListener('fetch', () => {})")},
		"manifest.webmanifest": {Data: []byte(`{"name":"Parley"}`)},
		"assets/app-1a2b.js":   {Data: []byte("console.log(1)")},
	}
	h := New(console, fstest.MapFS{}, nil, nil)
	tests := []struct {
		name, path, contentType, cache string
		body                           string
	}{
		{"service worker at the root", "/sw.js", "javascript", "no-cache", "addEventListener"},
		{"manifest at the root", "/manifest.webmanifest", "application/manifest+json", "no-cache", `"Parley"`},
		{"manifest under the console", "/console/manifest.webmanifest", "application/manifest+json", "no-cache", `"Parley"`},
		{"hashed asset", "/console/assets/app-1a2b.js", "javascript", "immutable", "console.log"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.Contains(ct, tt.contentType) {
				t.Errorf("Content-Type %q, want %q", ct, tt.contentType)
			}
			if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, tt.cache) {
				t.Errorf("Cache-Control %q, want %q", cc, tt.cache)
			}
			if !strings.Contains(rec.Body.String(), tt.body) {
				t.Errorf("body %q", rec.Body.String())
			}
		})
	}
	t.Run("console policy allows its manifest and worker", func(t *testing.T) {
		for _, p := range []string{"/console/", "/sw.js"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
			csp := rec.Header().Get("Content-Security-Policy")
			for _, want := range []string{"manifest-src 'self'", "worker-src 'self'", "script-src 'self';"} {
				if !strings.Contains(csp, want) {
					t.Errorf("%s: CSP %q lacks %q", p, csp, want)
				}
			}
		}
	})
	t.Run("no worker before the console is built", func(t *testing.T) {
		rec := httptest.NewRecorder()
		New(fstest.MapFS{}, fstest.MapFS{}, nil, nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/sw.js", nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("status %d, want 404", rec.Code)
		}
	})
}
