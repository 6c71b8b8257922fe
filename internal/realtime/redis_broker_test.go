package realtime_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
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
	linkA, linkB := newLink(t, m.Addr()), newLink(t, m.Addr())
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
	linkA.restore()
	select {
	case g := <-got:
		if g != `u:1 {"type":"message","seq":7}` {
			t.Fatalf("B got %q", g)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the failed publish never reached node B once the link was back")
	}
	var delivered dto.Metric
	_ = metricsA.PublishRetries.WithLabelValues("delivered").Write(&delivered)
	if n := delivered.GetCounter().GetValue(); n != 1 {
		t.Fatalf("publish retries delivered: %v, want 1", n)
	}
	select {
	case <-lost:
		t.Fatal("B said it lost frames while its own link never broke")
	default:
	}

	linkB.cut()
	linkB.restore()
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

// link is a TCP relay to a Redis server that can be cut (its listener
// closed and every connection through it dropped) and restored on the
// same address.
type link struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newLink(t *testing.T, target string) *link {
	l := &link{t: t, target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.addr = ln.Addr().String()
	l.serve(ln)
	t.Cleanup(l.cut)
	return l
}

func (l *link) serve(ln net.Listener) {
	l.mu.Lock()
	l.ln = ln
	l.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", l.target)
			if err != nil {
				c.Close()
				continue
			}
			l.mu.Lock()
			l.conns = append(l.conns, c, up)
			l.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
}

// cut closes the listener and drops every connection: dials are refused.
func (l *link) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln != nil {
		l.ln.Close()
		l.ln = nil
	}
	for _, c := range l.conns {
		c.Close()
	}
	l.conns = nil
}

// restore listens on the same address again.
func (l *link) restore() {
	ln, err := net.Listen("tcp", l.addr)
	if err != nil {
		l.t.Fatalf("restore the link on %s: %v", l.addr, err)
	}
	l.serve(ln)
}
