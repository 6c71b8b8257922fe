package jobs

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hibiken/asynq"
)

func TestRetryDelay(t *testing.T) {
	mail := asynq.NewTask(TypeOfflineDigest, nil)
	hook := asynq.NewTask(TypeWebhook, nil)
	failed := errors.New("terminating connection due to administrator command")
	for _, c := range []struct {
		name     string
		n        int
		err      error
		task     *asynq.Task
		min, max time.Duration
	}{
		{"first failure of a job", 0, failed, mail, time.Second, time.Second},
		{"its worker died", 3, fmt.Errorf("x: %w", asynq.ErrLeaseExpired), mail, time.Second, time.Second},
		{"third failure backs off", 2, failed, mail, 31 * time.Second, 121 * time.Second},
		{"webhook, first retry", 0, failed, hook, time.Second, time.Second},
		{"webhook, fifth retry", 4, failed, hook, 16 * time.Second, 16 * time.Second},
		{"webhook, capped", 20, failed, hook, 4096 * time.Second, 4096 * time.Second},
	} {
		if d := retryDelay(c.n, c.err, c.task); d < c.min || d > c.max {
			t.Errorf("%s: %s, want %s to %s", c.name, d, c.min, c.max)
		}
	}
}
