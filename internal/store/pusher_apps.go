package store

import (
	"context"
	"time"
)

// PusherApp is the Pusher Channels app of a site: the credentials Pusher's
// SDKs are configured with.
type PusherApp struct {
	SiteID int64 `gorm:"primaryKey;autoIncrement:false"`
	AppID  string
	AppKey string
	Secret string
	// PreviousSecret still verifies until PreviousSecretUntil after a
	// rotation.
	PreviousSecret      string
	PreviousSecretUntil *time.Time
	AllowedOrigins      string // newline-separated; empty means any
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

func pusherModels() []any { return []any{&PusherApp{}} }

// CreatePusherApp inserts a; ErrConflict when the site has one already or
// its app id or key is taken.
func (s *Store) CreatePusherApp(ctx context.Context, a *PusherApp) error {
	return translate(s.q(ctx).Create(a).Error)
}

// PusherAppOfSite returns the app of a site or ErrNotFound.
func (s *Store) PusherAppOfSite(ctx context.Context, siteID int64) (*PusherApp, error) {
	var a PusherApp
	if err := s.q(ctx).Where("site_id = ?", siteID).First(&a).Error; err != nil {
		return nil, translate(err)
	}
	return &a, nil
}

// PusherAppByKey returns the app with the key or ErrNotFound.
func (s *Store) PusherAppByKey(ctx context.Context, key string) (*PusherApp, error) {
	var a PusherApp
	if err := s.q(ctx).Where("app_key = ?", key).First(&a).Error; err != nil {
		return nil, translate(err)
	}
	return &a, nil
}

// PusherAppByAppID returns the app with the app id or ErrNotFound.
func (s *Store) PusherAppByAppID(ctx context.Context, appID string) (*PusherApp, error) {
	var a PusherApp
	if err := s.q(ctx).Where("app_id = ?", appID).First(&a).Error; err != nil {
		return nil, translate(err)
	}
	return &a, nil
}

// PusherAppUpdate is a change of an app: unset fields stay as they are.
type PusherAppUpdate struct {
	Secret              *string
	PreviousSecret      *string
	PreviousSecretUntil Null[time.Time]
	AllowedOrigins      *string
	UpdatedAt           *time.Time
}

// UpdatePusherApp writes the fields u sets of a site's app.
func (s *Store) UpdatePusherApp(ctx context.Context, siteID int64, u PusherAppUpdate) error {
	c := columns{}
	putPtr(c, "secret", u.Secret)
	putPtr(c, "previous_secret", u.PreviousSecret)
	putNull(c, "previous_secret_until", u.PreviousSecretUntil)
	putPtr(c, "allowed_origins", u.AllowedOrigins)
	putPtr(c, "updated_at", u.UpdatedAt)
	return s.update(ctx, &PusherApp{}, c, "site_id = ?", siteID)
}
