package web

import (
	"net/http"
	"net/url"
	"strings"
)

// Content-Security-Policy of the pages Parley serves. Scripts and styles
// come only from this server; sockets go back to it. Styles allow inline
// attributes because the front ends set colours (the site's brand) at run
// time; scripts never run inline.

// consoleCSP: the console is never framed. Images may also come from any
// HTTPS host because avatars (users' and groups') may be external URLs.
// Its manifest and service worker come only from this server.
func consoleCSP(r *http.Request) string {
	return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https:; " +
		"media-src 'self' blob:; connect-src 'self' " + sockets(r) + "; manifest-src 'self'; worker-src 'self'; " +
		"object-src 'none'; frame-ancestors 'none'; " +
		"base-uri 'self'; form-action 'self'"
}

// frameCSP: the widget's frame may be framed by the site's allowed
// origins (any origin when the site lists none) and by Parley itself
// (the demo page).
func frameCSP(r *http.Request, ancestors string) string {
	return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
		"media-src 'self' blob:; connect-src 'self' " + sockets(r) + "; object-src 'none'; frame-ancestors " + ancestors + "; " +
		"base-uri 'self'; form-action 'self'"
}

// demoCSP: the demo page runs only the widget loader, which injects its
// frame and a style element.
func demoCSP(r *http.Request) string {
	return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
		"frame-src 'self'; connect-src 'self' " + sockets(r) + "; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
}

// sockets names the WebSocket origins of this server, as the browser
// reached it (older CSP implementations don't let 'self' cover ws:).
func sockets(r *http.Request) string {
	host := r.Host
	if host == "" || strings.ContainsAny(host, " ;,'\"") {
		return ""
	}
	return "ws://" + host + " wss://" + host
}

// frameAncestors is the frame-ancestors source list for the frame URL's
// ?site= key.
func (h *Handler) frameAncestors(r *http.Request) string {
	if h.framers == nil {
		return "'self'"
	}
	origins, ok := h.framers(r.Context(), r.URL.Query().Get("site"))
	if !ok {
		return "'self'"
	}
	if len(origins) == 0 {
		return "*"
	}
	list := []string{"'self'"}
	for _, o := range origins {
		if u, err := url.Parse(o); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
			!strings.ContainsAny(u.Host, " ;,'\"") {
			list = append(list, u.Scheme+"://"+u.Host)
		}
	}
	return strings.Join(list, " ")
}
