package support

import (
	"context"
	"errors"
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/i18n"
	"github.com/parley-chat/parley/internal/ratelimit"
	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/internal/text"
)

// Visitors serves the widget and the host sites: visitors' sessions and
// identity, their conversations (opening, read marks, ratings), their
// contact details, and the server event API.
type Visitors struct {
	shared
	rules    *Rules
	routing  *Routing
	chat     *chat.Service
	limiter  *ratelimit.Limiter
	tokenKey []byte
	oldKeys  [][]byte // keys of previous deployment secrets, verify only
}

// NewVisitors builds the visitors' side on the rules chat was built with;
// routing routes the conversations they open, limiter caps widget
// sessions.
func NewVisitors(rules *Rules, routing *Routing, ch *chat.Service, limiter *ratelimit.Limiter) *Visitors {
	var old [][]byte
	if rules.cfg.PreviousSecret != "" {
		old = append(old, visitorTokenKey(rules.cfg.PreviousSecret))
	}
	return &Visitors{shared: rules.shared, rules: rules, routing: routing, chat: ch, limiter: limiter,
		tokenKey: visitorTokenKey(rules.cfg.Secret), oldKeys: old}
}

// MaxIdentityTTL is the furthest ahead an identity token may expire.
const MaxIdentityTTL = 24 * time.Hour

// SessionInput is what the widget sends when it starts.
type SessionInput struct {
	SiteKey       string `json:"site_key"`
	VisitorToken  string `json:"visitor_token"`
	IdentityToken string `json:"identity_token"`
	PageURL       string `json:"page_url"`
	Referrer      string `json:"referrer"`
	Locale        string `json:"locale"`
	// Resume only resumes the visitor the tokens name and never creates
	// one: a returning visitor's page load checks its token this way.
	Resume    bool   `json:"resume"`
	UserAgent string `json:"-"`
	// Origin is the host page's origin: the request's Origin header, or
	// for the widget's own frame the origin of page_url.
	Origin string `json:"-"`
	// IP is the client's address, for the per-IP session limit.
	IP string `json:"-"`
}

// Visitor is a visitor as the widget and the agents see them.
type Visitor struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	ExternalID string `json:"external_id,omitempty"`
	PageURL    string `json:"page_url"`
	Referrer   string `json:"referrer"`
	Locale     string `json:"locale"`
	UserAgent  string `json:"user_agent"`
	Identified bool   `json:"identified"`
	// Labels are in the agents' views only.
	Labels *[]LabelRef `json:"labels,omitempty"`
}

// WidgetSite is what the widget shows of a site.
type WidgetSite struct {
	Name        string         `json:"name"`
	Color       string         `json:"color"`
	Greeting    string         `json:"greeting"`
	AwayMessage string         `json:"away_message"`
	Online      bool           `json:"online"`
	Open        bool           `json:"open"`
	Prechat     []PrechatField `json:"prechat"`
	Queues      []WidgetQueue  `json:"queues"`
	// FontFamily is one of FontFamilies; LauncherPosition right or left.
	FontFamily       string `json:"font_family"`
	LauncherPosition string `json:"launcher_position"`
}

// WidgetQueue is a queue a visitor may pick.
type WidgetQueue struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Session is the answer to the widget's session request.
type Session struct {
	VisitorToken string        `json:"visitor_token"`
	Visitor      *Visitor      `json:"visitor"`
	Site         *WidgetSite   `json:"site"`
	Conversation *Conversation `json:"conversation"`
}

func visitorView(v *store.Visitor) *Visitor {
	out := &Visitor{ID: v.ID, Name: v.Name, Email: v.Email, PageURL: v.PageURL, Referrer: v.Referrer,
		Locale: v.Locale, UserAgent: v.UserAgent, Identified: v.ExternalID != nil}
	if v.ExternalID != nil {
		out.ExternalID = *v.ExternalID
	}
	return out
}

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	for utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n])
	}
	return s
}

// OriginAllowed reports whether a host page origin may use the site: any
// of its allowed origins, or any origin while the list is empty, and
// Parley's own origin (its demo page) always.
func (s *Visitors) OriginAllowed(site *store.Site, origin string) bool {
	return originAllowed(site, origin, s.cfg.PublicURL)
}

// originAllowed is OriginAllowed for the deployment at publicURL.
func originAllowed(site *store.Site, origin, publicURL string) bool {
	list := origins(site)
	if len(list) == 0 || origin == "" {
		return len(list) == 0
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	norm := strings.ToLower(u.Scheme + "://" + u.Host)
	if pu, err := url.Parse(publicURL); err == nil && strings.ToLower(pu.Scheme+"://"+pu.Host) == norm {
		return true
	}
	for _, o := range list {
		if o == norm {
			return true
		}
	}
	return false
}

// pageAllowed reports whether a page URL is an http(s) page, without
// credentials, of an origin the site allows (see OriginAllowed).
func pageAllowed(site *store.Site, page, publicURL string) bool {
	u, err := url.Parse(page)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return false
	}
	return originAllowed(site, u.Scheme+"://"+u.Host, publicURL)
}

// FrameAncestors returns the origins whose pages may frame the widget of
// the site with this public key: its allowed origins, or an empty list
// when it accepts every origin. ok is false when no site has the key.
func (s *Visitors) FrameAncestors(ctx context.Context, siteKey string) (list []string, ok bool) {
	siteKey = strings.TrimSpace(siteKey)
	if siteKey == "" {
		return nil, false
	}
	site, err := s.store.SiteByPublicKey(ctx, siteKey)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Warn("frame ancestors: load site", "err", err)
		}
		return nil, false
	}
	return origins(site), true
}

type identityClaims struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	// Attributes are the host site's custom attributes of the visitor.
	Attributes Attributes `json:"attributes"`
	jwt.RegisteredClaims
}

// parseIdentity checks an identity token signed by the host site's backend
// with the site secret: HS256, a subject, and an expiry at most 24 h ahead.
func (s *Visitors) parseIdentity(site *store.Site, token string) (*identityClaims, error) {
	var c identityClaims
	var keys jwt.VerificationKeySet
	for _, secret := range s.siteSecrets(site) {
		keys.Keys = append(keys.Keys, []byte(secret))
	}
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return keys, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithTimeFunc(s.now))
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return nil, errs.R(errs.Unauthorized, "identity_expired", "the identity token has expired")
		}
		return nil, errs.R(errs.Unauthorized, "invalid_identity", "the identity token is not valid for this site")
	}
	if c.Subject == "" || len(c.Subject) > 200 {
		return nil, errs.R(errs.Unauthorized, "invalid_identity", "the identity token needs a sub (the visitor's id on your site)")
	}
	// The claims are the host site's JSON, decoded past the request's
	// own text checks.
	if err := text.Fields("identity_token.sub", c.Subject, "identity_token.name", c.Name, "identity_token.email", c.Email); err != nil {
		return nil, err
	}
	if c.ExpiresAt.Time.After(s.now().Add(MaxIdentityTTL + time.Minute)) {
		return nil, errs.R(errs.Unauthorized, "invalid_identity", "identity tokens may expire at most 24 hours ahead")
	}
	return &c, nil
}

// StartSession creates or resumes a visitor for the widget. An identity
// token names the host site's signed-in user: their visitor is found or
// created by external id, and an anonymous visitor's history on this
// device is merged into it.
func (s *Visitors) StartSession(ctx context.Context, in SessionInput) (*Session, error) {
	if err := s.limiter.Hit(ctx, "widget_session:ip:"+in.IP, s.cfg.WidgetSessionsPerIPPerMinute, time.Minute, i18n.N("starting chat sessions")); err != nil {
		return nil, err
	}
	if err := text.Fields("site_key", in.SiteKey, "visitor_token", in.VisitorToken, "page_url", in.PageURL, "referrer", in.Referrer, "locale", in.Locale); err != nil {
		return nil, err
	}
	// The user agent is a header, not typed text: keep what is readable.
	in.UserAgent = strings.ReplaceAll(strings.ToValidUTF8(in.UserAgent, ""), "\x00", "")
	site, err := s.store.SiteByPublicKey(ctx, strings.TrimSpace(in.SiteKey))
	if errors.Is(err, store.ErrNotFound) || in.SiteKey == "" {
		return nil, errs.R(errs.NotFound, "site_not_found", "no site has this key")
	}
	if err != nil {
		return nil, errs.Wrap(err, "load site")
	}
	if !s.OriginAllowed(site, in.Origin) {
		return nil, errs.R(errs.Forbidden, "origin_not_allowed", "this website is not allowed to use this chat")
	}
	// Agents open the page URL and the follow-up mail links to it: a page
	// outside the site's origins would put a stranger's link in both.
	if in.PageURL != "" && !pageAllowed(site, in.PageURL, s.cfg.PublicURL) {
		return nil, errs.Field("page_url", "must be an http(s) page of one of the site's allowed origins")
	}
	var claims *identityClaims
	if in.IdentityToken != "" {
		if claims, err = s.parseIdentity(site, in.IdentityToken); err != nil {
			return nil, err
		}
	} else if site.RequireIdentity {
		return nil, errs.R(errs.Unauthorized, "identity_required", "this chat is for signed-in users of the website")
	}
	var claimed map[string]*string
	if claims != nil {
		if claimed, err = checkAttributes("identity_token.attributes", claims.Attributes); err != nil {
			return nil, err
		}
	}
	now := s.now()
	var v *store.Visitor
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		var current *store.Visitor
		if id, ok := s.visitorIDFromToken(in.VisitorToken); ok {
			cv, err := liveVisitor(ctx, tx, id)
			if err == nil && cv.SiteID == site.ID {
				current = cv
			} else if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		if claims != nil {
			known, err := tx.VisitorByExternalID(ctx, site.ID, claims.Subject)
			switch {
			case err == nil:
				v = known
				if current != nil && current.ID != known.ID && current.ExternalID == nil {
					// This device chatted anonymously before signing in: its
					// history joins the identified visitor's.
					if err := tx.MoveVisitorConversations(ctx, current.ID, known.ID); err != nil {
						return err
					}
				}
			case errors.Is(err, store.ErrNotFound):
				if current != nil && current.ExternalID == nil {
					v = current // this device's anonymous visitor becomes the identified one
				}
			default:
				return err
			}
			ext := claims.Subject
			if v != nil {
				if err := tx.UpdateVisitor(ctx, v.ID, store.VisitorUpdate{ExternalID: &ext, Name: new(clip(claims.Name, 100)), Email: new(clip(claims.Email, 200))}); err != nil {
					return err
				}
			} else {
				v = &store.Visitor{SiteID: site.ID, ExternalID: &ext, Name: clip(claims.Name, 100), Email: clip(claims.Email, 200), CreatedAt: now, LastSeenAt: now}
			}
		} else if current != nil && current.ExternalID == nil {
			v = current
		}
		if v == nil {
			v = &store.Visitor{SiteID: site.ID, CreatedAt: now, LastSeenAt: now}
		}
		if v.ID == 0 && in.Resume {
			return errNoResume
		}
		if v.ID == 0 {
			if err := tx.CreateVisitor(ctx, v); err != nil {
				return err
			}
		}
		fields := store.VisitorUpdate{LastSeenAt: &now, UserAgent: new(clip(in.UserAgent, 300))}
		if in.PageURL != "" {
			fields.PageURL = new(clip(in.PageURL, 1000))
		}
		if in.Referrer != "" {
			fields.Referrer = new(clip(in.Referrer, 1000))
		}
		if in.Locale != "" {
			fields.Locale = new(clip(in.Locale, 20))
		}
		if err := tx.UpdateVisitor(ctx, v.ID, fields); err != nil {
			return err
		}
		if err := tx.TouchVisitorDevice(ctx, v.ID, clip(in.UserAgent, 300), now); err != nil {
			return err
		}
		if err := applyAttributes(ctx, tx, v.ID, "identity_token.attributes", claimed, SourceIdentity, now); err != nil {
			return err
		}
		v, err = tx.VisitorByID(ctx, v.ID)
		return err
	})
	if err != nil {
		return nil, asDomain(err, "start visitor session")
	}
	token := in.VisitorToken
	// A token signed with the previous deployment key is re-signed, so
	// that returning visitors carry the new key before the old one goes.
	if id, ok := s.visitorIDFromToken(token); !ok || id != v.ID || !s.signedWithCurrentKey(token) {
		token = s.visitorToken(v.ID)
	}
	ws, err := s.widgetSite(ctx, site)
	if err != nil {
		return nil, err
	}
	sess := &Session{VisitorToken: token, Visitor: visitorView(v), Site: ws}
	if sc, err := s.store.LatestSupportConversation(ctx, v.ID); err == nil {
		sess.Conversation, _ = s.rules.conversationView(ctx, sc, false)
	}
	return sess, nil
}

// errNoResume answers a resume whose tokens name no visitor of the site.
var errNoResume = errs.R(errs.Unauthorized, "invalid_visitor_token", "the visitor token is not valid; start a new session")

// PublicSite returns what the widget shows of the site with this public
// key, for a page of origin, creating nothing: the launcher draws from it
// before anyone opens the chat. Reads are limited per client address ip
// and answered from a short cache (WidgetSiteTTL). Errors: 404
// site_not_found, 403 origin_not_allowed, 429 rate_limited.
func (s *Visitors) PublicSite(ctx context.Context, siteKey, origin, ip string) (*WidgetSite, error) {
	if err := s.limiter.Hit(ctx, "widget_site:ip:"+ip, s.cfg.WidgetSiteReadsPerIPPerMinute, time.Minute, i18n.N("reading the chat settings")); err != nil {
		return nil, err
	}
	siteKey = strings.TrimSpace(siteKey)
	if siteKey == "" || len(siteKey) > 100 {
		return nil, errs.R(errs.NotFound, "site_not_found", "no site has this key")
	}
	now := s.now()
	site, view, ok := s.sites.get(siteKey, now)
	if !ok {
		var err error
		site, err = s.store.SiteByPublicKey(ctx, siteKey)
		if errors.Is(err, store.ErrNotFound) {
			return nil, errs.R(errs.NotFound, "site_not_found", "no site has this key")
		}
		if err != nil {
			return nil, errs.Wrap(err, "load site")
		}
		if view, err = s.widgetSite(ctx, site); err != nil {
			return nil, err
		}
		s.sites.put(siteKey, site, view, now)
	}
	if !s.OriginAllowed(site, origin) {
		return nil, errs.R(errs.Forbidden, "origin_not_allowed", "this website is not allowed to use this chat")
	}
	return view, nil
}

func (s *Visitors) widgetSite(ctx context.Context, site *store.Site) (*WidgetSite, error) {
	ws := &WidgetSite{Name: site.Name, Color: site.Color, Greeting: site.Greeting, AwayMessage: site.AwayMessage,
		Prechat: prechat(site), Open: isOpen(site, s.now()), Queues: []WidgetQueue{},
		FontFamily: fontFamily(site), LauncherPosition: launcherPosition(site)}
	queues, err := s.store.QueuesOfSite(ctx, site.ID)
	if err != nil {
		return nil, errs.Wrap(err, "load queues")
	}
	for _, q := range queues {
		ws.Queues = append(ws.Queues, WidgetQueue{ID: q.ID, Name: q.Name})
		if c, err := s.store.Candidates(ctx, q.ID, s.now().Add(-s.cfg.AgentGrace)); err == nil && len(c) > 0 {
			ws.Online = true
		}
	}
	return ws, nil
}

// AuthenticateVisitor checks `Authorization: Visitor <token>`.
func (s *Visitors) AuthenticateVisitor(ctx context.Context, token string) (auth.Identity, error) {
	id, ok := s.visitorIDFromToken(token)
	if !ok {
		return auth.Identity{}, errs.R(errs.Unauthorized, "invalid_visitor_token", "the visitor token is not valid; start a new session")
	}
	return s.VisitorIdentity(ctx, id)
}

// VisitorIdentity returns a visitor's identity as stored now (a realtime
// ticket names only the id): 401 for a visitor that no longer exists.
func (s *Visitors) VisitorIdentity(ctx context.Context, id int64) (auth.Identity, error) {
	v, err := liveVisitor(ctx, s.store, id)
	if errors.Is(err, store.ErrNotFound) {
		return auth.Identity{}, errs.R(errs.Unauthorized, "invalid_visitor_token", "the visitor token is not valid; start a new session")
	}
	if err != nil {
		return auth.Identity{}, errs.Wrap(err, "load visitor")
	}
	name := v.Name
	if name == "" {
		name = "Visitor"
	}
	return auth.Identity{Kind: store.SenderVisitor, ID: v.ID, Name: name}, nil
}

// VisitorSite returns the site a visitor belongs to (for the /ws origin check).
func (s *Visitors) VisitorSite(ctx context.Context, visitorID int64) (*store.Site, error) {
	v, err := liveVisitor(ctx, s.store, visitorID)
	if err != nil {
		return nil, errs.R(errs.Unauthorized, "invalid_visitor_token", "unknown visitor")
	}
	return s.store.SiteByID(ctx, v.SiteID)
}

// ContactPatch is what a visitor tells about themselves (e.g. the e-mail
// the widget asks for when nobody is online).
type ContactPatch struct {
	Name  *string `json:"name"`
	Email *string `json:"email"`
	// Attributes come from the host page (Parley.setAttributes).
	Attributes Attributes `json:"attributes"`
}

// UpdateContact stores a visitor's name or e-mail. Identified visitors'
// details come from their identity token and are not changed here.
func (s *Visitors) UpdateContact(ctx context.Context, visitorID int64, p ContactPatch) (*Visitor, error) {
	v, err := s.store.VisitorByID(ctx, visitorID)
	if err != nil {
		return nil, errs.R(errs.Unauthorized, "invalid_visitor_token", "unknown visitor")
	}
	if v.ExternalID != nil && (p.Name != nil || p.Email != nil) {
		return nil, errs.R(errs.Rule, "identified", "your details come from the website you are signed in to")
	}
	if p.Attributes != nil {
		if err := s.setVisitorAttributes(ctx, visitorID, p.Attributes); err != nil {
			return nil, err
		}
	}
	var fields store.VisitorUpdate
	if p.Name != nil {
		n := strings.TrimSpace(*p.Name)
		if utf8.RuneCountInString(n) > 100 {
			return nil, errs.Field("name", "at most 100 characters")
		}
		fields.Name = &n
	}
	if p.Email != nil {
		e := strings.ToLower(strings.TrimSpace(*p.Email))
		if a, err := mail.ParseAddress(e); e != "" && (err != nil || a.Address != e || !strings.Contains(e, ".")) {
			return nil, errs.Field("email", "a valid e-mail address")
		}
		fields.Email = &e
	}
	if fields != (store.VisitorUpdate{}) {
		if err := s.store.UpdateVisitor(ctx, visitorID, fields); err != nil {
			return nil, errs.Wrap(err, "update visitor")
		}
	}
	v, err = s.store.VisitorByID(ctx, visitorID)
	if err != nil {
		return nil, errs.Wrap(err, "load visitor")
	}
	return visitorView(v), nil
}

// siteSecrets are the secrets a site's signatures verify with now: the
// current one, then the previous one during its grace period.
func (s *Visitors) siteSecrets(site *store.Site) []string {
	out := []string{site.Secret}
	if site.PreviousSecret != "" && site.PreviousSecretUntil != nil && site.PreviousSecretUntil.After(s.now()) {
		out = append(out, site.PreviousSecret)
	}
	return out
}
