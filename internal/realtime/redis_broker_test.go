package realtime_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/internal/metrics"
	"github.com/parley-chat/parley/internal/realtime"
)

// TestBrokerRetriesFailedPublishesAndTellsOfLostSubscriptions: node A's
// link to Redis is cut while it publishes a message to a user of node B:
// the publish fails, and once the link is back it is tried again and
// reaches B. Then B's own link is cut and restored: B re-subscribes by
// itself and tells its hub that it may have missed frames.
func TestBrokerRetriesFailedPublishesAndTellsOfLostSubscriptions(t *testing.T) {
	ctx := context.Background()
	m := miniredis.RunT(t)
	linkA, linkB := newCutProxy(t, m.Addr()), newCutProxy(t, m.Addr())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	metricsA := metrics.New()
	a := realtime.NewRedisBroker(redis.NewClient(&redis.Options{Addr: linkA.addr, MaxRetries: -1}), "t:", log, metricsA)
	b := realtime.NewRedisBroker(redis.NewClient(&redis.Options{Addr: linkB.addr, MaxRetries: -1}), "t:", log, metrics.New())
	got, lost := make(chan string, 16), make(chan struct{}, 4)
	if err := a.Start(ctx, realtime.Receiver{Deliver: func(string, []byte) {}}); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(ctx, realtime.Receiver{
		Deliver: func(key string, p []byte) { got <- key + " " + string(p) },
		Lost:    func() { lost <- struct{}{} },
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	if err := b.Subscribe(ctx, "u:1"); err != nil {
		t.Fatal(err)
	}

	linkA.cut()
	if err := a.Publish(ctx, "u:1", []byte(`{"type":"message","seq":7}`)); err == nil {
		t.Fatal("a publish over a cut link reported success")
	}
	linkA.restore(t)
	select {
	case g := <-got:
		if g != `u:1 {"type":"message","seq":7}` {
			t.Fatalf("B got %q", g)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the failed publish never reached node B once the link was back")
	}
	// A counts the retry once Redis has answered it, which may be after
	// B got the message.
	for deadline := time.Now().Add(5 * time.Second); ; {
		var delivered dto.Metric
		_ = metricsA.PublishRetries.WithLabelValues("delivered").Write(&delivered)
		n := delivered.GetCounter().GetValue()
		if n == 1 {
			break
		}
		if n > 1 || time.Now().After(deadline) {
			t.Fatalf("publish retries delivered: %v, want 1", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case <-lost:
		t.Fatal("B said it lost frames while its own link never broke")
	default:
	}

	linkB.cut()
	linkB.restore(t)
	select {
	case <-lost:
	case <-time.After(15 * time.Second):
		t.Fatal("B never told that its subscription was lost and came back")
	}
	// And it is subscribed again: a publish reaches it live.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := a.Publish(ctx, "u:1", []byte(`{"type":"message","seq":8}`)); err != nil {
			t.Fatal(err)
		}
		select {
		case g := <-got:
			if g == `u:1 {"type":"message","seq":8}` {
				return
			}
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("B does not receive live again after re-subscribing")
		}
	}
}
