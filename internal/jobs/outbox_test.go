package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/internal/jobs"
	"github.com/parley-chat/parley/internal/metrics"
	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/migrations"
)

// TestFailedEnqueueIsKeptAndRetriedFromTheDatabase: with Redis away a job
// goes to the outbox; once Redis is back, Drain enqueues it exactly once.
func TestFailedEnqueueIsKeptAndRetriedFromTheDatabase(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx, migrations.FS); err != nil {
		t.Fatal(err)
	}
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	addr := m.Addr()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := jobs.NewClient(rdb, st, "t:", log, metrics.New())
	defer c.Close()

	m.Close() // Redis goes away
	if err := c.EnqueueVerifyMail(ctx, 42); err != nil {
		t.Fatalf("enqueue with Redis away should be kept, got %v", err)
	}
	if n, _ := st.CountOutboxJobs(ctx); n != 1 {
		t.Fatalf("outbox holds %d jobs, want 1", n)
	}
	if n, err := c.Drain(ctx); n != 0 || err != nil {
		t.Fatalf("drain before the retry time: %d %v", n, err)
	}

	back := miniredis.NewMiniRedis()
	if err := back.StartAddr(addr); err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	time.Sleep(2100 * time.Millisecond) // the first retry wait
	if n, err := c.Drain(ctx); n != 1 || err != nil {
		t.Fatalf("drain after Redis came back: %d %v", n, err)
	}
	if n, _ := st.CountOutboxJobs(ctx); n != 0 {
		t.Fatalf("outbox still holds %d jobs", n)
	}
	if n, _ := c.Drain(ctx); n != 0 {
		t.Fatalf("a second drain enqueued %d more", n)
	}
	insp := asynq.NewInspectorFromRedisClient(redis.NewClient(&redis.Options{Addr: addr}))
	tasks, err := insp.ListPendingTasks("t:critical")
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 1 || tasks[0].Type != jobs.TypeVerifyMail {
		t.Fatalf("queued tasks %+v", tasks)
	}
}
