package httpapi

import (
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// apiCSP is the policy of everything that is not a page: JSON answers,
// health and metrics. Nothing in them may load, run or be framed.
const apiCSP = "default-src 'none'; frame-ancestors 'none'"

// hsts asks browsers to use HTTPS only for a year. It is sent only on
// requests that arrived over HTTPS, so a plain-HTTP deployment never
// locks its users out.
const hsts = "max-age=31536000"

// securityHeaders sets the headers every response carries. The pages the
// static handler serves (console, widget frame, demo) replace the
// Content-Security-Policy with their own.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Content-Security-Policy", apiCSP)
		if s.overHTTPS(c.Request()) {
			h.Set("Strict-Transport-Security", hsts)
		}
		return next(c)
	}
}

// overHTTPS reports whether the browser reached us over TLS: directly, or
// through a trusted proxy that says so in X-Forwarded-Proto.
func (s *Server) overHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !strings.EqualFold(strings.TrimSpace(r.Header.Get(echo.HeaderXForwardedProto)), "https") {
		return false
	}
	return trusted(s.cfg.TrustedProxies, r.RemoteAddr)
}

func trusted(proxies []*net.IPNet, remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	for _, n := range proxies {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// clientIP takes the peer address, or with trusted proxies the right-most
// X-Forwarded-For entry that is not one of them.
func clientIP(proxies []*net.IPNet) echo.IPExtractor {
	if len(proxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range proxies {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
