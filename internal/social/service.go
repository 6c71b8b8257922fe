// Package social owns who knows whom: friends, friend requests and
// categories, blocks, add-me codes, presence, and groups with their roles,
// moderation and invites. Messages themselves belong to chat.
package social

import (
	"log/slog"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/ratelimit"
	"github.com/parley-chat/parley/internal/store"
)

// Config tunes the social service.
type Config struct {
	PublicURL      string
	GroupMemberCap int
	// FriendRequestsPerHour and GroupJoinsPerHour cap what one user may
	// do per hour (0: unlimited).
	FriendRequestsPerHour int
	GroupJoinsPerHour     int
	// Clock tells the time of requests, invites and mutes (the real clock
	// when nil).
	Clock clockwork.Clock
}

// Service implements friends, presence and groups.
type Service struct {
	store    *store.Store
	chat     *chat.Service
	presence PresenceTracker
	limiter  *ratelimit.Limiter
	cfg      Config
	log      *slog.Logger
	now      func() time.Time

	presenceLocks presenceLocks
}

// New builds the social service; presence tracks who is connected and
// limiter caps friend requests and group joins.
func New(st *store.Store, ch *chat.Service, presence PresenceTracker, limiter *ratelimit.Limiter, cfg Config, log *slog.Logger) *Service {
	return &Service{store: st, chat: ch, presence: presence, limiter: limiter, cfg: cfg, log: log, now: nowFunc(cfg.Clock)}
}

// nowFunc reads clock (the real one when nil) in UTC.
func nowFunc(clock clockwork.Clock) func() time.Time {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	return func() time.Time { return clock.Now().UTC() }
}
