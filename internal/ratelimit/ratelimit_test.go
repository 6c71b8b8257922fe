package ratelimit_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/kv"
	"github.com/parley-chat/parley/internal/ratelimit"
)

// newLimiter returns a limiter on the test Redis (PARLEY_TEST_REDIS_URL) or,
// without one, on the embedded server Parley runs in embedded mode, with a
// prefix of its own.
func newLimiter(t *testing.T) *ratelimit.Limiter {
	t.Helper()
	store, err := kv.Open(t.Context(), os.Getenv("PARLEY_TEST_REDIS_URL"), "t"+rand.Text()[:8]+":")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	return ratelimit.New(store.Client, store.Key("rl"))
}

// forEachLimiter runs a test on the limiter every mode uses: on Redis
// (production, and the embedded server) and in process (embedded mode).
func forEachLimiter(t *testing.T, test func(t *testing.T, newLimiter func(*testing.T) *ratelimit.Limiter)) {
	t.Run("redis", func(t *testing.T) { test(t, newLimiter) })
	t.Run("in-process", func(t *testing.T) {
		test(t, func(*testing.T) *ratelimit.Limiter { return ratelimit.NewInProcess(nil) })
	})
}

// allowN calls Allow n times and returns how many were allowed.
func allowN(t *testing.T, l *ratelimit.Limiter, key string, n, limit int, window time.Duration) int {
	t.Helper()
	allowed := 0
	for range n {
		ok, _, err := l.Allow(t.Context(), key, limit, window)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			allowed++
		}
	}
	return allowed
}

func TestBurstThenRefused(t *testing.T) {
	forEachLimiter(t, func(t *testing.T, newLimiter func(*testing.T) *ratelimit.Limiter) {
		l := newLimiter(t)
		if got := allowN(t, l, "login:ip:1", 15, 10, time.Hour); got != 10 {
			t.Fatalf("allowed %d of 15 at 10 per hour, want 10", got)
		}
		ok, wait, err := l.Allow(t.Context(), "login:ip:1", 10, time.Hour)
		if err != nil || ok {
			t.Fatalf("Allow = %v, %v, want refused", ok, err)
		}
		// One slot comes back every hour/10 = 6 minutes.
		if wait < 5*time.Minute || wait > 6*time.Minute {
			t.Errorf("wait %s, want just under 6m", wait)
		}
		t.Cleanup(func() { _ = l.Reset(context.Background(), "login:ip:1") })
	})
}

func TestRefillOneSlotAtATime(t *testing.T) {
	forEachLimiter(t, func(t *testing.T, newLimiter func(*testing.T) *ratelimit.Limiter) {
		l := newLimiter(t)
		const limit, window = 4, 800 * time.Millisecond // a slot every 200ms
		if got := allowN(t, l, "send:user:1", limit, limit, window); got != limit {
			t.Fatalf("allowed %d of the burst of %d", got, limit)
		}
		ok, wait, err := l.Allow(t.Context(), "send:user:1", limit, window)
		if err != nil || ok || wait <= 0 || wait > 200*time.Millisecond {
			t.Fatalf("after the burst: Allow = %v, %s, %v; want refused for at most 200ms", ok, wait, err)
		}
		start := time.Now()
		deadline := start.Add(2 * time.Second)
		for {
			ok, _, err = l.Allow(t.Context(), "send:user:1", limit, window)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no slot came back within 2s")
			}
			time.Sleep(10 * time.Millisecond) // polling interval
		}
		if waited := time.Since(start); waited < wait-50*time.Millisecond {
			t.Errorf("a slot came back after %s, before the %s announced", waited, wait)
		}
		// One slot refilled, not the whole burst.
		if ok, _, _ := l.Allow(t.Context(), "send:user:1", limit, window); ok {
			t.Error("a second event right after the refill was allowed")
		}
	})
}

func TestKeysAreIsolated(t *testing.T) {
	forEachLimiter(t, func(t *testing.T, newLimiter func(*testing.T) *ratelimit.Limiter) {
		l := newLimiter(t)
		other := newLimiter(t) // another deployment prefix
		allowN(t, l, "login:acct:id:1", 3, 3, time.Minute)
		if ok, _, _ := l.Allow(t.Context(), "login:acct:id:1", 3, time.Minute); ok {
			t.Fatal("fourth attempt allowed at 3 per minute")
		}
		if got := allowN(t, l, "login:acct:id:2", 3, 3, time.Minute); got != 3 {
			t.Errorf("another key got %d of 3", got)
		}
		if got := allowN(t, other, "login:acct:id:1", 3, 3, time.Minute); got != 3 {
			t.Errorf("the same key under another prefix got %d of 3", got)
		}
	})
}

func TestResetRestoresTheBurst(t *testing.T) {
	forEachLimiter(t, func(t *testing.T, newLimiter func(*testing.T) *ratelimit.Limiter) {
		l := newLimiter(t)
		allowN(t, l, "login:acct:id:7", 5, 5, time.Minute)
		if err := l.Reset(t.Context(), "login:acct:id:7"); err != nil {
			t.Fatal(err)
		}
		if got := allowN(t, l, "login:acct:id:7", 6, 5, time.Minute); got != 5 {
			t.Errorf("after Reset %d of 6 allowed, want 5", got)
		}
	})
}

func TestHitAnswersRateLimited(t *testing.T) {
	forEachLimiter(t, func(t *testing.T, newLimiter func(*testing.T) *ratelimit.Limiter) {
		l := newLimiter(t)
		for i := range 2 {
			if err := l.Hit(t.Context(), "friend_request:user:1", 2, time.Hour, "sending friend requests"); err != nil {
				t.Fatalf("hit %d: %v", i+1, err)
			}
		}
		err := l.Hit(t.Context(), "friend_request:user:1", 2, time.Hour, "sending friend requests")
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.RateLimited || e.Reason != "rate_limited" {
			t.Fatalf("third hit = %v, want a rate_limited error", err)
		}
		// A slot every 30 minutes: Retry-After says so, rounded up.
		if e.RetryAfter < 29*60 || e.RetryAfter > 30*60 {
			t.Errorf("RetryAfter = %d s, want about 1800", e.RetryAfter)
		}
		if err := l.Hit(t.Context(), "friend_request:user:1", 0, time.Hour, "sending friend requests"); err != nil {
			t.Errorf("limit 0 (off) = %v, want nil", err)
		}
		t.Cleanup(func() { _ = l.Reset(context.Background(), "friend_request:user:1") })
	})
}

func TestRedisDownFailsOpen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	l := ratelimit.New(rdb, "down")

	ok, _, err := l.Allow(t.Context(), "login:ip:1", 1, time.Minute)
	if !ok || err == nil {
		t.Errorf("Allow = %v, %v; want allowed with the error", ok, err)
	}
	for i := range 3 {
		if err := l.Hit(t.Context(), "upload:visitor:1", 1, time.Minute, "uploading"); err != nil {
			t.Errorf("hit %d with Redis down = %v, want nil", i+1, err)
		}
	}
}

func TestRetryAfterSecondsRoundsUp(t *testing.T) {
	for _, tt := range []struct {
		wait time.Duration
		want int
	}{{0, 1}, {time.Millisecond, 1}, {time.Second, 1}, {1001 * time.Millisecond, 2}, {90 * time.Second, 90}} {
		if got := ratelimit.RetryAfterSeconds(tt.wait); got != tt.want {
			t.Errorf("RetryAfterSeconds(%s) = %d, want %d", tt.wait, got, tt.want)
		}
	}
}
