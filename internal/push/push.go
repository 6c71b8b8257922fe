// Package push sends Web Push notifications (RFC 8030, with the message
// encryption of RFC 8291 and the VAPID identification of RFC 8292) to the
// browsers where users subscribed: when a message waits unread for a user
// with no open session, a background job pushes its conversation to each
// of their devices, once per conversation per window.
package push

import (
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/metrics"
	"github.com/parley-chat/parley/internal/outbound"
	"github.com/parley-chat/parley/internal/store"
)

// Chats shows a conversation as one user sees it, and only if they may
// read it now (chat.Service implements it).
type Chats interface {
	Get(ctx context.Context, userID, conversationID int64) (*chat.Conversation, error)
	// Quiet tells whether the user asked for no notification of the
	// conversation now (muted, or in their do-not-disturb hours).
	Quiet(ctx context.Context, userID, conversationID int64) (bool, error)
}

// Config tunes the service.
type Config struct {
	// Subject is the VAPID contact: a mailto: address or an https: URL.
	Subject string
	// Window is the least time between two pushes of one conversation to
	// one user (the offline delay).
	Window time.Duration
	// MaxPerUser bounds the subscriptions of one user.
	MaxPerUser int
	// Clock tells the time of claims (the real clock when nil).
	Clock clockwork.Clock
}

// DefaultMaxPerUser is how many devices one user may subscribe.
const DefaultMaxPerUser = 20

// ttl is how long a push service keeps a push for a device that is off:
// a day-old chat notice is of no use.
const ttl = 24 * time.Hour

// Service manages subscriptions and sends pushes.
type Service struct {
	store   *store.Store
	chats   Chats
	client  *outbound.Client
	metrics *metrics.Metrics
	keys    Keys
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
}

// New builds the service, loading (or, the first time, generating) the
// VAPID keys. Requests go through client, under the outbound guard.
func New(ctx context.Context, st *store.Store, chats Chats, client *outbound.Client, m *metrics.Metrics, cfg Config, log *slog.Logger) (*Service, error) {
	keys, err := LoadKeys(ctx, st)
	if err != nil {
		return nil, err
	}
	clock := cfg.Clock
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	if cfg.MaxPerUser <= 0 {
		cfg.MaxPerUser = DefaultMaxPerUser
	}
	return &Service{store: st, chats: chats, client: client, metrics: m, keys: keys, cfg: cfg, log: log,
		now: func() time.Time { return clock.Now().UTC() }}, nil
}

// PublicKey returns the VAPID public key, base64url: the
// applicationServerKey of pushManager.subscribe.
func (s *Service) PublicKey() string { return s.keys.Public }

// Subscription is one of a user's devices as they see it.
type Subscription struct {
	ID       int64  `json:"id"`
	Endpoint string `json:"endpoint"`
	// UserAgent is the browser's User-Agent when it subscribed; Device
	// names its browser and system ("Chrome · Android", "" if unknown).
	UserAgent string    `json:"user_agent"`
	Device    string    `json:"device"`
	CreatedAt time.Time `json:"created_at"`
}

func view(p *store.PushSubscription) Subscription {
	return Subscription{ID: p.ID, Endpoint: p.Endpoint, UserAgent: p.UserAgent, Device: deviceLabel(p.UserAgent), CreatedAt: p.CreatedAt}
}

// SubscribeInput is a browser's PushSubscription and its User-Agent.
type SubscribeInput struct {
	Endpoint  string
	P256dh    string
	Auth      string
	UserAgent string
}

const (
	maxEndpoint  = 2000
	maxUserAgent = 500
)

var errTooMany = errs.R(errs.Conflict, "too_many_subscriptions", "this account has subscribed as many devices as it may: remove one first")

// Subscribe stores a device of userID; subscribing an endpoint again
// updates its keys. It reports whether the subscription is new.
func (s *Service) Subscribe(ctx context.Context, userID int64, in SubscribeInput) (*Subscription, bool, error) {
	if err := s.checkEndpoint(in.Endpoint); err != nil {
		return nil, false, err
	}
	p256dh, err := decodeKey(in.P256dh)
	if err != nil {
		return nil, false, errs.Field("keys.p256dh", "the subscription's public key: a base64url P-256 point (65 bytes)")
	}
	if _, err := ecdh.P256().NewPublicKey(p256dh); err != nil {
		return nil, false, errs.Field("keys.p256dh", "the subscription's public key: a base64url P-256 point (65 bytes)")
	}
	auth, err := decodeKey(in.Auth)
	if err != nil || len(auth) != 16 {
		return nil, false, errs.Field("keys.auth", "the subscription's authentication secret: 16 bytes, base64url")
	}
	ua := in.UserAgent
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	ua = strings.ToValidUTF8(ua, "")
	p := &store.PushSubscription{UserID: userID, Endpoint: in.Endpoint, P256dh: base64.RawURLEncoding.EncodeToString(p256dh),
		Auth: base64.RawURLEncoding.EncodeToString(auth), UserAgent: ua, CreatedAt: s.now()}
	created, err := s.store.SavePushSubscription(ctx, p, s.cfg.MaxPerUser)
	switch {
	case errors.Is(err, store.ErrLimit):
		return nil, false, errTooMany
	case errors.Is(err, store.ErrConflict):
		return nil, false, errs.R(errs.Conflict, "conflict", "this endpoint was just subscribed: try again")
	case err != nil:
		return nil, false, errs.Wrap(err, "save subscription")
	}
	v := view(p)
	return &v, created, nil
}

// checkEndpoint accepts an https URL that may be requested, or an http
// one whose host is an address PARLEY_OUTBOUND_ALLOW lists.
func (s *Service) checkEndpoint(raw string) error {
	if raw == "" {
		return errs.Field("endpoint", "required: the subscription's push service URL")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || len(raw) > maxEndpoint {
		return errs.Field("endpoint", "an absolute https URL of a push service")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && s.client.Listed(raw):
	default:
		return errs.Field("endpoint", "must be https (plain http only to an address PARLEY_OUTBOUND_ALLOW lists)")
	}
	if s.client.CheckURL(raw) != nil {
		return errs.Field("endpoint", "must reach a public address: loopback, private, link-local, multicast and unspecified addresses, localhost and Parley's own URL are refused unless PARLEY_OUTBOUND_ALLOW lists them")
	}
	return nil
}

// decodeKey reads a key as browsers give it: base64url, padded or not.
func decodeKey(v string) ([]byte, error) {
	if v == "" {
		return nil, errors.New("empty")
	}
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(v, "="))
}

// List returns the caller's subscriptions, oldest first.
func (s *Service) List(ctx context.Context, userID int64) ([]Subscription, error) {
	ps, err := s.store.PushSubscriptionsOf(ctx, userID)
	if err != nil {
		return nil, errs.Wrap(err, "list subscriptions")
	}
	out := make([]Subscription, 0, len(ps))
	for i := range ps {
		out = append(out, view(&ps[i]))
	}
	return out, nil
}

var errNoSubscription = errs.R(errs.NotFound, "subscription_not_found", "no such subscription")

// Unsubscribe removes one of the caller's subscriptions; another user's is
// not found.
func (s *Service) Unsubscribe(ctx context.Context, userID, id int64) error {
	err := s.store.DeletePushSubscription(ctx, userID, id)
	if errors.Is(err, store.ErrNotFound) {
		return errNoSubscription
	}
	if err != nil {
		return errs.Wrap(err, "delete subscription")
	}
	return nil
}
