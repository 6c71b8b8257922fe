// Package web serves the built front ends (the console at /console/ with
// its service worker at /sw.js and web app manifest at
// /manifest.webmanifest, the widget loader at /widget.js and its frame
// under /widget/) and the demo page at /demo that embeds the widget like a
// customer's site would.
package web

import (
	"bytes"
	"context"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// Handler serves the static front ends.
type Handler struct {
	console *assets
	widget  *assets
	demoKey DemoKey
	framers FrameAncestors
	started time.Time
}

// FrameAncestors gives the origins that may frame the widget of the site
// with this public key (ok false when there is no such site; an empty list
// when the site accepts every origin).
type FrameAncestors func(ctx context.Context, siteKey string) (origins []string, ok bool)

// DemoKey gives the public key of the site the demo page embeds: the one
// chosen by ?site= (an id or a public key), or the first site; "" when
// there is no such site.
type DemoKey func(ctx context.Context, choice string) string

// New returns the handler. console and widget are the dist folders;
// demoKey finds the site the demo page embeds (nil: none);
// framers looks up who may frame a site's widget (nil: only Parley itself).
func New(consoleDist, widgetDist fs.FS, demoKey DemoKey, framers FrameAncestors) *Handler {
	return &Handler{console: newAssets(consoleDist), widget: newAssets(widgetDist), demoKey: demoKey, framers: framers, started: time.Now()}
}

// ServeHTTP routes a GET or HEAD by path.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/":
		http.Redirect(w, r, "/console/", http.StatusFound)
	case p == "/console":
		http.Redirect(w, r, "/console/", http.StatusMovedPermanently)
	case p == "/sw.js":
		// The console's service worker sits at the root so that its scope
		// covers every page of this origin; browsers check it for updates on
		// each navigation, so it is never cached.
		w.Header().Set("Content-Security-Policy", consoleCSP(r))
		h.serveFile(w, r, h.console, "sw.js", "no-cache")
	case p == "/manifest.webmanifest":
		h.serveFile(w, r, h.console, "manifest.webmanifest", "no-cache")
	case p == "/favicon.ico":
		// Browsers ask for it on every origin whatever the page links.
		h.serveFile(w, r, h.console, "favicon.ico", "public, max-age=86400")
	case strings.HasPrefix(p, "/console/"):
		w.Header().Set("Content-Security-Policy", consoleCSP(r))
		h.serveSPA(w, r, h.console, strings.TrimPrefix(p, "/console/"))
	case p == "/widget.js":
		// A script that host pages of any origin load: no page policy,
		// and readable cross-origin even by pages that require CORP.
		w.Header().Del("Content-Security-Policy")
		w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
		// The loader's URL never changes, so browsers revalidate it (a
		// 304 by its ETag while it is unchanged).
		h.serveFile(w, r, h.widget, "widget.js", "no-cache")
	case p == "/widget/frame.html":
		w.Header().Set("Content-Security-Policy", frameCSP(r, h.frameAncestors(r)))
		h.serveFile(w, r, h.widget, "frame.html", "no-cache")
	case strings.HasPrefix(p, "/widget/"):
		h.serveFile(w, r, h.widget, strings.TrimPrefix(p, "/widget/"), cacheFor(p))
	case p == "/demo":
		w.Header().Set("Content-Security-Policy", demoCSP(r))
		h.serveDemo(w, r)
	default:
		http.NotFound(w, r)
	}
}

// serveSPA serves a file of the console, or its index.html for any path
// that is not a file, so deep links work.
func (h *Handler) serveSPA(w http.ResponseWriter, r *http.Request, site *assets, name string) {
	if isVariant(name) {
		http.NotFound(w, r)
		return
	}
	if name != "" && site.hasFile(name) {
		h.serveFile(w, r, site, name, cacheFor(name))
		return
	}
	if !site.hasFile("index.html") {
		notBuilt(w, "agent-console")
		return
	}
	h.serveFile(w, r, site, "index.html", "no-cache")
}

// serveFile sends a file of a front end in the best encoding the client
// accepts (see assets.open), with a Content-Length and an ETag of that
// encoding. Ranges are served on the identity encoding only.
func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, site *assets, name, cache string) {
	name = path.Clean("/" + name)[1:]
	if isVariant(name) {
		http.NotFound(w, r)
		return
	}
	v, ok := site.open(name, r.Header.Get("Accept-Encoding"))
	if !ok {
		if name == "widget.js" || name == "index.html" {
			notBuilt(w, "widget")
			return
		}
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	if cache != "" {
		hdr.Set("Cache-Control", cache)
	}
	hdr.Set("Content-Type", contentType(name))
	hdr.Set("Vary", "Accept-Encoding")
	hdr.Set("ETag", v.etag)
	if v.encoding == "" {
		http.ServeContent(w, r, name, h.started, bytes.NewReader(v.body))
		return
	}
	if etagMatches(r.Header.Get("If-None-Match"), v.etag) {
		hdr.Del("Content-Type")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Encoding", v.encoding)
	hdr.Set("Content-Length", strconv.Itoa(len(v.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(v.body)
	}
}

// etagMatches is If-None-Match's weak comparison against etag.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// cacheFor gives hashed build assets a long cache and everything else none.
func cacheFor(p string) string {
	if strings.Contains(p, "/assets/") || strings.HasPrefix(p, "assets/") {
		return "public, max-age=31536000, immutable"
	}
	return "no-cache"
}

func notBuilt(w http.ResponseWriter, what string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte("The " + what + " front end is not built into this binary. Build with `make build` (or `make run`).\n"))
}

var demoPage = template.Must(template.New("demo").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley demo site</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#1f2937}
code,pre{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}pre{padding:1rem;overflow:auto}</style></head>
<body><main><h1>Acme Inc. — a demo host page</h1>
<p>This page stands for any website that embeds the Parley widget with one line:</p>
{{if .Key}}<pre tabindex="0">&lt;script src="{{.Origin}}/widget.js" data-site="{{.Key}}" async&gt;&lt;/script&gt;</pre>
<p id="demo-state">The launcher in the corner opens a chat with this site's support team. Send a message and answer it from the <a href="/console/#/inbox">console's Inbox</a>.</p>
<p>Another site: add <code>?site=</code> and its id or public key to this page's address.</p>
<script src="/widget.js" data-site="{{.Key}}" async></script>
{{else if .Choice}}<p id="demo-state">No site has the id or public key “{{.Choice}}”. The sites and their keys are listed in the <a href="/console/#/admin/sites">console, under Admin → Sites</a>; <a href="/demo">this page without a choice</a> embeds the first site.</p>
{{else}}<p id="demo-state">No support site exists yet. To create one, sign in to the <a href="/console/#/admin/sites">console as an admin, open Admin → Sites and add a site</a>; then reload this page: it embeds the first site.</p>{{end}}
</main></body></html>`))

func (h *Handler) serveDemo(w http.ResponseWriter, r *http.Request) {
	choice := strings.TrimSpace(r.URL.Query().Get("site"))
	if len(choice) > 100 {
		choice = choice[:100]
	}
	key := ""
	if h.demoKey != nil {
		key = h.demoKey(r.Context(), choice)
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_ = demoPage.Execute(w, map[string]string{"Key": key, "Choice": choice, "Origin": scheme + "://" + r.Host})
}
