package support

import (
	"context"
	"strconv"
	"strings"
)

// DemoSiteKey gives the public key of the site the demo page embeds: the
// one named by choice (its id or public key) or, with no choice, the first
// site created. It returns "" when there is no such site.
func (s *Sites) DemoSiteKey(ctx context.Context, choice string) string {
	choice = strings.TrimSpace(choice)
	if choice != "" {
		if id, err := strconv.ParseInt(choice, 10, 64); err == nil && id > 0 {
			if site, err := s.store.SiteByID(ctx, id); err == nil {
				return site.PublicKey
			}
		}
		if site, err := s.store.SiteByPublicKey(ctx, choice); err == nil {
			return site.PublicKey
		}
		return ""
	}
	site, err := s.store.FirstSite(ctx)
	if err != nil {
		return ""
	}
	return site.PublicKey
}
