package support

import (
	"sync"
	"time"

	"github.com/parley-chat/parley/internal/store"
)

// WidgetSiteTTL is how long a node answers a site's public widget settings
// from memory. A change made on this node shows at once (it forgets them);
// one made on another node shows here within the TTL, well inside the
// minute browsers are told to cache them for.
const WidgetSiteTTL = 10 * time.Second

// maxCachedSites bounds the cache: only keys of existing sites are kept,
// and past this many the cache starts again empty.
const maxCachedSites = 2000

// siteCache keeps, per public key, a site and its computed widget settings
// for a short while, so that a flood of page loads does not reach the
// database. It is shared by the services built on the same Rules.
type siteCache struct {
	mu      sync.Mutex
	entries map[string]cachedSite
}

type cachedSite struct {
	site *store.Site
	view *WidgetSite
	at   time.Time
}

func newSiteCache() *siteCache {
	return &siteCache{entries: map[string]cachedSite{}}
}

// get returns the settings stored for key within the TTL.
func (c *siteCache) get(key string, now time.Time) (*store.Site, *WidgetSite, bool) {
	if c == nil {
		return nil, nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || now.Sub(e.at) >= WidgetSiteTTL || now.Before(e.at) {
		return nil, nil, false
	}
	return e.site, e.view, true
}

func (c *siteCache) put(key string, site *store.Site, view *WidgetSite, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCachedSites {
		c.entries = map[string]cachedSite{}
	}
	c.entries[key] = cachedSite{site: site, view: view, at: now}
}

// forget drops everything: after a change of any site or queue, which is
// rare enough that reading the others again costs nothing.
func (c *siteCache) forget() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = map[string]cachedSite{}
}
