package support

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/audit"
	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// Sites manages the sites that embed the widget: their settings,
// secrets, business hours, pre-chat form, and queues with their agents
// (admins; agents of a site read it).
type Sites struct {
	shared
	routing *Routing
}

// NewSites builds the site management; routing gives an agent put in a
// queue the conversations waiting there.
func NewSites(rules *Rules, routing *Routing) *Sites {
	return &Sites{shared: rules.shared, routing: routing}
}

// PrechatField is one field of the form a visitor fills before chatting.
type PrechatField struct {
	Name     string `json:"name"`
	Label    string `json:"label"`
	Type     string `json:"type"` // text | email
	Required bool   `json:"required"`
}

// BusinessHours are the opening hours per weekday ("mon".."sun") as
// "HH:MM-HH:MM" ranges in the site's time zone; no entry means closed.
// An empty map means always open.
type BusinessHours map[string][]string

// Site is a site as its admins see it.
type Site struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	PublicKey string `json:"public_key"`
	Secret    string `json:"secret,omitempty"`
	// PreviousSecretUntil is when the secret replaced by the last
	// rotation stops verifying (admins only; absent when none does).
	PreviousSecretUntil *time.Time     `json:"previous_secret_until,omitempty"`
	AllowedOrigins      []string       `json:"allowed_origins"`
	Color               string         `json:"color"`
	Greeting            string         `json:"greeting"`
	AwayMessage         string         `json:"away_message"`
	BusinessHours       BusinessHours  `json:"business_hours"`
	TimeZone            string         `json:"time_zone"`
	PrechatFields       []PrechatField `json:"prechat_fields"`
	RequireIdentity     bool           `json:"require_identity"`
	FontFamily          string         `json:"font_family"`
	LauncherPosition    string         `json:"launcher_position"`
	Snippet             string         `json:"snippet"`
	Queues              []Queue        `json:"queues"`
	CreatedAt           time.Time      `json:"created_at"`
}

// Queue is a queue of a site.
type Queue struct {
	ID             int64  `json:"id"`
	SiteID         int64  `json:"site_id"`
	Name           string `json:"name"`
	IsDefault      bool   `json:"is_default"`
	AssignTimeoutS int    `json:"assign_timeout_s"`
	// Service-level targets in seconds; null: none.
	FirstResponseTargetS *int         `json:"first_response_target_s"`
	ResolutionTargetS    *int         `json:"resolution_target_s"`
	TeamID               *int64       `json:"team_id"`
	BotID                *int64       `json:"bot_id"` // a bot that answers first
	Agents               []QueueAgent `json:"agents,omitempty"`
}

// QueueAgent is an agent of a queue.
type QueueAgent struct {
	UserID   int64  `json:"user_id"`
	Name     string `json:"name"`
	Capacity int    `json:"capacity"`
	Status   string `json:"status"` // online | away | offline, as the agent chose
	// Load counts the conversations assigned to the agent now, in every
	// queue: with Capacity it tells whether a transfer would overload them.
	Load int `json:"load"`
	// Connected tells whether the agent has a console open now.
	Connected bool `json:"connected"`
}

// SitePatch changes a site; nil fields stay.
type SitePatch struct {
	Name            *string         `json:"name"`
	AllowedOrigins  *[]string       `json:"allowed_origins"`
	Color           *string         `json:"color"`
	Greeting        *string         `json:"greeting"`
	AwayMessage     *string         `json:"away_message"`
	BusinessHours   *BusinessHours  `json:"business_hours"`
	TimeZone        *string         `json:"time_zone"`
	PrechatFields   *[]PrechatField `json:"prechat_fields"`
	RequireIdentity *bool           `json:"require_identity"`
	// FontFamily is one of FontFamilies, never free CSS.
	FontFamily *string `json:"font_family"`
	// LauncherPosition is right or left; a snippet's data-position wins.
	LauncherPosition *string `json:"launcher_position"`
}

// FontFamilies are the font stacks a site's widget may use.
var FontFamilies = []string{"system", "sans", "serif", "rounded", "mono"}

// LauncherPositions are the sides of the page the launcher may sit on.
var LauncherPositions = []string{"right", "left"}

var (
	errNeedAdmin = errs.R(errs.Forbidden, "forbidden", "only admins manage sites")
	errNoSite    = errs.R(errs.NotFound, "site_not_found", "no such site")
	colorRE      = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	hoursRE      = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$`)
	shortcutRE   = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)
)

func randomKey(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// CreateSite creates a site with a default queue (admins only).
func (s *Sites) CreateSite(ctx context.Context, actor auth.Identity, name string) (*Site, error) {
	if !actor.IsAdmin() {
		return nil, errNeedAdmin
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 64 {
		return nil, errs.Field("name", "1 to 64 characters")
	}
	now := s.now()
	site := &store.Site{
		Name: name, PublicKey: randomKey("pk_", 12), Secret: randomKey("sk_", 24), Color: "#4f46e5",
		Greeting: "Hi! How can we help?", AwayMessage: "We're away right now. Leave your e-mail and we'll get back to you.",
		TimeZone: "UTC", FontFamily: "system", LauncherPosition: "right", CreatedAt: now, UpdatedAt: now,
	}
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.CreateSite(ctx, site); err != nil {
			return err
		}
		if err := tx.CreateQueue(ctx, &store.Queue{SiteID: site.ID, Name: "Support", IsDefault: true, AssignTimeoutS: 120, CreatedAt: now}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.ID, "site.create", "site", site.ID, map[string]any{"name": name})
	})
	if err != nil {
		return nil, errs.Wrap(err, "create site")
	}
	return s.siteView(ctx, site, true)
}

// GetSite returns a site to an admin (with its secret) or to one of its
// agents (without).
func (s *Sites) GetSite(ctx context.Context, actor auth.Identity, id int64) (*Site, error) {
	site, err := siteForStaff(ctx, s.store, actor, id)
	if err != nil {
		return nil, err
	}
	return s.siteView(ctx, site, actor.IsAdmin())
}

// ListSites returns every site to admins, and to agents the sites they serve.
func (s *Sites) ListSites(ctx context.Context, actor auth.Identity) ([]Site, error) {
	sites, err := s.store.Sites(ctx)
	if err != nil {
		return nil, errs.Wrap(err, "list sites")
	}
	out := []Site{}
	for i := range sites {
		if !actor.IsAdmin() {
			if ok, _ := s.store.IsSiteAgent(ctx, sites[i].ID, actor.ID); !ok {
				continue
			}
		}
		v, err := s.siteView(ctx, &sites[i], actor.IsAdmin())
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, nil
}

// UpdateSite changes a site's settings (admins only).
func (s *Sites) UpdateSite(ctx context.Context, actor auth.Identity, id int64, p SitePatch) (*Site, error) {
	// The widget's public settings show the change at once on this node.
	defer s.sites.forget()
	if !actor.IsAdmin() {
		return nil, errNeedAdmin
	}
	var u store.SiteUpdate
	if p.Name != nil {
		n := strings.TrimSpace(*p.Name)
		if n == "" || utf8.RuneCountInString(n) > 64 {
			return nil, errs.Field("name", "1 to 64 characters")
		}
		u.Name = &n
	}
	if p.AllowedOrigins != nil {
		var origins []string
		for _, o := range *p.AllowedOrigins {
			u, err := url.Parse(strings.TrimSpace(o))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
				return nil, errs.Fieldf("allowed_origins", "%q is not an origin such as https://www.example.com", o)
			}
			origins = append(origins, strings.ToLower(u.Scheme+"://"+u.Host))
		}
		u.AllowedOrigins = new(strings.Join(origins, "\n"))
	}
	if p.Color != nil {
		if !colorRE.MatchString(*p.Color) {
			return nil, errs.Field("color", "a colour such as #4f46e5")
		}
		u.Color = p.Color
	}
	for _, t := range []struct {
		field string
		in    *string
		out   **string
	}{{"greeting", p.Greeting, &u.Greeting}, {"away_message", p.AwayMessage, &u.AwayMessage}} {
		if t.in != nil {
			if utf8.RuneCountInString(*t.in) > 500 {
				return nil, errs.Field(t.field, "at most 500 characters")
			}
			*t.out = new(strings.TrimSpace(*t.in))
		}
	}
	if p.TimeZone != nil {
		if _, err := time.LoadLocation(*p.TimeZone); err != nil || *p.TimeZone == "" {
			return nil, errs.Field("time_zone", "an IANA time zone such as Europe/Paris")
		}
		u.TimeZone = p.TimeZone
	}
	if p.BusinessHours != nil {
		for day, ranges := range *p.BusinessHours {
			if !strings.Contains("mon tue wed thu fri sat sun", day) || len(day) != 3 {
				return nil, errs.Fieldf("business_hours", "unknown day %q (use mon..sun)", day)
			}
			for _, r := range ranges {
				if !hoursRE.MatchString(r) {
					return nil, errs.Fieldf("business_hours", "%q is not a range such as 09:00-17:30", r)
				}
			}
		}
		b, _ := json.Marshal(p.BusinessHours)
		u.BusinessHours = new(string(b))
	}
	if p.PrechatFields != nil {
		for _, f := range *p.PrechatFields {
			if !shortcutRE.MatchString(f.Name) || (f.Type != "text" && f.Type != "email") || f.Label == "" {
				return nil, errs.Field("prechat_fields", "each field needs a name (a-z0-9_-), a label and a type (text or email)")
			}
		}
		b, _ := json.Marshal(p.PrechatFields)
		u.PrechatFields = new(string(b))
	}
	if p.RequireIdentity != nil {
		u.RequireIdentity = p.RequireIdentity
	}
	if p.FontFamily != nil {
		if !slices.Contains(FontFamilies, *p.FontFamily) {
			return nil, errs.Field("font_family", "one of system, sans, serif, rounded, mono")
		}
		u.FontFamily = p.FontFamily
	}
	if p.LauncherPosition != nil {
		if !slices.Contains(LauncherPositions, *p.LauncherPosition) {
			return nil, errs.Field("launcher_position", "right or left")
		}
		u.LauncherPosition = p.LauncherPosition
	}
	current, err := s.store.SiteByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSite
	}
	if err != nil {
		return nil, errs.Wrap(err, "load site")
	}
	// The log lists only what differs from the stored site, by API names.
	if changed := changedSiteFields(current, u); len(changed) > 0 {
		err := s.store.Tx(ctx, func(tx *store.Store) error {
			if err := tx.UpdateSite(ctx, id, u); err != nil {
				return err
			}
			return audit.Record(ctx, tx, actor.ID, "site.update", "site", id, map[string]any{"fields": changed})
		})
		if err != nil {
			return nil, errs.Wrap(err, "update site")
		}
	}
	return s.GetSite(ctx, actor, id)
}

// RotateSecret gives a site a new secret. Identity tokens and event API
// requests signed with the old one keep verifying for the configured grace
// period (SiteSecretGrace), so the host backend can switch without
// downtime; a secret older than the previous one stops at once.
func (s *Sites) RotateSecret(ctx context.Context, actor auth.Identity, id int64) (*Site, error) {
	if !actor.IsAdmin() {
		return nil, errNeedAdmin
	}
	site, err := s.store.SiteByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSite
	}
	if err != nil {
		return nil, errs.Wrap(err, "load site")
	}
	until := s.now().Add(s.cfg.SiteSecretGrace)
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.UpdateSite(ctx, id, store.SiteUpdate{
			Secret: new(randomKey("sk_", 24)), PreviousSecret: &site.Secret, PreviousSecretUntil: &until,
		}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.ID, "site.secret_rotate", "site", id, nil)
	})
	if err != nil {
		return nil, errs.Wrap(err, "rotate secret")
	}
	return s.GetSite(ctx, actor, id)
}

// DeleteSite removes a site with its queues, visitors, canned responses and
// webhooks (admins only). A site that has had support conversations keeps
// its history for reports and cannot be deleted. Errors: 403, 404
// site_not_found, 409 site_has_conversations.
func (s *Sites) DeleteSite(ctx context.Context, actor auth.Identity, id int64) error {
	// The widget's public settings show the change at once on this node.
	defer s.sites.forget()
	if !actor.IsAdmin() {
		return errNeedAdmin
	}
	return s.store.Tx(ctx, func(tx *store.Store) error {
		site, err := tx.SiteByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNoSite
		}
		if err != nil {
			return errs.Wrap(err, "load site")
		}
		n, err := tx.CountSiteConversations(ctx, id)
		if err != nil {
			return errs.Wrap(err, "count conversations")
		}
		if n > 0 {
			return errs.R(errs.Conflict, "site_has_conversations", "this site has support conversations; their history is kept, so it cannot be deleted")
		}
		if err := tx.DeleteSite(ctx, id); err != nil {
			return errs.Wrap(err, "delete site")
		}
		return audit.Record(ctx, tx, actor.ID, "site.delete", "site", id, map[string]any{"name": site.Name})
	})
}

func (s *Sites) siteView(ctx context.Context, site *store.Site, withSecret bool) (*Site, error) {
	v := &Site{
		ID: site.ID, Name: site.Name, PublicKey: site.PublicKey, Color: site.Color, Greeting: site.Greeting,
		AwayMessage: site.AwayMessage, TimeZone: site.TimeZone, RequireIdentity: site.RequireIdentity,
		AllowedOrigins: origins(site), BusinessHours: hours(site), PrechatFields: prechat(site), CreatedAt: site.CreatedAt,
		FontFamily: fontFamily(site), LauncherPosition: launcherPosition(site),
		Snippet: fmt.Sprintf(`<script src="%s/widget.js" data-site="%s" async></script>`, s.cfg.PublicURL, html.EscapeString(site.PublicKey)),
		Queues:  []Queue{},
	}
	if withSecret {
		v.Secret = site.Secret
		if site.PreviousSecretUntil != nil && site.PreviousSecretUntil.After(s.now()) {
			v.PreviousSecretUntil = site.PreviousSecretUntil
		}
	}
	queues, err := s.store.QueuesOfSite(ctx, site.ID)
	if err != nil {
		return nil, errs.Wrap(err, "load queues")
	}
	for i := range queues {
		qv, err := s.queueView(ctx, &queues[i])
		if err != nil {
			return nil, err
		}
		v.Queues = append(v.Queues, *qv)
	}
	return v, nil
}

// queueView shows a queue with its agents ([] when it has none).
func (s *Sites) queueView(ctx context.Context, q *store.Queue) (*Queue, error) {
	qv := &Queue{ID: q.ID, SiteID: q.SiteID, Name: q.Name, IsDefault: q.IsDefault, AssignTimeoutS: q.AssignTimeoutS,
		FirstResponseTargetS: q.FirstResponseTargetS, ResolutionTargetS: q.ResolutionTargetS, TeamID: q.TeamID, BotID: q.BotID, Agents: []QueueAgent{}}
	agents, err := s.store.QueueAgents(ctx, q.ID)
	if err != nil {
		return nil, errs.Wrap(err, "load agents")
	}
	for _, a := range agents {
		qa := QueueAgent{UserID: a.UserID, Name: userName(ctx, s.store, a.UserID), Capacity: a.Capacity, Status: "offline"}
		if st, err := s.store.AgentByID(ctx, a.UserID); err == nil {
			qa.Status, qa.Connected = st.Status, st.DisconnectedAt == nil
		}
		if qa.Load, err = s.store.AgentLoad(ctx, a.UserID); err != nil {
			return nil, errs.Wrap(err, "load agent load")
		}
		qv.Agents = append(qv.Agents, qa)
	}
	return qv, nil
}

// fontFamily is the site's font stack (system for a row from before the setting).
func fontFamily(site *store.Site) string {
	if slices.Contains(FontFamilies, site.FontFamily) {
		return site.FontFamily
	}
	return "system"
}

// launcherPosition is the side the site's launcher sits on (right by default).
func launcherPosition(site *store.Site) string {
	if site.LauncherPosition == "left" {
		return "left"
	}
	return "right"
}

func origins(site *store.Site) []string {
	out := []string{}
	for _, o := range strings.Split(site.AllowedOrigins, "\n") {
		if o != "" {
			out = append(out, o)
		}
	}
	return out
}

func hours(site *store.Site) BusinessHours {
	h := BusinessHours{}
	_ = json.Unmarshal([]byte(site.BusinessHours), &h)
	return h
}

func prechat(site *store.Site) []PrechatField {
	var out []PrechatField
	if err := json.Unmarshal([]byte(site.PrechatFields), &out); err != nil || out == nil {
		return []PrechatField{} // a column that reads "null" or nothing: no fields
	}
	return out
}

// isOpen reports whether the site is within its business hours at t.
func isOpen(site *store.Site, t time.Time) bool {
	h := hours(site)
	if len(h) == 0 {
		return true
	}
	loc, err := time.LoadLocation(site.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	local := t.In(loc)
	day := strings.ToLower(local.Weekday().String()[:3])
	now := local.Format("15:04")
	for _, r := range h[day] {
		from, to, _ := strings.Cut(r, "-")
		if now >= from && now < to {
			return true
		}
	}
	return false
}
