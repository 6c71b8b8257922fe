package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/internal/jobs"
	"github.com/parley-chat/parley/internal/metrics"
	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/migrations"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	url := ""
	if base := os.Getenv("PARLEY_TEST_DATABASE_URL"); base != "" {
		url = testkit.FreshPostgres(t, base)
	}
	st, err := store.Open(ctx, url, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx, migrations.FS); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestOutboxKeepsJobsUntilRedisHasThem: jobs are rows written with their
// transaction (none when it rolls back, repeats folded); with Redis away
// the relay hands nothing and keeps them; once Redis is back it hands each
// once under its row's id, and hands them again when Redis lost them.
func TestOutboxKeepsJobsUntilRedisHasThem(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	addr := m.Addr()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := jobs.NewClient(rdb, st, "t:", nil, log, metrics.New())
	defer c.Close()

	m.Close() // Redis goes away
	err := st.Tx(ctx, func(tx *store.Store) error {
		if err := c.EnqueueVerifyMail(ctx, tx, 42, ""); err != nil {
			return err
		}
		for range 3 { // one digest per user, conversation and window
			if err := c.EnqueueOfflineDigest(ctx, tx, 7, 9, 0, time.Hour); err != nil {
				return err
			}
		}
		return c.EnqueueRefundRedPacket(ctx, tx, 5, time.Hour) // due later: stays in the database
	})
	if err != nil {
		t.Fatalf("jobs written with Redis away: %v", err)
	}
	rollback := errors.New("roll back")
	if err := st.Tx(ctx, func(tx *store.Store) error {
		if err := c.EnqueueVerifyMail(ctx, tx, 43, ""); err != nil {
			return err
		}
		return rollback
	}); !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	if n, _ := st.CountPendingOutboxJobs(ctx); n != 3 {
		t.Fatalf("outbox holds %d pending jobs, want 3 (verify, one digest, refund)", n)
	}
	if n, err := c.Relay(ctx, time.Now()); n != 0 || err == nil {
		t.Fatalf("relay with Redis away handed %d, err %v", n, err)
	}

	back := miniredis.NewMiniRedis()
	if err := back.StartAddr(addr); err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if n, err := c.Relay(ctx, time.Now()); n != 2 || err != nil {
		t.Fatalf("relay after Redis came back handed %d (want verify and digest), err %v", n, err)
	}
	insp := asynq.NewInspectorFromRedisClient(redis.NewClient(&redis.Options{Addr: addr}))
	queued := func() map[string]string {
		t.Helper()
		out := map[string]string{}
		for _, q := range []string{"t:critical", "t:default"} {
			tasks, err := insp.ListPendingTasks(q)
			if err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
				t.Fatal(err)
			}
			for _, task := range tasks {
				out[task.ID] = task.Type
			}
		}
		return out
	}
	verify, _ := st.OutboxJobsOfType(ctx, jobs.TypeVerifyMail)
	digest, _ := st.OutboxJobsOfType(ctx, jobs.TypeOfflineDigest)
	want := map[string]string{
		strconv.FormatInt(verify[0].ID, 10): jobs.TypeVerifyMail,
		strconv.FormatInt(digest[0].ID, 10): jobs.TypeOfflineDigest,
	}
	if got := queued(); len(got) != 2 || got[strconv.FormatInt(verify[0].ID, 10)] != jobs.TypeVerifyMail || got[strconv.FormatInt(digest[0].ID, 10)] != jobs.TypeOfflineDigest {
		t.Fatalf("queued %v, want %v", got, want)
	}

	// Handed again while Redis holds them: asynq refuses the duplicate id.
	if n, err := c.Relay(ctx, time.Now()); n != 2 || err != nil {
		t.Fatalf("second relay: %d %v", n, err)
	}
	if got := queued(); len(got) != 2 {
		t.Fatalf("a second hand duplicated tasks: %v", got)
	}
	// Redis loses everything (an in-memory Redis restarted): handed again.
	// (The client remembers the queues it registered, so look at the task
	// keys themselves.)
	back.FlushAll()
	if n, err := c.Relay(ctx, time.Now()); n != 2 || err != nil {
		t.Fatalf("relay after Redis lost its tasks: %d %v", n, err)
	}
	for _, key := range []string{
		"asynq:{t:critical}:t:" + strconv.FormatInt(verify[0].ID, 10),
		"asynq:{t:default}:t:" + strconv.FormatInt(digest[0].ID, 10),
	} {
		if !back.Exists(key) {
			t.Fatalf("after Redis lost its tasks, %s was not handed again (keys %v)", key, back.Keys())
		}
	}
}

// mailCounter counts the verification mails it is asked for.
type mailCounter struct {
	mu   sync.Mutex
	sent map[int64]int
}

func (m *mailCounter) SendVerificationMail(_ context.Context, userID int64, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent[userID]++
	return nil
}
func (m *mailCounter) SendResetMail(context.Context, int64, string) error         { return nil }
func (m *mailCounter) SendSignupAttemptMail(context.Context, int64, string) error { return nil }

func (m *mailCounter) count(userID int64) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sent[userID]
}

// TestWorkerRunsAJobOnceThoughHandedTwice: the worker marks a job done
// when its handler succeeds, and a stale copy of its task (a relay that
// read the row before it was done) then does nothing.
func TestWorkerRunsAJobOnceThoughHandedTwice(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := jobs.NewClient(redis.NewClient(&redis.Options{Addr: m.Addr()}), st, "t:", nil, log, metrics.New())
	defer c.Close()
	mails := &mailCounter{sent: map[int64]int{}}
	w := jobs.NewWorker(asynq.RedisClientOpt{Addr: m.Addr()}, "t:", 2, jobs.Handlers{Verify: mails}, st, nil, log, metrics.New())
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Shutdown()

	if err := c.EnqueueVerifyMail(ctx, st, 42, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Relay(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the mail and the job marked done", func() bool {
		pending, err := st.CountPendingOutboxJobs(ctx)
		return err == nil && pending == 0 && mails.count(42) == 1
	})

	rows, _ := st.OutboxJobsOfType(ctx, jobs.TypeVerifyMail)
	aq := asynq.NewClient(asynq.RedisClientOpt{Addr: m.Addr()})
	defer aq.Close()
	if _, err := aq.Enqueue(asynq.NewTask(jobs.TypeVerifyMail, []byte(rows[0].Payload)),
		asynq.TaskID(strconv.FormatInt(rows[0].ID, 10)), asynq.Queue("t:critical")); err != nil {
		t.Fatal(err)
	}
	insp := asynq.NewInspector(asynq.RedisClientOpt{Addr: m.Addr()})
	defer insp.Close()
	waitFor(t, "the stale copy to be processed", func() bool {
		q, err := insp.GetQueueInfo("t:critical")
		return err == nil && q.Pending == 0 && q.Active == 0 && q.Processed >= 2
	})
	if n := mails.count(42); n != 1 {
		t.Fatalf("%d verification mails, want 1", n)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
