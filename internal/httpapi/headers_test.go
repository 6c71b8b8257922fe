package httpapi_test

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

func TestAPIResponsesForbidLoadingAndFraming(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	anon := srv.Client()
	tests := []struct {
		name string
		r    *testkit.Response
	}{
		{"json", admin.Raw("GET", "/api/v1/me", nil)},
		{"error envelope", anon.Raw("GET", "/api/v1/me", nil)},
		{"unknown api path", anon.Raw("GET", "/api/v1/no-such-thing", nil)},
		{"health", anon.Raw("GET", "/healthz", nil)},
		{"openapi", anon.Raw("GET", "/api/openapi.json", nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.r.Header
			if got := h.Get("Content-Security-Policy"); got != "default-src 'none'; frame-ancestors 'none'" {
				t.Errorf("CSP %q", got)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "strict-origin-when-cross-origin" {
				t.Errorf("headers %v", h)
			}
			if h.Get("Strict-Transport-Security") != "" {
				t.Errorf("HSTS over plain HTTP: %q", h.Get("Strict-Transport-Security"))
			}
			if len(h.Values("Set-Cookie")) > 0 {
				t.Errorf("cookies set: %v", h.Values("Set-Cookie"))
			}
		})
	}
}

func TestSignInSetsNoCookie(t *testing.T) {
	srv := testkit.Start(t)
	srv.Setup()
	r := srv.Client().Raw("POST", "/api/v1/auth/login", map[string]string{"login": "admin", "password": "admin-password"})
	if r.Status != http.StatusOK {
		t.Fatalf("login %d %s", r.Status, r.Body)
	}
	if c := r.Header.Values("Set-Cookie"); len(c) > 0 {
		t.Fatalf("login set cookies %v: tokens travel in headers only", c)
	}
}

func TestHSTSOnlyOverHTTPSFromATrustedProxy(t *testing.T) {
	plain := testkit.Start(t)
	proxied := testkit.Start(t, testkit.WithConfig(func(c *config.Config) {
		_, n, _ := net.ParseCIDR("127.0.0.0/8")
		c.TrustedProxies = []*net.IPNet{n}
	}))
	tests := []struct {
		name string
		srv  *testkit.Server
		hdr  []string
		want string
	}{
		{"plain http", plain, nil, ""},
		{"forwarded https from an untrusted peer", plain, []string{"X-Forwarded-Proto", "https"}, ""},
		{"forwarded https from a trusted proxy", proxied, []string{"X-Forwarded-Proto", "https"}, "max-age=31536000"},
		{"forwarded http from a trusted proxy", proxied, []string{"X-Forwarded-Proto", "http"}, ""},
		{"trusted proxy without the header", proxied, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/healthz", "/api/v1/setup", "/console/"} {
				r := tt.srv.Client().Raw("GET", path, nil, tt.hdr...)
				if got := r.Header.Get("Strict-Transport-Security"); got != tt.want {
					t.Errorf("%s: HSTS %q, want %q", path, got, tt.want)
				}
			}
		})
	}
}

// With a trusted proxy the login limit counts the client named in
// X-Forwarded-For; without one that header is ignored.
func TestForwardedForCountsOnlyFromATrustedProxy(t *testing.T) {
	limit := func(c *config.Config) { c.LoginLimitPerIP = 2 }
	tests := []struct {
		name         string
		trust        bool
		otherLimited bool
	}{
		{"untrusted peer: one shared limit", false, true},
		{"trusted proxy: a limit per client", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) {
				limit(c)
				if tt.trust {
					_, n, _ := net.ParseCIDR("127.0.0.1/32")
					c.TrustedProxies = []*net.IPNet{n}
				}
			}))
			anon := srv.Client()
			login := func(client string) int {
				return anon.Raw("POST", "/api/v1/auth/login", map[string]string{"login": "nobody", "password": "wrong password"},
					"X-Forwarded-For", client).Status
			}
			for i := 0; i < 2; i++ {
				if s := login("203.0.113.7"); s != http.StatusUnauthorized {
					t.Fatalf("attempt %d: %d", i+1, s)
				}
			}
			if s := login("203.0.113.7"); s != http.StatusTooManyRequests {
				t.Fatalf("third attempt of the same client: %d", s)
			}
			if s := login("198.51.100.9"); (s == http.StatusTooManyRequests) != tt.otherLimited {
				t.Fatalf("another client behind the proxy: %d", s)
			}
		})
	}
}

func TestPagesCarryTheirOwnPolicy(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	var open, shop struct {
		ID        int64  `json:"id"`
		PublicKey string `json:"public_key"`
	}
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Open"}, http.StatusCreated, &open)
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Shop"}, http.StatusCreated, &shop)
	admin.Do("PATCH", fmt.Sprintf("/api/v1/sites/%d", shop.ID),
		map[string]any{"allowed_origins": []string{"https://shop.example", "http://localhost:3000"}}, http.StatusOK, nil)
	host := strings.TrimPrefix(srv.URL, "http://")
	sockets := "connect-src 'self' ws://" + host + " wss://" + host + ";"
	anon := srv.Client()
	tests := []struct {
		name, path string
		want       []string
	}{
		{"console", "/console/", []string{"script-src 'self';", "frame-ancestors 'none'", "img-src 'self' data: blob:", "media-src 'self' blob:", sockets, "object-src 'none'", "manifest-src 'self'", "worker-src 'self'"}},
		{"console deep link", "/console/inbox", []string{"frame-ancestors 'none'"}},
		{"widget frame of a site with allowed origins", "/widget/frame.html?site=" + url.QueryEscape(shop.PublicKey),
			[]string{"script-src 'self';", "frame-ancestors 'self' https://shop.example http://localhost:3000;", sockets}},
		{"widget frame of a site open to every origin", "/widget/frame.html?site=" + url.QueryEscape(open.PublicKey), []string{"frame-ancestors *;"}},
		{"widget frame of no site", "/widget/frame.html?site=pk_nope", []string{"frame-ancestors 'self';"}},
		{"widget frame without a site", "/widget/frame.html", []string{"frame-ancestors 'self';"}},
		{"demo page", "/demo", []string{"script-src 'self';", "frame-src 'self'", "frame-ancestors 'none'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := anon.Raw("GET", tt.path, nil)
			csp := r.Header.Get("Content-Security-Policy")
			for _, w := range tt.want {
				if !strings.Contains(csp, w) {
					t.Errorf("CSP %q lacks %q", csp, w)
				}
			}
			if strings.Contains(csp, "'unsafe-eval'") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
				t.Errorf("CSP lets scripts run inline: %q", csp)
			}
			if r.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("no nosniff: %v", r.Header)
			}
		})
	}
	t.Run("widget loader", func(t *testing.T) {
		r := anon.Raw("GET", "/widget.js", nil)
		if csp := r.Header.Get("Content-Security-Policy"); csp != "" {
			t.Errorf("the loader is a script for any page, yet has CSP %q", csp)
		}
		if r.Header.Get("Cross-Origin-Resource-Policy") != "cross-origin" {
			t.Errorf("loader CORP %q", r.Header.Get("Cross-Origin-Resource-Policy"))
		}
	})
}
