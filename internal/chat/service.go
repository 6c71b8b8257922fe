// Package chat owns conversations and messages: the per-conversation seq,
// idempotent sends, history, read marks, recall, typing, and the offline
// digest mail. Jobs are written in the send's transaction; frames are
// published only after commit. What differs between kinds of conversation
// (who reads, who sends, who hears) is left to each Kind, registered in
// New: chat never names one.
package chat

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/parley-chat/parley/internal/metrics"
	"github.com/parley-chat/parley/internal/notify"
	"github.com/parley-chat/parley/internal/ratelimit"
	"github.com/parley-chat/parley/internal/store"
)

// Publisher delivers frames to users' sessions on any node.
type Publisher interface {
	Publish(ctx context.Context, recipients []string, frame any) error
}

// Presence tells whether a user has an open session.
type Presence interface {
	Online(ctx context.Context, userID int64) bool
}

// Jobs schedules background work through the transaction that decides it.
type Jobs interface {
	EnqueueOfflineDigest(ctx context.Context, tx *store.Store, userID, conversationID int64, delay, window time.Duration) error
	EnqueueOfflinePush(ctx context.Context, tx *store.Store, userID, conversationID int64, delay, window time.Duration) error
}

// Config tunes the chat service.
type Config struct {
	PublicURL          string
	OfflineNotifyDelay time.Duration
	// PushDelay is how long a message waits unread before a Web Push job
	// runs for an offline member with a push subscription (0: none).
	PushDelay          time.Duration
	SendLimitPerMinute int
	// SearchLimitPerMinute bounds the searches of one user.
	SearchLimitPerMinute int
	// Clock tells the time of messages, recalls and digests (the real
	// clock when nil).
	Clock clockwork.Clock
	// Gate, when set, is passed by the send writer before each batch it
	// commits (see Gate).
	Gate Gate
}

// A Gate paces the node's send writer: Pass is called before each batch is
// gathered and committed, and the batch waits until it returns. Sends that
// arrive meanwhile queue and join that batch. `parley serve` sets none;
// harnesses use one to hold commits (so a known set of sends meets in one
// batch, or a shutdown finds sends queued) or to add latency (a slow
// database, as `parley bench` should notice).
type Gate interface {
	Pass()
}

// RecallWindow is how long a sender may recall their own message.
const RecallWindow = 2 * time.Minute

// MaxBodyRunes bounds a text message.
const MaxBodyRunes = 10000

// Service implements conversations and messages.
type Service struct {
	store    *store.Store
	pub      Publisher
	presence Presence
	kinds    Kinds
	media    Attachments
	views    *Views
	jobs     Jobs
	mailer   notify.Mailer
	limiter  *ratelimit.Limiter
	metrics  *metrics.Metrics
	cfg      Config
	log      *slog.Logger
	now      func() time.Time

	writer *sendWriter
	cache  kindCache
}

// VisitorKey is the realtime recipient key of a widget visitor.
func VisitorKey(id int64) string { return "v:" + strconv.FormatInt(id, 10) }

// New builds the chat service. kinds holds the rules of every kind of
// conversation; views' media also checks the uploads that messages attach
// (without it media messages are refused).
func New(st *store.Store, pub Publisher, presence Presence, jobs Jobs, mailer notify.Mailer, limiter *ratelimit.Limiter, m *metrics.Metrics,
	kinds Kinds, views *Views, cfg Config, log *slog.Logger) *Service {
	clock := cfg.Clock
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	s := &Service{
		store: st, pub: pub, presence: presence, jobs: jobs, mailer: mailer, limiter: limiter,
		kinds: kinds, views: views, media: views.media,
		metrics: m, cfg: cfg, log: log, now: func() time.Time { return clock.Now().UTC() },
	}
	// One writer per node on both databases. SQLite has one writer at a
	// time anyway; on PostgreSQL, where several transactions could commit
	// at once, parley bench W1 measured one writer best (p99 at 1,000
	// msg/s 6.2–8.2 ms against 10–15 ms with four by conversation, and the
	// same peak): one writer makes bigger batches, and a batch costs the
	// same few statements whatever its size. Several nodes still write in
	// parallel.
	s.writer = newSendWriter(s)
	return s
}

// UserKey is the realtime recipient key of a user.
func UserKey(id int64) string { return "u:" + strconv.FormatInt(id, 10) }

// publish sends a frame after commit; a failure is logged and counted by
// the hub, never returned: the write already happened and clients resync.
func (s *Service) publish(ctx context.Context, userIDs []int64, frame any) {
	keys := make([]string, 0, len(userIDs))
	for _, id := range userIDs {
		keys = append(keys, UserKey(id))
	}
	if err := s.pub.Publish(ctx, keys, frame); err != nil {
		s.log.WarnContext(ctx, "publish failed; clients will resync", "err", err)
	}
}
