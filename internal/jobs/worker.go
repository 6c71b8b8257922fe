package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jonboulle/clockwork"

	"github.com/parley-chat/parley/internal/metrics"
)

// VerifyMailer sends the account mails of a user: verification and
// password reset, in the user's language, else lang (the request's).
type VerifyMailer interface {
	SendVerificationMail(ctx context.Context, userID int64, lang string) error
	SendResetMail(ctx context.Context, userID int64, lang string) error
	SendSignupAttemptMail(ctx context.Context, userID int64, lang string) error
}

// DigestMailer sends a user the digest of a conversation's unread messages.
// job is the task's id, which the mail's claim records.
type DigestMailer interface {
	SendOfflineDigest(ctx context.Context, job string, userID, conversationID int64) error
}

// Pusher sends a user the Web Push of a conversation's unread messages.
// job is the task's id, which the push's claim records.
type Pusher interface {
	SendOfflinePush(ctx context.Context, job string, userID, conversationID int64) error
}

// AssignTimeouts moves customer service's unanswered assignments on.
type AssignTimeouts interface {
	HandleAssignTimeout(ctx context.Context, conversationID, agentID, assignedAt int64) error
}

// FollowUpMailer mails support's agents and visitors who are away (job is
// the task's id, which a mail's claim records).
type FollowUpMailer interface {
	NotifyAgents(ctx context.Context, job string, conversationID int64) error
	NotifyVisitor(ctx context.Context, job string, conversationID int64) error
}

// WebhookDeliverer posts a stored delivery to its webhook; last says
// whether no retry follows a failure.
type WebhookDeliverer interface {
	Deliver(ctx context.Context, deliveryID int64, last bool) error
}

// BotDeliverer posts an event of a conversation to its bot's webhook;
// delivery is the job's id (the same on every try) and last says whether
// no retry follows a failure.
type BotDeliverer interface {
	DeliverToBot(ctx context.Context, delivery string, p BotDeliveryPayload, last bool) error
}

// PacketRefunder gives what is left of an expired red packet back to its
// sender, once however often it is called.
type PacketRefunder interface {
	RefundRedPacket(ctx context.Context, redPacketID int64) error
}

// UploadCleaner deletes expired upload reservations, uploads no message
// carries after their time, and files without a row; safe to run on
// several nodes at once.
type UploadCleaner interface {
	CleanUploads(ctx context.Context) error
}

// Automation runs a site's automation rules for an event, and checks an
// idle rule's conversation.
type Automation interface {
	Evaluate(ctx context.Context, p AutomationPayload) error
	CheckIdle(ctx context.Context, p AutomationPayload) error
}

// Handlers are the services that do the work of each task type.
type Handlers struct {
	Verify   VerifyMailer
	Digest   DigestMailer
	Push     Pusher
	Routing  AssignTimeouts
	FollowUp FollowUpMailer
	Webhooks WebhookDeliverer
	Wallet   PacketRefunder
	Media    UploadCleaner
	Rules    Automation
	Bots     BotDeliverer
}

// Ledger tells the worker whether an outbox job still waits and records
// that it is done (the store implements it).
type Ledger interface {
	OutboxJobPending(ctx context.Context, id int64) (bool, error)
	MarkOutboxJobDone(ctx context.Context, id int64, t time.Time, lastErr string) error
}

// Worker runs tasks from Redis.
type Worker struct {
	srv *asynq.Server
	mux *asynq.ServeMux
}

// NewWorker builds a worker on the given Redis for this deployment's
// queues. Each task of an outbox job is run only while its row is not
// done, and marks it done (at clock's time, the real one when nil) when its
// handler succeeds or fails for the last time.
func NewWorker(opt asynq.RedisConnOpt, prefix string, concurrency int, h Handlers, ledger Ledger, clock clockwork.Clock, log *slog.Logger, m *metrics.Metrics) *Worker {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	srv := asynq.NewServer(opt, asynq.Config{
		Concurrency: concurrency,
		Queues: map[string]int{
			prefix + QueueCritical: 6,
			prefix + QueueDefault:  3,
			prefix + QueueLow:      1,
		},
		ShutdownTimeout: 10 * time.Second,
		// Delayed tasks (offline digests) become due within a second.
		DelayedTaskCheckInterval: time.Second,
		RetryDelayFunc:           retryDelay,
		Logger:                   asynqLogger{log},
		LogLevel:                 asynq.WarnLevel,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			log.ErrorContext(ctx, "job failed", "task", t.Type(), "err", err)
		}),
	})
	mux := asynq.NewServeMux()
	mux.Use(func(next asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			err := next.ProcessTask(ctx, t)
			result := "ok"
			if err != nil {
				result = "error"
			}
			m.JobsProcessed.WithLabelValues(t.Type(), result).Inc()
			return err
		})
	})
	mux.Use(func(next asynq.Handler) asynq.Handler { return settle(next, ledger, clock, log) })
	mux.HandleFunc(TypeVerifyMail, func(ctx context.Context, t *asynq.Task) error {
		var p VerifyMailPayload
		if err := decode(t, &p); err != nil {
			return err
		}
		return h.Verify.SendVerificationMail(ctx, p.UserID, p.Language)
	})
	mux.HandleFunc(TypeResetMail, func(ctx context.Context, t *asynq.Task) error {
		var p VerifyMailPayload
		if err := decode(t, &p); err != nil {
			return err
		}
		return h.Verify.SendResetMail(ctx, p.UserID, p.Language)
	})
	mux.HandleFunc(TypeSignupNotice, func(ctx context.Context, t *asynq.Task) error {
		var p VerifyMailPayload
		if err := decode(t, &p); err != nil {
			return err
		}
		return h.Verify.SendSignupAttemptMail(ctx, p.UserID, p.Language)
	})
	mux.HandleFunc(TypeOfflineDigest, func(ctx context.Context, t *asynq.Task) error {
		var p OfflineDigestPayload
		if err := decode(t, &p); err != nil {
			return err
		}
		return h.Digest.SendOfflineDigest(ctx, taskID(ctx), p.UserID, p.ConversationID)
	})
	mux.HandleFunc(TypeOfflinePush, func(ctx context.Context, t *asynq.Task) error {
		var p OfflineDigestPayload
		if err := decode(t, &p); err != nil {
			return err
		}
		return h.Push.SendOfflinePush(ctx, taskID(ctx), p.UserID, p.ConversationID)
	})
	mux.HandleFunc(TypeAssignTimeout, func(ctx context.Context, t *asynq.Task) error {
		var p AssignTimeoutPayload
		if err := decode(t, &p); err != nil {
			return err
		}
		return h.Routing.HandleAssignTimeout(ctx, p.ConversationID, p.AgentID, p.AssignedAt)
	})
	mux.HandleFunc(TypeNotifyAgents, func(ctx context.Context, t *asynq.Task) error {
		var p ConversationPayload
		if err := decode(t, &p); err != nil {
			return err
		}
		return h.FollowUp.NotifyAgents(ctx, taskID(ctx), p.ConversationID)
	})
	mux.HandleFunc(TypeNotifyVisitor, func(ctx context.Context, t *asynq.Task) error {
		var p ConversationPayload
		if err := decode(t, &p); err != nil {
			return err
		}
		return h.FollowUp.NotifyVisitor(ctx, taskID(ctx), p.ConversationID)
	})
	mux.HandleFunc(TypeWebhook, func(ctx context.Context, t *asynq.Task) error {
		var p WebhookPayload
		if err := decode(t, &p); err != nil {
			return err
		}
		retried, _ := asynq.GetRetryCount(ctx)
		maxRetry, _ := asynq.GetMaxRetry(ctx)
		return h.Webhooks.Deliver(ctx, p.DeliveryID, retried >= maxRetry)
	})
	mux.HandleFunc(TypeBotDelivery, func(ctx context.Context, t *asynq.Task) error {
		var p BotDeliveryPayload
		if err := decode(t, &p); err != nil {
			return err
		}
		retried, _ := asynq.GetRetryCount(ctx)
		maxRetry, _ := asynq.GetMaxRetry(ctx)
		return h.Bots.DeliverToBot(ctx, taskID(ctx), p, retried >= maxRetry)
	})
	mux.HandleFunc(TypeRefundPacket, func(ctx context.Context, t *asynq.Task) error {
		var p RefundPacketPayload
		if err := decode(t, &p); err != nil {
			return err
		}
		return h.Wallet.RefundRedPacket(ctx, p.RedPacketID)
	})
	mux.HandleFunc(TypeAutomation, func(ctx context.Context, t *asynq.Task) error {
		var p AutomationPayload
		if err := decode(t, &p); err != nil {
			return err
		}
		return h.Rules.Evaluate(ctx, p)
	})
	mux.HandleFunc(TypeAutomationIdle, func(ctx context.Context, t *asynq.Task) error {
		var p AutomationPayload
		if err := decode(t, &p); err != nil {
			return err
		}
		return h.Rules.CheckIdle(ctx, p)
	})
	mux.HandleFunc(TypeCleanUploads, func(ctx context.Context, t *asynq.Task) error {
		return h.Media.CleanUploads(ctx)
	})
	return &Worker{srv: srv, mux: mux}
}

// retryDelay is how long a failed task waits before its next try. A
// webhook (or a bot's delivery) backs off from 1 s to about an hour. Other tasks try again after
// a second the first time (most failures are a moment's: a database
// connection cut, a failover) and when their worker died under them (asynq
// finds that out only once the task's lease has run out, up to two minutes
// late already), then back off as asynq does by default.
func retryDelay(n int, err error, t *asynq.Task) time.Duration {
	switch {
	case t.Type() == TypeWebhook, t.Type() == TypeBotDelivery:
		return time.Duration(1<<min(n, 12)) * time.Second // 1 s, 2 s, 4 s … about an hour
	case t.Type() == TypeOfflinePush:
		return time.Duration(5<<min(n, 9)) * time.Second // 5 s, 10 s, 20 s … about 40 minutes
	case n == 0 || errors.Is(err, asynq.ErrLeaseExpired):
		return time.Second
	}
	return asynq.DefaultRetryDelayFunc(n, err, t)
}

// settle runs an outbox job's task only while the job is not done (the
// relay may hand a job twice), and marks it done once it succeeded or
// failed for the last time, so that the relay stops handing it. A task
// whose id names no outbox row (queued before the outbox) just runs.
func settle(next asynq.Handler, ledger Ledger, clock clockwork.Clock, log *slog.Logger) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		taskID, _ := asynq.GetTaskID(ctx)
		id, perr := strconv.ParseInt(taskID, 10, 64)
		if perr != nil {
			return next.ProcessTask(ctx, t)
		}
		pending, err := ledger.OutboxJobPending(ctx, id)
		if err != nil {
			return err
		}
		if !pending {
			return nil
		}
		err = next.ProcessTask(ctx, t)
		retried, _ := asynq.GetRetryCount(ctx)
		maxRetry, _ := asynq.GetMaxRetry(ctx)
		if err != nil && !errors.Is(err, asynq.SkipRetry) && retried < maxRetry {
			return err // asynq retries it
		}
		lastErr := ""
		if err != nil {
			lastErr = err.Error()
		}
		// The job's own context may be at its end (a time-out): the mark
		// gets a moment of its own.
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if merr := ledger.MarkOutboxJobDone(mctx, id, clock.Now().UTC(), lastErr); merr != nil {
			log.WarnContext(ctx, "job done but not marked; it may run again", "task", t.Type(), "id", id, "err", merr)
		}
		return err
	})
}

// taskID is the id of the running task: an outbox job's row id.
func taskID(ctx context.Context) string {
	id, _ := asynq.GetTaskID(ctx)
	return id
}

func decode(t *asynq.Task, v any) error {
	if err := json.Unmarshal(t.Payload(), v); err != nil {
		// A payload that can't be read will never be readable: don't retry.
		return fmt.Errorf("%w: bad payload: %v", asynq.SkipRetry, err)
	}
	return nil
}

// Start begins processing in the background.
func (w *Worker) Start() error { return w.srv.Start(w.mux) }

// Shutdown stops taking tasks and waits for running ones to finish.
func (w *Worker) Shutdown() { w.srv.Shutdown() }

// asynqLogger routes asynq's own logs into slog.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Fatal(args ...any) {
	a.l.Error(fmt.Sprint(args...), "component", "asynq", "fatal", true)
}
