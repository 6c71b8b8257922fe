// Package outbound is the one HTTP client for every request Parley makes
// to a URL someone typed (webhooks now; push endpoints and bots later). It
// keeps those requests out of the network Parley runs in: each address is
// checked after DNS resolution, when the connection is dialled, so a name
// that resolves inside (or re-resolves there later) is refused; redirects
// stay on their host; credentials never leave in a URL; and errors say
// only "refused" or "failed", never why a port is closed.
package outbound

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/parley-chat/parley/internal/errs"
)

// ErrRefused is returned (wrapped) when a request would reach an address
// or host Parley keeps requests away from.
var ErrRefused = errors.New("outbound: destination refused")

// maxRedirects is how many same-host redirects a request may follow.
const maxRedirects = 5

// Client makes outbound requests. Build it once with New and share it.
type Client struct {
	allow []netip.Prefix
	self  map[string]bool // host:port of Parley's own public URL
	http  *http.Client
}

// Config is what the client needs of the deployment's settings.
type Config struct {
	// Allow lists the internal ranges the operator lets requests reach
	// (PARLEY_OUTBOUND_ALLOW); everything public is reachable anyway.
	Allow []*net.IPNet
	// PublicURL is Parley's own URL: requests to it are refused even when
	// its addresses are allowed, so nobody drives Parley's API through it.
	PublicURL string
	// Timeout bounds a whole request, redirects included.
	Timeout time.Duration
}

// New builds the client.
func New(cfg Config) *Client {
	c := &Client{self: map[string]bool{}}
	for _, n := range cfg.Allow {
		if p, ok := prefixOf(n); ok {
			c.allow = append(c.allow, p)
		}
	}
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Host != "" {
		c.self[hostPort(u)] = true
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: c.control}
	transport := &http.Transport{
		// No proxy from the environment: the address check is on what is
		// dialled, and a proxy would dial for us, unchecked.
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	c.http = &http.Client{Transport: transport, Timeout: timeout, CheckRedirect: c.checkRedirect}
	return c
}

// Do sends req after checking its URL. Credentials in the URL are
// dropped, not sent. Every error it returns wraps ErrRefused or ErrFailed.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if err := c.checkHost(req.URL); err != nil {
		return nil, err
	}
	req.URL.User = nil
	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, ErrRefused) {
			return nil, fmt.Errorf("%w: %w", ErrRefused, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrFailed, err)
	}
	return resp, nil
}

// ErrFailed is returned (wrapped) when an allowed destination could not be
// reached or did not answer.
var ErrFailed = errors.New("outbound: request failed")

// Outcome is what may be told about a failed request to whoever typed its
// URL: "refused" or "failed", never the dial error's text.
func Outcome(err error) string {
	if errors.Is(err, ErrRefused) {
		return "refused"
	}
	return "failed"
}

// CheckURL tells, before a URL is stored, whether it may ever be
// requested: http(s), no credentials, not Parley itself, and no literal
// host that is obviously internal (an IP outside the allow-list, or
// localhost). Names are checked again, resolved, at each request.
func (c *Client) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return fmt.Errorf("%w: not an http(s) URL", ErrRefused)
	}
	if u.User != nil {
		return fmt.Errorf("%w: credentials in the URL", ErrRefused)
	}
	if err := c.checkHost(u); err != nil {
		return err
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		if !c.allowed(netip.AddrFrom4([4]byte{127, 0, 0, 1})) {
			return fmt.Errorf("%w: localhost", ErrRefused)
		}
	}
	if a, err := netip.ParseAddr(host); err == nil && !c.allowed(a.Unmap()) {
		return fmt.Errorf("%w: internal address %s", ErrRefused, a)
	}
	return nil
}

// maxEndpoint bounds the length of a URL people give Parley to call.
const maxEndpoint = 2000

// CheckEndpoint checks, when it is saved, a URL people give Parley to call
// (a webhook, a bot's webhook, an automation rule's send_webhook) and
// returns it as it is to be stored. Refusals are 400s naming field, the
// caller's name for the URL (url, webhook_url, actions[0].url), so every
// form says the same thing about the same mistake.
func (c *Client) CheckEndpoint(field, raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(raw) > maxEndpoint {
		return "", errs.Field(field, "an http(s) URL")
	}
	if u.User != nil {
		return "", errs.Field(field, "must not carry a user name or password: authenticate Parley's requests by their signature")
	}
	if c.CheckURL(u.String()) != nil {
		return "", errs.Field(field, "must reach a public address: loopback, private, link-local, multicast and unspecified addresses, localhost and Parley's own URL are refused unless PARLEY_OUTBOUND_ALLOW lists them")
	}
	return u.String(), nil
}

// Listed reports whether raw's host is a literal IP address inside the
// operator's allow-list: an internal service PARLEY_OUTBOUND_ALLOW names
// on purpose, which may then be reached over plain http where a public
// host is asked for https.
func (c *Client) Listed(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(u.Hostname())
	if err != nil {
		return false
	}
	for _, p := range c.allow {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// checkHost refuses Parley's own public URL.
func (c *Client) checkHost(u *url.URL) error {
	if c.self[hostPort(u)] {
		return fmt.Errorf("%w: Parley's own URL", ErrRefused)
	}
	return nil
}

// checkRedirect keeps redirects on the first request's host, and never
// on Parley's own.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return fmt.Errorf("%w: more than %d redirects", ErrRefused, maxRedirects)
	}
	if !strings.EqualFold(req.URL.Hostname(), via[0].URL.Hostname()) {
		return fmt.Errorf("%w: redirect to another host", ErrRefused)
	}
	if err := c.checkHost(req.URL); err != nil {
		return err
	}
	req.URL.User = nil
	return nil
}

// control runs after DNS resolution, right before each connection is
// made: address is the IP that will really be dialled.
func (c *Client) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unparsable address", ErrRefused)
	}
	if !c.allowed(ap.Addr().Unmap()) {
		return fmt.Errorf("%w: internal address", ErrRefused)
	}
	return nil
}

// allowed tells whether a may be reached: any public unicast address, or
// an internal one inside the operator's allow-list.
func (c *Client) allowed(a netip.Addr) bool {
	for _, p := range c.allow {
		if p.Contains(a) {
			return true
		}
	}
	return !internal(a)
}

// internal reports addresses of this host or its network: loopback,
// private (RFC 1918, fc00::/7), link-local (cloud metadata lives there),
// multicast and unspecified, plus the ranges never routed on the internet
// (0.0.0.0/8, carrier-grade NAT, benchmarking, reserved) and NAT64, which
// could carry any IPv4 address. IPv4-mapped IPv6 is judged by its IPv4.
func internal(a netip.Addr) bool {
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return true
	}
	for _, p := range reserved {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

var reserved = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

func prefixOf(n *net.IPNet) (netip.Prefix, bool) {
	a, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ones, _ := n.Mask.Size()
	if a.Is4In6() {
		a = a.Unmap()
		if ones >= 96 {
			ones -= 96
		}
	}
	return netip.PrefixFrom(a, ones).Masked(), true
}

// hostPort is u's lower-case host with its port, the scheme's default
// when none is written.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return net.JoinHostPort(strings.TrimSuffix(strings.ToLower(u.Hostname()), "."), port)
}
