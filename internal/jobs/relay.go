package jobs

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
)

// The relay's timing. It looks every relayEvery (and when woken after a
// commit) for jobs due within relayHorizon, so a long timer waits in the
// database and only its last seconds in Redis. A job handed and not done
// is handed again after rehandAfter: asynq refuses the duplicate task id
// while it still holds the task, and takes it afresh when Redis lost it.
const (
	relayEvery   = time.Second
	relayHorizon = 5 * time.Second
	rehandAfter  = 15 * time.Second
	relayBatch   = 500
	// doneKept is how long a done job's row stays (so that a stale copy
	// of its task finds it done and does nothing) before it is deleted.
	doneKept = time.Minute
)

// Relay hands asynq the jobs due within relayHorizon that were never
// handed, or handed at or before handedBefore, with the row's id as the
// task id. It returns how many it handed and stops at the first failure
// (Redis is away; the next round tries again).
func (c *Client) Relay(ctx context.Context, handedBefore time.Time) (int, error) {
	// Rows this call hands get a later mark than handedBefore, so a long
	// outbox is walked once, not in circles.
	if start := c.clock.Now().UTC().Add(-time.Millisecond); handedBefore.After(start) {
		handedBefore = start
	}
	handed := 0
	for {
		now := c.clock.Now().UTC()
		due, err := c.outbox.OutboxJobsToHand(ctx, now.Add(relayHorizon), handedBefore, relayBatch)
		if err != nil {
			return handed, err
		}
		ids := make([]int64, 0, len(due))
		var sendErr error
		for _, j := range due {
			opts := []asynq.Option{
				asynq.TaskID(strconv.FormatInt(j.ID, 10)), asynq.Queue(c.Queue(j.Queue)),
				asynq.MaxRetry(j.MaxRetry), asynq.Timeout(time.Duration(j.TimeoutSeconds) * time.Second),
			}
			if j.RunAt.After(now) {
				// asynq waits by the real clock: what is left of the
				// wait by ours.
				opts = append(opts, asynq.ProcessIn(j.RunAt.Sub(now)))
			}
			_, err := c.aq.EnqueueContext(ctx, asynq.NewTask(j.Type, []byte(j.Payload)), opts...)
			if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) && !errors.Is(err, asynq.ErrDuplicateTask) {
				c.metrics.JobsEnqueued.WithLabelValues(j.Type, "hand_error").Inc()
				_ = c.outbox.RecordOutboxHandFailure(ctx, j.ID, err.Error())
				sendErr = err
				break
			}
			ids = append(ids, j.ID)
		}
		if err := c.outbox.MarkOutboxJobsHanded(ctx, ids, now); err != nil {
			return handed, err
		}
		handed += len(ids)
		if sendErr != nil || len(due) < relayBatch {
			return handed, sendErr
		}
	}
}

// RunRelay relays the outbox until ctx is done: at once everything due
// and not done (after a restart, Redis may have lost any of it), then
// every relayEvery and whenever a commit wakes it.
func (c *Client) RunRelay(ctx context.Context) {
	if n, err := c.Relay(ctx, c.clock.Now().UTC()); n > 0 || err != nil {
		c.log.Info("job outbox relayed at start", "handed", n, "err", err)
	}
	// The rounds keep real time (they poll); what is due is read from
	// the clock.
	t := time.NewTicker(relayEvery)
	defer t.Stop()
	lastSweep := c.clock.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-c.wake:
		}
		now := c.clock.Now().UTC()
		if _, err := c.Relay(ctx, now.Add(-rehandAfter)); err != nil && ctx.Err() == nil {
			c.log.Warn("job outbox relay", "err", err)
		}
		if now.Sub(lastSweep) >= doneKept {
			lastSweep = now
			if _, err := c.outbox.DeleteDoneOutboxJobs(ctx, now.Add(-doneKept), now); err != nil && ctx.Err() == nil {
				c.log.Warn("job outbox sweep", "err", err)
			}
		}
	}
}
