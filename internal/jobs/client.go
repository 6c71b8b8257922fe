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
)

// Client enqueues tasks. Failures are logged and counted here; callers
// enqueue after their commit and never fail a write for it.
type Client struct {
	aq      *asynq.Client
	rdb     redis.UniversalClient
	prefix  string
	log     *slog.Logger
	metrics *metrics.Metrics
}

// NewClient returns a Client on the given Redis client (which it closes on
// Close). Queue names get prefix.
func NewClient(rdb redis.UniversalClient, prefix string, log *slog.Logger, m *metrics.Metrics) *Client {
	return &Client{aq: asynq.NewClientFromRedisClient(rdb), rdb: rdb, prefix: prefix, log: log, metrics: m}
}

// Close releases the Redis connection.
func (c *Client) Close() error { return c.rdb.Close() }

// Queue returns the full name of a queue for this deployment.
func (c *Client) Queue(name string) string { return c.prefix + name }

// EnqueueVerifyMail schedules the verification mail for a new user.
func (c *Client) EnqueueVerifyMail(ctx context.Context, userID int64) error {
	return c.enqueue(ctx, TypeVerifyMail, VerifyMailPayload{UserID: userID},
		asynq.Queue(c.Queue(QueueCritical)), asynq.MaxRetry(10), asynq.Timeout(time.Minute))
}

// EnqueueOfflineDigest schedules, after delay, a digest mail for a user who
// has unread messages in a conversation. Repeats within delay+window
// collapse into the one already scheduled.
func (c *Client) EnqueueOfflineDigest(ctx context.Context, userID, conversationID int64, delay, window time.Duration) error {
	return c.enqueue(ctx, TypeOfflineDigest, OfflineDigestPayload{UserID: userID, ConversationID: conversationID},
		asynq.Queue(c.Queue(QueueDefault)), asynq.ProcessIn(delay), asynq.Unique(delay+window),
		asynq.MaxRetry(5), asynq.Timeout(time.Minute))
}

// EnqueueAssignTimeout schedules the check that an assignment was answered.
func (c *Client) EnqueueAssignTimeout(ctx context.Context, conversationID, agentID, assignedAt int64, delay time.Duration) error {
	return c.enqueue(ctx, TypeAssignTimeout, AssignTimeoutPayload{ConversationID: conversationID, AgentID: agentID, AssignedAt: assignedAt},
		asynq.Queue(c.Queue(QueueCritical)), asynq.ProcessIn(delay), asynq.Unique(delay+time.Minute),
		asynq.MaxRetry(5), asynq.Timeout(time.Minute))
}

// EnqueueNotifyAgents schedules the mail to agents about a visitor's
// unanswered message; repeats within the delay fold into it.
func (c *Client) EnqueueNotifyAgents(ctx context.Context, conversationID int64, delay time.Duration) error {
	return c.enqueue(ctx, TypeNotifyAgents, ConversationPayload{ConversationID: conversationID},
		asynq.Queue(c.Queue(QueueDefault)), asynq.ProcessIn(delay), asynq.Unique(delay),
		asynq.MaxRetry(5), asynq.Timeout(time.Minute))
}

// EnqueueNotifyVisitor schedules the mail to a visitor about replies they
// have not seen; one per window.
func (c *Client) EnqueueNotifyVisitor(ctx context.Context, conversationID int64, delay, window time.Duration) error {
	return c.enqueue(ctx, TypeNotifyVisitor, ConversationPayload{ConversationID: conversationID},
		asynq.Queue(c.Queue(QueueDefault)), asynq.ProcessIn(delay), asynq.Unique(delay+window),
		asynq.MaxRetry(5), asynq.Timeout(time.Minute))
}

// EnqueueWebhook schedules a webhook delivery (retried with back-off).
func (c *Client) EnqueueWebhook(ctx context.Context, deliveryID int64) error {
	return c.enqueue(ctx, TypeWebhook, WebhookPayload{DeliveryID: deliveryID},
		asynq.Queue(c.Queue(QueueDefault)), asynq.MaxRetry(WebhookMaxRetry), asynq.Timeout(30*time.Second))
}

// EnqueueRefundRedPacket schedules, after delay, the refund of what is
// left of a red packet. The task id names the packet, so it is scheduled
// once however often this is called; the handler is idempotent as well.
func (c *Client) EnqueueRefundRedPacket(ctx context.Context, redPacketID int64, delay time.Duration) error {
	return c.enqueue(ctx, TypeRefundPacket, RefundPacketPayload{RedPacketID: redPacketID},
		asynq.Queue(c.Queue(QueueDefault)), asynq.ProcessIn(delay), asynq.TaskID(fmt.Sprintf("%s:%d", TypeRefundPacket, redPacketID)),
		asynq.MaxRetry(10), asynq.Timeout(time.Minute))
}

func (c *Client) enqueue(ctx context.Context, typ string, payload any, opts ...asynq.Option) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	_, err = c.aq.EnqueueContext(ctx, asynq.NewTask(typ, b), opts...)
	switch {
	case err == nil:
		c.metrics.JobsEnqueued.WithLabelValues(typ, "ok").Inc()
		return nil
	case errors.Is(err, asynq.ErrDuplicateTask), errors.Is(err, asynq.ErrTaskIDConflict):
		c.metrics.JobsEnqueued.WithLabelValues(typ, "duplicate").Inc()
		return nil
	default:
		c.metrics.JobsEnqueued.WithLabelValues(typ, "error").Inc()
		c.log.ErrorContext(ctx, "enqueue failed", "task", typ, "err", err)
		return err
	}
}
