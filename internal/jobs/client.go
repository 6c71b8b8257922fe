package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/internal/metrics"
	"github.com/parley-chat/parley/internal/store"
)

// Client enqueues tasks. Failures are logged and counted here; callers
// enqueue after their commit and never fail a write for it.
type Client struct {
	aq      *asynq.Client
	rdb     redis.UniversalClient
	prefix  string
	log     *slog.Logger
	metrics *metrics.Metrics
	outbox  Outbox
}

// Outbox keeps jobs that could not be enqueued (the store implements it).
type Outbox interface {
	AddOutboxJob(ctx context.Context, j *store.JobOutbox) error
	DueOutboxJobs(ctx context.Context, now time.Time, limit int) ([]store.JobOutbox, error)
	ClaimOutboxJob(ctx context.Context, id int64, now, until time.Time) (bool, error)
	RescheduleOutboxJob(ctx context.Context, id int64, next time.Time, lastErr string) error
	DeleteOutboxJob(ctx context.Context, id int64) error
}

// NewClient returns a Client on the given Redis client (which it closes on
// Close), keeping failed enqueues in outbox. Queue names get prefix.
func NewClient(rdb redis.UniversalClient, outbox Outbox, prefix string, log *slog.Logger, m *metrics.Metrics) *Client {
	return &Client{aq: asynq.NewClientFromRedisClient(rdb), rdb: rdb, outbox: outbox, prefix: prefix, log: log, metrics: m}
}

// Close releases the Redis connection.
func (c *Client) Close() error { return c.rdb.Close() }

// Queue returns the full name of a queue for this deployment.
func (c *Client) Queue(name string) string { return c.prefix + name }

// EnqueueVerifyMail schedules the verification mail for a new user.
func (c *Client) EnqueueVerifyMail(ctx context.Context, userID int64) error {
	return c.enqueue(ctx, TypeVerifyMail, VerifyMailPayload{UserID: userID},
		spec{Queue: c.Queue(QueueCritical), MaxRetry: 10, Timeout: time.Minute})
}

// EnqueueResetMail schedules a password-reset mail.
func (c *Client) EnqueueResetMail(ctx context.Context, userID int64) error {
	return c.enqueue(ctx, TypeResetMail, VerifyMailPayload{UserID: userID},
		spec{Queue: c.Queue(QueueCritical), MaxRetry: 10, Timeout: time.Minute})
}

// EnqueueSignupAttemptMail schedules the mail that tells an account's
// owner someone tried to register with their address.
func (c *Client) EnqueueSignupAttemptMail(ctx context.Context, userID int64) error {
	return c.enqueue(ctx, TypeSignupNotice, VerifyMailPayload{UserID: userID},
		spec{Queue: c.Queue(QueueCritical), MaxRetry: 10, Timeout: time.Minute})
}

// EnqueueOfflineDigest schedules, after delay, a digest mail for a user who
// has unread messages in a conversation. Repeats within delay+window
// collapse into the one already scheduled.
func (c *Client) EnqueueOfflineDigest(ctx context.Context, userID, conversationID int64, delay, window time.Duration) error {
	return c.enqueue(ctx, TypeOfflineDigest, OfflineDigestPayload{UserID: userID, ConversationID: conversationID},
		spec{Queue: c.Queue(QueueDefault), RunAt: time.Now().Add(delay), Unique: delay + window, MaxRetry: 5, Timeout: time.Minute})
}

// EnqueueAssignTimeout schedules the check that an assignment was answered.
func (c *Client) EnqueueAssignTimeout(ctx context.Context, conversationID, agentID, assignedAt int64, delay time.Duration) error {
	return c.enqueue(ctx, TypeAssignTimeout, AssignTimeoutPayload{ConversationID: conversationID, AgentID: agentID, AssignedAt: assignedAt},
		spec{Queue: c.Queue(QueueCritical), RunAt: time.Now().Add(delay), Unique: delay + time.Minute, MaxRetry: 5, Timeout: time.Minute})
}

// EnqueueNotifyAgents schedules the mail to agents about a visitor's
// unanswered message; repeats within the delay fold into it.
func (c *Client) EnqueueNotifyAgents(ctx context.Context, conversationID int64, delay time.Duration) error {
	return c.enqueue(ctx, TypeNotifyAgents, ConversationPayload{ConversationID: conversationID},
		spec{Queue: c.Queue(QueueDefault), RunAt: time.Now().Add(delay), Unique: delay, MaxRetry: 5, Timeout: time.Minute})
}

// EnqueueNotifyVisitor schedules the mail to a visitor about replies they
// have not seen; one per window.
func (c *Client) EnqueueNotifyVisitor(ctx context.Context, conversationID int64, delay, window time.Duration) error {
	return c.enqueue(ctx, TypeNotifyVisitor, ConversationPayload{ConversationID: conversationID},
		spec{Queue: c.Queue(QueueDefault), RunAt: time.Now().Add(delay), Unique: delay + window, MaxRetry: 5, Timeout: time.Minute})
}

// EnqueueWebhook schedules a webhook delivery (retried with back-off).
func (c *Client) EnqueueWebhook(ctx context.Context, deliveryID int64) error {
	return c.enqueue(ctx, TypeWebhook, WebhookPayload{DeliveryID: deliveryID},
		spec{Queue: c.Queue(QueueDefault), MaxRetry: WebhookMaxRetry, Timeout: 30 * time.Second})
}

// EnqueueRefundRedPacket schedules, after delay, the refund of what is
// left of a red packet. The task id names the packet, so it is scheduled
// once however often this is called; the handler is idempotent as well.
func (c *Client) EnqueueRefundRedPacket(ctx context.Context, redPacketID int64, delay time.Duration) error {
	return c.enqueue(ctx, TypeRefundPacket, RefundPacketPayload{RedPacketID: redPacketID},
		spec{Queue: c.Queue(QueueDefault), RunAt: time.Now().Add(delay), TaskID: fmt.Sprintf("%s:%d", TypeRefundPacket, redPacketID), MaxRetry: 10, Timeout: time.Minute})
}

// spec says how a task is enqueued. It is what the outbox keeps when
// Redis is away, so that the task can be enqueued the same way later.
type spec struct {
	Queue    string        `json:"queue"`
	RunAt    time.Time     `json:"run_at,omitempty"`
	Unique   time.Duration `json:"unique,omitempty"`
	TaskID   string        `json:"task_id,omitempty"`
	MaxRetry int           `json:"max_retry"`
	Timeout  time.Duration `json:"timeout"`
}

func (s spec) options() []asynq.Option {
	opts := []asynq.Option{asynq.Queue(s.Queue), asynq.MaxRetry(s.MaxRetry), asynq.Timeout(s.Timeout)}
	if !s.RunAt.IsZero() && s.RunAt.After(time.Now()) {
		opts = append(opts, asynq.ProcessAt(s.RunAt))
	}
	if s.Unique > 0 {
		opts = append(opts, asynq.Unique(s.Unique))
	}
	if s.TaskID != "" {
		opts = append(opts, asynq.TaskID(s.TaskID))
	}
	return opts
}

// enqueue hands a task to Redis. When Redis can't take it, the task is
// kept in the database outbox and enqueued again by Drain: a failed
// enqueue is retried, never dropped.
func (c *Client) enqueue(ctx context.Context, typ string, payload any, sp spec) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	err = c.send(ctx, typ, b, sp)
	if err == nil || c.outbox == nil {
		return err
	}
	specJSON, _ := json.Marshal(sp)
	now := time.Now().UTC()
	if oerr := c.outbox.AddOutboxJob(ctx, &store.JobOutbox{Type: typ, Payload: string(b), Spec: string(specJSON),
		LastError: err.Error(), NextAttemptAt: now.Add(outboxRetry), CreatedAt: now}); oerr != nil {
		c.log.ErrorContext(ctx, "enqueue failed and the outbox refused the job", "task", typ, "err", err, "outbox_err", oerr)
		return err
	}
	c.metrics.JobsEnqueued.WithLabelValues(typ, "deferred").Inc()
	c.log.WarnContext(ctx, "enqueue failed; kept in the outbox for retry", "task", typ, "err", err)
	return nil
}

// send enqueues once; a duplicate of a unique task counts as success.
func (c *Client) send(ctx context.Context, typ string, payload []byte, sp spec) error {
	_, err := c.aq.EnqueueContext(ctx, asynq.NewTask(typ, payload), sp.options()...)
	switch {
	case err == nil:
		c.metrics.JobsEnqueued.WithLabelValues(typ, "ok").Inc()
		return nil
	case errors.Is(err, asynq.ErrDuplicateTask), errors.Is(err, asynq.ErrTaskIDConflict):
		c.metrics.JobsEnqueued.WithLabelValues(typ, "duplicate").Inc()
		return nil
	default:
		c.metrics.JobsEnqueued.WithLabelValues(typ, "error").Inc()
		return err
	}
}

// outboxRetry is the first wait before an outbox job is tried again; it
// doubles with each failure up to outboxMaxWait.
const (
	outboxRetry   = 2 * time.Second
	outboxMaxWait = 5 * time.Minute
)

// Drain enqueues the outbox jobs that are due. Each is claimed first, so
// nodes draining at once don't enqueue one twice. It stops at the first
// failure: Redis is still away.
func (c *Client) Drain(ctx context.Context) (int, error) {
	if c.outbox == nil {
		return 0, nil
	}
	now := time.Now().UTC()
	due, err := c.outbox.DueOutboxJobs(ctx, now, 200)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, j := range due {
		ok, err := c.outbox.ClaimOutboxJob(ctx, j.ID, now, now.Add(time.Minute))
		if err != nil {
			return done, err
		}
		if !ok {
			continue
		}
		var sp spec
		if err := json.Unmarshal([]byte(j.Spec), &sp); err != nil {
			c.log.ErrorContext(ctx, "outbox job unreadable; dropped", "id", j.ID, "task", j.Type, "err", err)
			_ = c.outbox.DeleteOutboxJob(ctx, j.ID)
			continue
		}
		if err := c.send(ctx, j.Type, []byte(j.Payload), sp); err != nil {
			wait := outboxRetry << min(j.Attempts+1, 8)
			_ = c.outbox.RescheduleOutboxJob(ctx, j.ID, now.Add(min(wait, outboxMaxWait)), err.Error())
			return done, err
		}
		if err := c.outbox.DeleteOutboxJob(ctx, j.ID); err != nil {
			return done, err
		}
		done++
	}
	return done, nil
}

// RunOutbox drains the outbox every interval until ctx is done.
func (c *Client) RunOutbox(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := c.Drain(ctx); n > 0 || (err != nil && ctx.Err() == nil) {
				c.log.Info("job outbox drained", "enqueued", n, "err", err)
			}
		}
	}
}
