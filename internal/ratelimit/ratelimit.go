// Package ratelimit counts attempts per key in fixed windows kept in Redis,
// so that every node of a deployment shares the same counts.
package ratelimit

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
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
