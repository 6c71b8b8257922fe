// Package ratelimit counts attempts per key in fixed windows kept in Redis,
// so that every node of a deployment shares the same counts.
package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/internal/errs"
)

// Limiter allows at most N events per key per window.
type Limiter struct {
	rdb    *redis.Client
	prefix string
}

// New returns a limiter whose keys start with prefix.
func New(rdb *redis.Client, prefix string) *Limiter {
	return &Limiter{rdb: rdb, prefix: prefix}
}

// Allow counts one event for key and reports whether it is within limit
// events per window; when not, it also returns how long until the window
// resets. If Redis cannot be reached the event is allowed: a limiter outage
// must not lock every user out.
func (l *Limiter) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	k := l.prefix + ":" + key
	var incr *redis.IntCmd
	var ttl *redis.DurationCmd
	_, err := l.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SetNX(ctx, k, 0, window)
		incr = p.Incr(ctx, k)
		ttl = p.PTTL(ctx, k)
		return nil
	})
	if err != nil {
		return true, 0, err
	}
	if incr.Val() <= int64(limit) {
		return true, 0, nil
	}
	wait := ttl.Val()
	if wait <= 0 {
		wait = window
	}
	return false, wait, nil
}

// Reset forgets the count of key (e.g. after a successful login).
func (l *Limiter) Reset(ctx context.Context, key string) error {
	return l.rdb.Del(ctx, l.prefix+":"+key).Err()
}

// Hit counts one event for key and, past limit events per window, returns
// a rate_limited error (429) whose RetryAfter is the seconds until the
// window resets; doing names what was limited ("sending friend requests").
// A limit of 0 or less disables the check. If Redis cannot be reached the
// event is allowed and the outage logged.
func (l *Limiter) Hit(ctx context.Context, key string, limit int, window time.Duration, doing string) error {
	if l == nil || limit <= 0 {
		return nil
	}
	ok, wait, err := l.Allow(ctx, key, limit, window)
	if err != nil {
		slog.WarnContext(ctx, "rate limiter unavailable", "err", err)
	}
	if ok {
		return nil
	}
	secs := max(1, int(wait.Round(time.Second).Seconds()))
	return &errs.Error{Code: errs.RateLimited, Reason: "rate_limited", RetryAfter: secs,
		Message: fmt.Sprintf("too many attempts at %s; try again in %d seconds", doing, secs)}
}
