package jobs

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
)

// Scheduler enqueues the periodic tasks. Every process that runs a worker
// runs one; each periodic task is unique for its period, so several
// nodes enqueue it about once, and its handler is idempotent anyway.
type Scheduler struct {
	s *asynq.Scheduler
}

// Periods says how often each periodic task runs.
type Periods struct {
	CleanUploads time.Duration
}

// NewScheduler builds the scheduler of this deployment's periodic tasks.
func NewScheduler(opt asynq.RedisConnOpt, prefix string, p Periods, log *slog.Logger) (*Scheduler, error) {
	s := asynq.NewScheduler(opt, &asynq.SchedulerOpts{
		Logger:   asynqLogger{log},
		LogLevel: asynq.WarnLevel,
		PostEnqueueFunc: func(info *asynq.TaskInfo, err error) {
			if err != nil && !errors.Is(err, asynq.ErrDuplicateTask) {
				log.Warn("periodic task not enqueued; the next period will", "err", err)
			}
		},
	})
	payload, err := json.Marshal(CleanUploadsPayload{})
	if err != nil {
		return nil, err
	}
	every := max(p.CleanUploads, time.Second)
	if _, err := s.Register("@every "+every.String(), asynq.NewTask(TypeCleanUploads, payload),
		asynq.Queue(prefix+QueueLow), asynq.Unique(every), asynq.MaxRetry(3), asynq.Timeout(30*time.Minute)); err != nil {
		return nil, fmt.Errorf("schedule %s: %w", TypeCleanUploads, err)
	}
	return &Scheduler{s: s}, nil
}

// Start begins enqueueing in the background.
func (s *Scheduler) Start() error { return s.s.Start() }

// Shutdown stops enqueueing.
func (s *Scheduler) Shutdown() { s.s.Shutdown() }
