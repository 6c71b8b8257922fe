// Package auth owns accounts and sessions: first-run setup, registration
// with e-mail verification, login, rotating refresh tokens, access tokens,
// realtime tickets and the admin's user creation.
package auth

import (
	"context"
	"log/slog"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/internal/notify"
	"github.com/parley-chat/parley/internal/ratelimit"
	"github.com/parley-chat/parley/internal/store"
)

// Jobs is how auth schedules mail: each job is written through tx, in the
// transaction that decides it.
type Jobs interface {
	EnqueueVerifyMail(ctx context.Context, tx *store.Store, userID int64, lang string) error
	EnqueueResetMail(ctx context.Context, tx *store.Store, userID int64, lang string) error
	EnqueueSignupAttemptMail(ctx context.Context, tx *store.Store, userID int64, lang string) error
}

// Limits are the rate limits auth enforces.
type Limits struct {
	LoginPerIP      int
	LoginPerAccount int
	RegisterPerIP   int
	// ResetPerAccount caps reset mails asked for one address per Window.
	ResetPerAccount int
	// TicketsPerMinute caps realtime tickets per user or visitor.
	TicketsPerMinute int
	// VerifyMailPerAccount caps verification mails a user may ask for
	// again per Window.
	VerifyMailPerAccount int
	Window               time.Duration
}

// Config is what the auth service needs to know of the deployment.
type Config struct {
	Secret string
	// PreviousSecret is the deployment secret before the last rotation:
	// access tokens it signed still verify until they expire.
	PreviousSecret  string
	PublicURL       string
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	Limits          Limits
	// RequireVerifiedEmail keeps accounts whose e-mail is not verified
	// from messaging, befriending, groups and uploads.
	RequireVerifiedEmail bool
	// Clock tells the time of tokens, tickets and links (the real clock
	// when nil).
	Clock clockwork.Clock
}

// Service implements accounts and sessions.
type Service struct {
	store    *store.Store
	rdb      redis.UniversalClient
	keys     func(parts ...string) string
	limiter  *ratelimit.Limiter
	jobs     Jobs
	sessions Sessions
	mailer   notify.Mailer
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
}

// New builds the service. keys prefixes Redis keys for this deployment;
// limiter holds the sign-in and sign-up limits; sessions closes the sockets
// of a user signed out or disabled.
func New(st *store.Store, rdb redis.UniversalClient, keys func(parts ...string) string, limiter *ratelimit.Limiter, jobs Jobs, mailer notify.Mailer, sessions Sessions, cfg Config, log *slog.Logger) *Service {
	return &Service{
		store: st, rdb: rdb, keys: keys, limiter: limiter,
		jobs: jobs, mailer: mailer, sessions: sessions, cfg: cfg, log: log,
		now: nowFunc(cfg.Clock),
	}
}

// nowFunc reads clock (the real one when nil) in UTC.
func nowFunc(clock clockwork.Clock) func() time.Time {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	return func() time.Time { return clock.Now().UTC() }
}
