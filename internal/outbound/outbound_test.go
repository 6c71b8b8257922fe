package outbound_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/outbound"
)

func cidrs(t *testing.T, list ...string) []*net.IPNet {
	var out []*net.IPNet
	for _, s := range list {
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// TestNamesAreCheckedAfterResolution asks for "localhost", a name and not
// an address: only what it resolves to, checked as the connection is
// dialled, can refuse it. The refusal says no more than "refused".
func TestNamesAreCheckedAfterResolution(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("Authorization") != "" {
			t.Errorf("credentials reached the server: %q", r.Header.Get("Authorization"))
		}
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	byName := "http://user:pw@localhost:" + port + "/hook"

	guarded := outbound.New(outbound.Config{})
	req, _ := http.NewRequest("GET", byName, nil)
	_, err := guarded.Do(req)
	if !errors.Is(err, outbound.ErrRefused) || outbound.Outcome(err) != "refused" || hits.Load() != 0 {
		t.Fatalf("localhost without the allow-list: %v (server hit %d times)", err, hits.Load())
	}

	allowed := outbound.New(outbound.Config{Allow: cidrs(t, "127.0.0.0/8", "::1/128")})
	req, _ = http.NewRequest("GET", byName, nil)
	resp, err := allowed.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK || hits.Load() != 1 {
		t.Fatalf("localhost with the allow-list: %v (server hit %d times)", err, hits.Load())
	}
	resp.Body.Close()

	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := closed.Addr().String()
	closed.Close()
	req, _ = http.NewRequest("GET", "http://"+addr+"/", nil)
	if _, err := allowed.Do(req); outbound.Outcome(err) != "failed" || errors.Is(err, outbound.ErrRefused) {
		t.Fatalf("closed port: %v", err)
	}
}

func TestParleysOwnURLIsRefusedEvenWhenItsAddressIsAllowed(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	c := outbound.New(outbound.Config{Allow: cidrs(t, "127.0.0.0/8"), PublicURL: srv.URL})
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/sites", nil)
	if _, err := c.Do(req); !errors.Is(err, outbound.ErrRefused) {
		t.Fatalf("request to Parley's own URL: %v", err)
	}
	if err := c.CheckURL(srv.URL + "/api/v1/sites"); err == nil {
		t.Fatal("Parley's own URL passed the creation check")
	}
}

func TestCheckURLRefusesInternalLiterals(t *testing.T) {
	c := outbound.New(outbound.Config{})
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://hooks.example.com/in", true},
		{"http://93.184.215.14/in", true},
		{"http://[2606:4700::1111]/in", true},
		{"http://127.0.0.1/in", false},
		{"http://127.1.2.3:8080/in", false},
		{"http://LOCALHOST./in", false},
		{"http://a.b.localhost/in", false},
		{"http://[::1]/in", false},
		{"http://0.0.0.0/in", false},
		{"http://[::]/in", false},
		{"http://169.254.169.254/latest/meta-data/", false},
		{"http://[fe80::1]/in", false},
		{"http://10.1.2.3/in", false},
		{"http://172.16.0.1/in", false},
		{"http://192.168.0.1/in", false},
		{"http://[fd00::1]/in", false},
		{"http://100.64.0.1/in", false},
		{"http://224.0.0.251/in", false},
		{"http://[ff02::1]/in", false},
		{"http://[::ffff:10.0.0.1]/in", false},
		{"http://[64:ff9b::7f00:1]/in", false},
		{"https://u:p@hooks.example.com/in", false},
		{"ftp://hooks.example.com/in", false},
	} {
		t.Run(tc.url, func(t *testing.T) {
			err := c.CheckURL(tc.url)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckURL(%q) = %v, want ok=%t", tc.url, err, tc.ok)
			}
			if err != nil && !errors.Is(err, outbound.ErrRefused) {
				t.Fatalf("error does not wrap ErrRefused: %v", err)
			}
		})
	}
}

// TestCheckEndpointNamesTheCallersField: whoever saves a URL (a webhook,
// a bot, an automation action) gets the URL as stored, or a 400 naming
// the field they call it by.
func TestCheckEndpointNamesTheCallersField(t *testing.T) {
	c := outbound.New(outbound.Config{})
	got, err := c.CheckEndpoint("url", "  https://hooks.example.com/in?x=1 ")
	if err != nil || got != "https://hooks.example.com/in?x=1" {
		t.Fatalf("public URL: %q, %v", got, err)
	}
	for _, raw := range []string{
		"", "hooks.example.com/in", "ftp://hooks.example.com/in", "https://" + strings.Repeat("a", 2000) + ".example",
		"https://u:p@hooks.example.com/in", "http://127.0.0.1:9/in", "http://localhost/in",
	} {
		_, err := c.CheckEndpoint("actions[2].url", raw)
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid || e.Details["actions[2].url"] == "" || len(e.Details) != 1 {
			t.Errorf("CheckEndpoint(%q) = %v, want a 400 naming actions[2].url", raw, err)
		}
	}
}

// TestRedirectsStayOnTheirHostAndDropCredentials follows a same-host
// redirect and refuses one to another host before dialling it.
func TestRedirectsStayOnTheirHostAndDropCredentials(t *testing.T) {
	var away atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { away.Add(1) }))
	defer other.Close()
	otherURL, _ := url.Parse(other.URL)
	_, otherPort, _ := net.SplitHostPort(otherURL.Host)
	mux := http.NewServeMux()
	mux.HandleFunc("/here", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/there", http.StatusFound) })
	mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://localhost:"+otherPort+"/", http.StatusFound)
	})
	mux.HandleFunc("/there", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" || strings.Contains(r.URL.String(), "@") {
			t.Errorf("credentials followed the redirect")
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := outbound.New(outbound.Config{Allow: cidrs(t, "127.0.0.0/8", "::1/128")})
	withCreds := strings.Replace(srv.URL, "http://", "http://u:p@", 1)

	req, _ := http.NewRequest("GET", withCreds+"/here", nil)
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/there" {
		t.Fatalf("same-host redirect: %v", err)
	}
	resp.Body.Close()
	req, _ = http.NewRequest("GET", srv.URL+"/away", nil)
	if _, err := c.Do(req); !errors.Is(err, outbound.ErrRefused) || away.Load() != 0 {
		t.Fatalf("redirect to another host: %v (reached %d times)", err, away.Load())
	}
}
