package support

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// redisForTest is the test Redis (PARLEY_TEST_REDIS_URL) or an embedded one.
func redisForTest(t *testing.T) *redis.Client {
	t.Helper()
	if u := os.Getenv("PARLEY_TEST_REDIS_URL"); u != "" {
		opts, err := redis.ParseURL(u)
		if err != nil {
			t.Fatal(err)
		}
		c := redis.NewClient(opts)
		t.Cleanup(func() { c.Close() })
		return c
	}
	m := miniredis.RunT(t)
	c := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { c.Close() })
	return c
}

// TestViewersOfADeadNodeExpire: node A's viewer shows on node B while A
// refreshes it; once A stops (it died), B sweeps it out after the TTL,
// exactly once, and announces the conversation.
func TestViewersOfADeadNodeExpire(t *testing.T) {
	rdb := redisForTest(t)
	ctx := context.Background()
	prefix := "tv" + time.Now().Format("150405.000000") + ":"
	key := func(parts ...string) string {
		s := prefix + "parley"
		for _, p := range parts {
			s += ":" + p
		}
		return s
	}
	t.Cleanup(func() {
		keys, _ := rdb.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
	})
	clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	a, b := newViewerSet(rdb, key, 30*time.Second), newViewerSet(rdb, key, 30*time.Second)
	a.now, b.now = now, now

	if err := a.start(ctx, 7, "s1", 1, "Ana"); err != nil {
		t.Fatal(err)
	}
	if err := b.start(ctx, 7, "s9", 2, "Ben"); err != nil {
		t.Fatal(err)
	}
	names := func() string {
		vs, err := b.list(ctx, 7)
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		for _, v := range vs {
			s += v.Name + ";"
		}
		return s
	}
	if got := names(); got != "Ana;Ben;" {
		t.Fatalf("viewers %q", got)
	}
	// Both nodes alive: refreshes keep both past the first TTL.
	clock = clock.Add(20 * time.Second)
	if err := a.refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.refresh(ctx); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(20 * time.Second)
	if convs, err := b.sweep(ctx); err != nil || len(convs) != 0 {
		t.Fatalf("sweep while alive: %v %v", convs, err)
	}
	if got := names(); got != "Ana;Ben;" {
		t.Fatalf("viewers while alive %q", got)
	}
	// Node A dies: only B refreshes from now on.
	if err := b.refresh(ctx); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(11 * time.Second)
	if got := names(); got != "Ben;" {
		t.Fatalf("an expired viewer is not listed: %q", got)
	}
	convs, err := b.sweep(ctx)
	if err != nil || len(convs) != 1 || convs[0] != 7 {
		t.Fatalf("sweep after A died: %v %v", convs, err)
	}
	if again, err := a.sweep(ctx); err != nil || len(again) != 0 {
		t.Fatalf("a second sweep announces again: %v %v", again, err)
	}
	if n, _ := rdb.HLen(ctx, key("viewers", "7")).Result(); n != 1 {
		t.Fatalf("entries left: %d", n)
	}
	// Typing and closing a session.
	if viewing, changed, err := b.typing(ctx, 7, "s9", true); !viewing || !changed || err != nil {
		t.Fatalf("typing: %v %v %v", viewing, changed, err)
	}
	if vs, _ := b.list(ctx, 7); len(vs) != 1 || !vs[0].Typing {
		t.Fatalf("typing viewer %+v", vs)
	}
	if viewing, _, _ := b.typing(ctx, 8, "s9", true); viewing {
		t.Fatal("typing in a conversation the session does not view")
	}
	if convs, err := b.closeSession(ctx, "s9"); err != nil || len(convs) != 1 {
		t.Fatalf("close: %v %v", convs, err)
	}
	if got := names(); got != "" {
		t.Fatalf("viewers after close %q", got)
	}
}
