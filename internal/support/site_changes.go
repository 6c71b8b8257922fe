package support

import (
	"reflect"
	"sort"

	"github.com/parley-chat/parley/internal/store"
)

// changedSiteFields names, by their API names and sorted, the fields of u
// whose value differs from the stored site: a form that sends every field
// logs only what the admin changed.
func changedSiteFields(site *store.Site, u store.SiteUpdate) []string {
	var out []string
	differs := func(field string, set bool, same bool) {
		if set && !same {
			out = append(out, field)
		}
	}
	differs("name", u.Name != nil, u.Name != nil && *u.Name == site.Name)
	differs("allowed_origins", u.AllowedOrigins != nil, u.AllowedOrigins != nil && *u.AllowedOrigins == site.AllowedOrigins)
	differs("color", u.Color != nil, u.Color != nil && *u.Color == site.Color)
	differs("greeting", u.Greeting != nil, u.Greeting != nil && *u.Greeting == site.Greeting)
	differs("away_message", u.AwayMessage != nil, u.AwayMessage != nil && *u.AwayMessage == site.AwayMessage)
	differs("time_zone", u.TimeZone != nil, u.TimeZone != nil && *u.TimeZone == site.TimeZone)
	differs("require_identity", u.RequireIdentity != nil, u.RequireIdentity != nil && *u.RequireIdentity == site.RequireIdentity)
	differs("font_family", u.FontFamily != nil, u.FontFamily != nil && *u.FontFamily == fontFamily(site))
	differs("launcher_position", u.LauncherPosition != nil, u.LauncherPosition != nil && *u.LauncherPosition == launcherPosition(site))
	if u.BusinessHours != nil {
		next := &store.Site{BusinessHours: *u.BusinessHours}
		differs("business_hours", true, reflect.DeepEqual(hours(site), hours(next)))
	}
	if u.PrechatFields != nil {
		next := &store.Site{PrechatFields: *u.PrechatFields}
		differs("prechat_fields", true, reflect.DeepEqual(prechat(site), prechat(next)))
	}
	sort.Strings(out)
	return out
}
