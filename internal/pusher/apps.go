package pusher

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// App is a site's Pusher app as the server uses it.
type App struct {
	SiteID         int64
	ID             string
	Key            string
	Secret         string
	previous       string
	previousUntil  *time.Time
	AllowedOrigins []string
}

// Secrets are the secrets that verify now: the current one, and the
// previous one within its grace.
func (a *App) Secrets(now time.Time) []string {
	out := []string{a.Secret}
	if a.previous != "" && a.previousUntil != nil && now.Before(*a.previousUntil) {
		out = append(out, a.previous)
	}
	return out
}

// OriginAllowed reports whether a browser at origin may connect: any when
// the app lists none, and any client that sends no Origin (servers, Node).
func (a *App) OriginAllowed(origin string) bool {
	if origin == "" || len(a.AllowedOrigins) == 0 {
		return true
	}
	o := normOrigin(origin)
	for _, allowed := range a.AllowedOrigins {
		if normOrigin(allowed) == o {
			return true
		}
	}
	return false
}

func normOrigin(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" {
		return strings.ToLower(strings.TrimSpace(s))
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

func appOf(r *store.PusherApp) *App {
	a := &App{SiteID: r.SiteID, ID: r.AppID, Key: r.AppKey, Secret: r.Secret, previous: r.PreviousSecret,
		previousUntil: r.PreviousSecretUntil, AllowedOrigins: []string{}}
	for _, o := range strings.Split(r.AllowedOrigins, "\n") {
		if o = strings.TrimSpace(o); o != "" {
			a.AllowedOrigins = append(a.AllowedOrigins, o)
		}
	}
	return a
}

var errNoApp = errs.R(errs.NotFound, "site_not_found", "no such site")

// AppOfSite returns a site's app, creating its credentials on first use:
// sites made before Pusher apps existed get theirs when an admin first
// reads them.
func (s *Service) AppOfSite(ctx context.Context, siteID int64) (*App, error) {
	r, err := s.store.PusherAppOfSite(ctx, siteID)
	if err == nil {
		return appOf(r), nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, errs.Wrap(err, "load pusher app")
	}
	if _, err := s.store.SiteByID(ctx, siteID); errors.Is(err, store.ErrNotFound) {
		return nil, errNoApp
	} else if err != nil {
		return nil, errs.Wrap(err, "load site")
	}
	now := s.now()
	for try := 0; ; try++ {
		r = &store.PusherApp{SiteID: siteID, AppID: randomDigits(9), AppKey: randomHex(10), Secret: randomHex(16), CreatedAt: now, UpdatedAt: now}
		err = s.store.CreatePusherApp(ctx, r)
		if err == nil {
			return appOf(r), nil
		}
		if !errors.Is(err, store.ErrConflict) || try == 3 {
			return nil, errs.Wrap(err, "create pusher app")
		}
		// Another request created it meanwhile, or an id collided.
		if got, gerr := s.store.PusherAppOfSite(ctx, siteID); gerr == nil {
			return appOf(got), nil
		}
	}
}

// AppByKey returns the app with the key, or nil when there is none.
func (s *Service) AppByKey(ctx context.Context, key string) (*App, error) {
	r, err := s.store.PusherAppByKey(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return appOf(r), nil
}

// AppByID returns the app with the app id, or nil when there is none.
func (s *Service) AppByID(ctx context.Context, appID string) (*App, error) {
	r, err := s.store.PusherAppByAppID(ctx, appID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return appOf(r), nil
}

// Rotate gives a site's app a new secret; the old one verifies for the
// grace period. Callers check that the actor is an admin.
func (s *Service) Rotate(ctx context.Context, siteID int64) (*App, error) {
	a, err := s.AppOfSite(ctx, siteID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	secret := randomHex(16)
	err = s.store.UpdatePusherApp(ctx, siteID, store.PusherAppUpdate{Secret: &secret, PreviousSecret: &a.Secret,
		PreviousSecretUntil: store.SetTo(now.Add(s.cfg.SecretGrace)), UpdatedAt: &now})
	if err != nil {
		return nil, errs.Wrap(err, "rotate pusher secret")
	}
	return s.AppOfSite(ctx, siteID)
}

// SetOrigins sets the browser origins that may connect to a site's app
// (none: any). Callers check that the actor is an admin.
func (s *Service) SetOrigins(ctx context.Context, siteID int64, origins []string) (*App, error) {
	if _, err := s.AppOfSite(ctx, siteID); err != nil {
		return nil, err
	}
	if len(origins) > 50 {
		return nil, errs.Field("allowed_origins", "at most 50 origins")
	}
	clean := make([]string, 0, len(origins))
	for _, o := range origins {
		u, err := url.Parse(strings.TrimSpace(o))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return nil, errs.Field("allowed_origins", "each origin is scheme://host[:port], such as https://shop.example.com")
		}
		clean = append(clean, strings.ToLower(u.Scheme+"://"+u.Host))
	}
	now := s.now()
	joined := strings.Join(clean, "\n")
	if err := s.store.UpdatePusherApp(ctx, siteID, store.PusherAppUpdate{AllowedOrigins: &joined, UpdatedAt: &now}); err != nil {
		return nil, errs.Wrap(err, "set pusher origins")
	}
	return s.AppOfSite(ctx, siteID)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randomDigits is a random decimal number of n digits, not starting with 0.
func randomDigits(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		lo := int64(0)
		if i == 0 {
			lo = 1
		}
		d, _ := rand.Int(rand.Reader, big.NewInt(10-lo))
		b.WriteByte(byte('0' + lo + d.Int64()))
	}
	return b.String()
}
