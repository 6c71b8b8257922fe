package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jonboulle/clockwork"
	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/internal/metrics"
	"github.com/parley-chat/parley/internal/store"
)

// Client schedules jobs. Each Enqueue method writes the job as an outbox
// row through tx, the transaction of the change that decides it, so the
// job is kept exactly when the change is; the relay (RunRelay) hands it to
// asynq when it is due. A job no change decides (a reset mail) passes the
// Store itself as tx.
type Client struct {
	aq      *asynq.Client
	rdb     redis.UniversalClient
	prefix  string
	log     *slog.Logger
	metrics *metrics.Metrics
	outbox  Outbox
	clock   clockwork.Clock
	wake    chan struct{}
}

// Outbox is where jobs wait until they are done (the store implements it).
type Outbox interface {
	OutboxJobsToHand(ctx context.Context, horizon, handedBefore time.Time, limit int) ([]store.OutboxJob, error)
	MarkOutboxJobsHanded(ctx context.Context, ids []int64, t time.Time) error
	RecordOutboxHandFailure(ctx context.Context, id int64, lastErr string) error
	DeleteDoneOutboxJobs(ctx context.Context, doneBefore, now time.Time) (int64, error)
}

// NewClient returns a Client on the given Redis client (which it closes on
// Close), relaying the jobs of outbox. Queue names get prefix. A job's due
// time is read from clock (the real one when nil): the relay hands asynq
// the jobs due by it, so a clock moved forward makes delayed jobs due.
func NewClient(rdb redis.UniversalClient, outbox Outbox, prefix string, clock clockwork.Clock, log *slog.Logger, m *metrics.Metrics) *Client {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	return &Client{aq: asynq.NewClientFromRedisClient(rdb), rdb: rdb, outbox: outbox, prefix: prefix, clock: clock, log: log, metrics: m,
		wake: make(chan struct{}, 1)}
}

// Close releases the Redis connection.
func (c *Client) Close() error { return c.rdb.Close() }

// Queue returns the full name of a queue for this deployment.
func (c *Client) Queue(name string) string { return c.prefix + name }

// EnqueueVerifyMail schedules the verification mail for a new user, in
// lang unless they have a language setting.
func (c *Client) EnqueueVerifyMail(ctx context.Context, tx *store.Store, userID int64, lang string) error {
	return c.add(ctx, tx, TypeVerifyMail, VerifyMailPayload{UserID: userID, Language: lang},
		spec{Queue: QueueCritical, MaxRetry: 10, Timeout: time.Minute})
}

// EnqueueResetMail schedules a password-reset mail, in lang unless the
// user has a language setting.
func (c *Client) EnqueueResetMail(ctx context.Context, tx *store.Store, userID int64, lang string) error {
	return c.add(ctx, tx, TypeResetMail, VerifyMailPayload{UserID: userID, Language: lang},
		spec{Queue: QueueCritical, MaxRetry: 10, Timeout: time.Minute})
}

// EnqueueSignupAttemptMail schedules the mail that tells an account's
// owner someone tried to register with their address, in lang unless the
// owner has a language setting.
func (c *Client) EnqueueSignupAttemptMail(ctx context.Context, tx *store.Store, userID int64, lang string) error {
	return c.add(ctx, tx, TypeSignupNotice, VerifyMailPayload{UserID: userID, Language: lang},
		spec{Queue: QueueCritical, MaxRetry: 10, Timeout: time.Minute})
}

// EnqueueOfflineDigest schedules, after delay, a digest mail for a user who
// has unread messages in a conversation. Repeats within delay+window
// collapse into the one already scheduled.
func (c *Client) EnqueueOfflineDigest(ctx context.Context, tx *store.Store, userID, conversationID int64, delay, window time.Duration) error {
	return c.add(ctx, tx, TypeOfflineDigest, OfflineDigestPayload{UserID: userID, ConversationID: conversationID},
		spec{Queue: QueueDefault, Delay: delay, Fold: fmt.Sprintf("%d:%d", userID, conversationID), FoldFor: delay + window, MaxRetry: 5, Timeout: time.Minute})
}

// EnqueueOfflinePush schedules, after delay, a Web Push to a user who has
// unread messages in a conversation. Repeats within delay+window collapse
// into the one already scheduled.
func (c *Client) EnqueueOfflinePush(ctx context.Context, tx *store.Store, userID, conversationID int64, delay, window time.Duration) error {
	return c.add(ctx, tx, TypeOfflinePush, OfflineDigestPayload{UserID: userID, ConversationID: conversationID},
		spec{Queue: QueueDefault, Delay: delay, Fold: fmt.Sprintf("%d:%d", userID, conversationID), FoldFor: delay + window, MaxRetry: PushMaxRetry, Timeout: time.Minute})
}

// EnqueueAssignTimeout schedules the check that an assignment was answered.
func (c *Client) EnqueueAssignTimeout(ctx context.Context, tx *store.Store, conversationID, agentID, assignedAt int64, delay time.Duration) error {
	return c.add(ctx, tx, TypeAssignTimeout, AssignTimeoutPayload{ConversationID: conversationID, AgentID: agentID, AssignedAt: assignedAt},
		spec{Queue: QueueCritical, Delay: delay, Fold: fmt.Sprintf("%d:%d:%d", conversationID, agentID, assignedAt), FoldFor: delay + time.Minute, MaxRetry: 5, Timeout: time.Minute})
}

// EnqueueNotifyAgents schedules the mail to agents about a visitor's
// unanswered message; repeats within the delay fold into it.
func (c *Client) EnqueueNotifyAgents(ctx context.Context, tx *store.Store, conversationID int64, delay time.Duration) error {
	return c.add(ctx, tx, TypeNotifyAgents, ConversationPayload{ConversationID: conversationID},
		spec{Queue: QueueDefault, Delay: delay, Fold: fmt.Sprint(conversationID), FoldFor: delay, MaxRetry: 5, Timeout: time.Minute})
}

// EnqueueNotifyVisitor schedules the mail to a visitor about replies they
// have not seen; one per window.
func (c *Client) EnqueueNotifyVisitor(ctx context.Context, tx *store.Store, conversationID int64, delay, window time.Duration) error {
	return c.add(ctx, tx, TypeNotifyVisitor, ConversationPayload{ConversationID: conversationID},
		spec{Queue: QueueDefault, Delay: delay, Fold: fmt.Sprint(conversationID), FoldFor: delay + window, MaxRetry: 5, Timeout: time.Minute})
}

// EnqueueWebhook schedules a webhook delivery (retried with back-off).
func (c *Client) EnqueueWebhook(ctx context.Context, tx *store.Store, deliveryID int64) error {
	return c.add(ctx, tx, TypeWebhook, WebhookPayload{DeliveryID: deliveryID},
		spec{Queue: QueueDefault, MaxRetry: WebhookMaxRetry, Timeout: 30 * time.Second})
}

// EnqueueBotDelivery schedules a delivery to a bot's webhook (retried
// with back-off like a webhook's).
func (c *Client) EnqueueBotDelivery(ctx context.Context, tx *store.Store, p BotDeliveryPayload) error {
	return c.add(ctx, tx, TypeBotDelivery, p, spec{Queue: QueueDefault, MaxRetry: WebhookMaxRetry, Timeout: 30 * time.Second})
}

// EnqueueRefundRedPacket schedules, after delay, the refund of what is
// left of a red packet; once per packet however often it is called (the
// handler is idempotent as well).
func (c *Client) EnqueueRefundRedPacket(ctx context.Context, tx *store.Store, redPacketID int64, delay time.Duration) error {
	return c.add(ctx, tx, TypeRefundPacket, RefundPacketPayload{RedPacketID: redPacketID},
		spec{Queue: QueueDefault, Delay: delay, Fold: fmt.Sprint(redPacketID), FoldFor: delay + time.Hour, MaxRetry: 10, Timeout: time.Minute})
}

// EnqueueAutomation schedules the evaluation of a site's automation rules
// for an event of a support conversation.
func (c *Client) EnqueueAutomation(ctx context.Context, tx *store.Store, p AutomationPayload) error {
	return c.add(ctx, tx, TypeAutomation, p, spec{Queue: QueueDefault, MaxRetry: 5, Timeout: time.Minute})
}

// EnqueueAutomationIdle schedules, after delay, the check whether a
// conversation stayed silent for an idle rule. Repeats for the same
// conversation and rule within delay fold into the one scheduled: its
// check schedules the next if the conversation spoke meanwhile.
func (c *Client) EnqueueAutomationIdle(ctx context.Context, tx *store.Store, p AutomationPayload, delay time.Duration) error {
	return c.add(ctx, tx, TypeAutomationIdle, p,
		spec{Queue: QueueDefault, Delay: delay, Fold: fmt.Sprintf("%d:%d", p.ConversationID, p.RuleID), FoldFor: delay, MaxRetry: 5, Timeout: time.Minute})
}

// spec says how a job runs: its queue (without the prefix), when, how it
// folds with repeats (Fold names the job among its type's for FoldFor),
// and asynq's retry and time-out.
type spec struct {
	Queue    string
	Delay    time.Duration
	Fold     string
	FoldFor  time.Duration
	MaxRetry int
	Timeout  time.Duration
}

// add writes a job to the outbox through tx and, once tx commits, wakes
// the relay so that a job due now is handed at once rather than at the
// relay's next round.
func (c *Client) add(ctx context.Context, tx *store.Store, typ string, payload any, sp spec) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	now := c.clock.Now().UTC()
	j := &store.OutboxJob{Type: typ, Payload: string(b), Queue: sp.Queue, MaxRetry: sp.MaxRetry,
		TimeoutSeconds: int(sp.Timeout / time.Second), RunAt: now.Add(max(0, sp.Delay)), CreatedAt: now}
	if sp.Fold != "" {
		key, until := typ+":"+sp.Fold, now.Add(sp.FoldFor)
		j.DedupeKey, j.DedupeUntil = &key, &until
	}
	added, err := tx.AddOutboxJob(ctx, j)
	if err != nil {
		c.metrics.JobsEnqueued.WithLabelValues(typ, "error").Inc()
		c.log.ErrorContext(ctx, "outbox refused a job", "task", typ, "err", err)
		return err
	}
	if !added {
		c.metrics.JobsEnqueued.WithLabelValues(typ, "duplicate").Inc()
		return nil
	}
	c.metrics.JobsEnqueued.WithLabelValues(typ, "ok").Inc()
	if sp.Delay <= relayHorizon {
		tx.AfterCommit(c.Wake)
	}
	return nil
}

// Wake asks the relay for a round now.
func (c *Client) Wake() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}
