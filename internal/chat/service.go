// Package chat owns conversations and messages: the per-conversation seq,
// idempotent sends, history, read marks, recall, typing, and the offline
// digest mail. Jobs are written in the send's transaction; frames are
// published only after commit.
package chat

import (
	"context"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

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

// SendPolicy decides, inside the send's transaction, whether a member may
// post in a conversation (friendship for direct chats, mutes in groups).
// It returns a domain error (e.g. 422 not_friends, muted) to refuse.
type SendPolicy interface {
	CheckSend(ctx context.Context, tx *store.Store, conv *store.Conversation, userID int64) error
	// CheckSends judges a batch of sends with a few statements in all:
	// verdicts[i] is what CheckSend would answer for sends[i]; err is a
	// failure of the database.
	CheckSends(ctx context.Context, tx *store.Store, sends []SendCheck) (verdicts []error, err error)
}

// SendCheck is one send of a batch for the SendPolicy: who posts where,
// with the conversation's members as the batch read them.
type SendCheck struct {
	Conv    *store.Conversation
	UserID  int64
	Members []store.Member
}

// Access decides who reads, writes and hears support conversations. It
// answers from the current role, site, queues and assignment at each call:
// membership rows of a support conversation remember who took part (and
// their read marks), they grant nothing.
type Access interface {
	// VisitorCanUse returns nil when the visitor may read and post in conv,
	// else a domain error (404 for someone else's conversation).
	VisitorCanUse(ctx context.Context, st *store.Store, conv *store.Conversation, visitorID int64) error
	// UserCanRead reports whether a user may read conv now: its history,
	// its frames, their read mark and typing.
	UserCanRead(ctx context.Context, st *store.Store, conv *store.Conversation, userID int64) (bool, error)
	// UserCanSend returns nil when a user may post a message of kind in
	// conv now, else a domain error (404 when they may not even read it).
	UserCanSend(ctx context.Context, st *store.Store, conv *store.Conversation, userID int64, kind store.MessageKind) error
	// AfterSend runs inside the send's transaction (first-reply stamps,
	// reopening a resolved chat, …).
	AfterSend(ctx context.Context, tx *store.Store, conv *store.Conversation, msg *store.Message) error
	// Audience returns the recipient keys of an event of conv (msg is nil
	// for events that are not a message): those of userIDs who may read conv
	// at the moment of publishing, and its visitor unless msg is a note.
	Audience(ctx context.Context, conv *store.Conversation, msg *store.Message, userIDs []int64) []string
	// Published runs after a new message was committed and published.
	Published(ctx context.Context, conv *store.Conversation, msg *Message)
}

// DirectOpenPolicy is an optional extension of SendPolicy: when the send
// policy also implements it, OpenDirect consults it inside its transaction
// before creating a new direct conversation (an existing one always opens,
// so that history stays readable).
type DirectOpenPolicy interface {
	CheckOpenDirect(ctx context.Context, tx *store.Store, userID, peerID int64) error
}

// Jobs schedules background work through the transaction that decides it.
type Jobs interface {
	EnqueueOfflineDigest(ctx context.Context, tx *store.Store, userID, conversationID int64, delay, window time.Duration) error
}

// Config tunes the chat service.
type Config struct {
	PublicURL          string
	OfflineNotifyDelay time.Duration
	SendLimitPerMinute int
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
	policy   SendPolicy
	access   Access
	media    Attachments
	packets  RedPacketViews
	jobs     Jobs
	mailer   notify.Mailer
	limiter  *ratelimit.Limiter
	metrics  *metrics.Metrics
	cfg      Config
	log      *slog.Logger
	now      func() time.Time

	writer *sendWriter
	kinds  kindCache

	// sendDelay (nanoseconds) slows every send down; zero except in the
	// tests that check `parley bench` notices a slow server.
	sendDelay atomic.Int64
}

// SetSendDelay makes every send wait d before it starts its transaction.
// Only tests call it, to play a slow server; production never does.
func (s *Service) SetSendDelay(d time.Duration) { s.sendDelay.Store(int64(d)) }

// SetSendPolicy installs the policy consulted by every send. Set once at
// wiring time, before serving.
func (s *Service) SetSendPolicy(p SendPolicy) { s.policy = p }

// SetAccess installs the support conversations' access hook. Set once at
// wiring time, before serving.
func (s *Service) SetAccess(a Access) { s.access = a }

// VisitorKey is the realtime recipient key of a widget visitor.
func VisitorKey(id int64) string { return "v:" + strconv.FormatInt(id, 10) }

// New builds the chat service.
func New(st *store.Store, pub Publisher, presence Presence, jobs Jobs, mailer notify.Mailer, limiter *ratelimit.Limiter, m *metrics.Metrics, cfg Config, log *slog.Logger) *Service {
	s := &Service{
		store: st, pub: pub, presence: presence, jobs: jobs, mailer: mailer, limiter: limiter,
		metrics: m, cfg: cfg, log: log, now: func() time.Time { return time.Now().UTC() },
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
