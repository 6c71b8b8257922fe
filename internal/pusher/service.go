package pusher

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"math/big"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/internal/metrics"
	"github.com/parley-chat/parley/internal/realtime"
	"github.com/parley-chat/parley/internal/store"
)

// Config is what the Pusher server needs of the deployment's settings.
type Config struct {
	SecretGrace           time.Duration   // how long a rotated secret still verifies
	MaxEventBytes         int             // largest event data
	ClientEventsPerSecond int             // client events one socket may send a second
	PresenceTimeout       time.Duration   // how soon a dead node's members go
	APIRequestsPerMinute  int             // HTTP API requests an app may make a minute
	Clock                 clockwork.Clock // signature windows and secret grace (the real clock when nil)
}

// Limiter is a rate limit shared by the nodes.
type Limiter interface {
	Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error)
}

// Hooks receives the channel events that Pusher webhooks tell.
type Hooks interface {
	// Channel records webhook events of an app, as Pusher names them
	// (channel_occupied, member_added...).
	Channel(ctx context.Context, siteID int64, events []HookEvent)
}

// HookEvent is one event of a Pusher webhook.
type HookEvent struct {
	Name     string `json:"name"`
	Channel  string `json:"channel"`
	UserID   string `json:"user_id,omitempty"`
	Event    string `json:"event,omitempty"`
	Data     string `json:"data,omitempty"`
	SocketID string `json:"socket_id,omitempty"`
}

// Service is the Pusher server of this node.
type Service struct {
	store   *store.Store
	hub     *realtime.Hub
	reg     *registry
	hooks   Hooks
	limiter Limiter
	metrics *metrics.Metrics
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
}

// New builds the service. rdb holds the cross-node channel state, under
// keys made by key; limiter bounds the HTTP API's requests per app; hooks
// receives the channel events that webhooks tell.
func New(st *store.Store, hub *realtime.Hub, rdb redis.UniversalClient, key func(parts ...string) string, limiter Limiter, hooks Hooks, m *metrics.Metrics, cfg Config, log *slog.Logger) *Service {
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	if cfg.PresenceTimeout <= 0 {
		cfg.PresenceTimeout = 30 * time.Second
	}
	return &Service{store: st, hub: hub, limiter: limiter, hooks: hooks, metrics: m, cfg: cfg, log: log,
		reg: &registry{rdb: rdb, key: key, node: hex.EncodeToString(id), ttl: cfg.PresenceTimeout},
		now: func() time.Time { return cfg.Clock.Now().UTC() }}
}

// MaxEventBytes is the largest event data accepted.
func (s *Service) MaxEventBytes() int { return s.cfg.MaxEventBytes }

// Run keeps this node alive in the registry and sweeps what dead nodes
// left, until ctx ends.
func (s *Service) Run(ctx context.Context) {
	period := s.cfg.PresenceTimeout / 3
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		bctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		if err := s.reg.beat(bctx); err != nil {
			s.log.Warn("pusher node heartbeat failed", "err", err)
		}
		cancel()
		s.sweep()
		select {
		case <-ctx.Done():
			rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			s.reg.retire(rctx)
			cancel()
			return
		case <-t.C:
		}
	}
}

// sweep removes what dead nodes left and tells the channels and webhooks.
func (s *Service) sweep() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := s.reg.sweep(ctx)
	if err != nil {
		s.log.Warn("pusher sweep failed", "err", err)
	}
	for _, m := range out.removed {
		s.memberRemoved(ctx, m.app, m.ch, m.userID)
	}
	for _, v := range out.vacated {
		s.hook(ctx, v.app, HookEvent{Name: "channel_vacated", Channel: v.ch})
	}
}

// hook sends webhook events of the app with id appID.
func (s *Service) hook(ctx context.Context, appID string, events ...HookEvent) {
	if s.hooks == nil || len(events) == 0 {
		return
	}
	app, err := s.AppByID(ctx, appID)
	if err != nil || app == nil {
		return
	}
	s.hooks.Channel(ctx, app.SiteID, events)
}

// hookApp sends webhook events of an app at hand.
func (s *Service) hookApp(ctx context.Context, app *App, events ...HookEvent) {
	if s.hooks != nil && len(events) > 0 {
		s.hooks.Channel(ctx, app.SiteID, events)
	}
}

// channelKey is the hub key of an app's channel.
func channelKey(appID, ch string) string { return "pusher:" + appID + ":" + ch }

// userKey is the hub key of a signed-in user's sockets.
func userKey(appID, userID string) string { return "pusher:" + appID + ":#user:" + userID }

// appKey is the hub recipient of every socket of an app.
func appKey(appID string) string { return "pusher:" + appID }

// newSocketID is a socket id as Pusher writes them: two numbers joined by
// a dot (the server SDKs check that form).
func newSocketID() string {
	a, _ := rand.Int(rand.Reader, big.NewInt(1e10))
	b, _ := rand.Int(rand.Reader, big.NewInt(1e10))
	return a.String() + "." + b.String()
}
