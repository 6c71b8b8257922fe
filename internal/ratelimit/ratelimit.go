// Package ratelimit limits events per key with GCRA (the generic cell rate
// algorithm) kept in Redis by github.com/go-redis/redis_rate, so that every
// node of a deployment shares the same counts.
//
// A limit of N events per window allows a burst of N and then one more event
// every window/N: a client that spent its burst waits for one slot, not for a
// whole window to end, and no client gets 2N through by straddling the edge
// of a fixed window. The state of a key is one Redis string updated by a Lua
// script (EVALSHA, with Redis' own TIME as the clock), which expires once the
// key is back to a full burst. redis_rate stores it under "rate:" followed by
// the key.
package ratelimit

import (
	"context"
	"log/slog"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/jonboulle/clockwork"
	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/internal/errs"
)

// Limiter allows at most N events per key per window, in bursts of at most N.
type Limiter struct {
	rl     *redis_rate.Limiter
	prefix string
	mem    *inProcess // set by NewInProcess, in place of rl
}

// New returns a limiter whose keys start with prefix.
func New(rdb redis.UniversalClient, prefix string) *Limiter {
	return &Limiter{rl: redis_rate.NewLimiter(rdb), prefix: prefix}
}

// NewInProcess returns a limiter that keeps its state in this process: for
// embedded mode only, where one process serves everything. Its windows
// pass by clock (the real one when nil); the Redis limiter's pass by the
// Redis server's.
func NewInProcess(clock clockwork.Clock) *Limiter {
	return &Limiter{mem: newInProcess(clock)}
}

// Allow counts one event for key and reports whether it is within limit
// events per window; when not, it also returns how long until the next event
// would be allowed. A refused event is not counted. A limit or window of 0 or
// less allows everything. If Redis cannot be reached the event is allowed
// and the error returned: a limiter outage must not lock every user out.
func (l *Limiter) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	if limit <= 0 || window <= 0 {
		return true, 0, nil
	}
	if l.mem != nil {
		ok, wait := l.mem.allow(key, limit, window)
		return ok, wait, nil
	}
	res, err := l.rl.Allow(ctx, l.prefix+":"+key, redis_rate.Limit{Rate: limit, Burst: limit, Period: window})
	if err != nil {
		return true, 0, err
	}
	if res.Allowed > 0 {
		return true, 0, nil
	}
	return false, res.RetryAfter, nil
}

// Reset forgets the events of key (e.g. after a successful login).
func (l *Limiter) Reset(ctx context.Context, key string) error {
	if l.mem != nil {
		l.mem.reset(key)
		return nil
	}
	return l.rl.Reset(ctx, l.prefix+":"+key)
}

// Hit counts one event for key and, past limit events per window, returns
// a rate_limited error (429) whose RetryAfter is the seconds until the next
// event would be allowed; doing names what was limited ("sending friend
// requests"). A limit of 0 or less disables the check. If Redis cannot be
// reached the event is allowed and the outage logged.
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
	secs := RetryAfterSeconds(wait)
	e := errs.Rf(errs.RateLimited, "rate_limited", "too many attempts at %s; try again in %d seconds", doing, secs)
	e.RetryAfter = secs
	return e
}

// RetryAfterSeconds rounds wait up to whole seconds, at least one, for a
// Retry-After header: rounding down would invite a retry that is refused again.
func RetryAfterSeconds(wait time.Duration) int {
	return max(1, int((wait+time.Second-1)/time.Second))
}
