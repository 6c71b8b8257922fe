package social

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/internal/kv"
)

// RedisPresence tracks presence for a deployment of several nodes: the
// status a user chose (online or away) lives in Redis, and whether they
// are connected at all comes from sessions, which counts this node's
// sessions and asks the broker about the others (a crashed node stops
// counting when its heartbeat expires).
type RedisPresence struct {
	rdb      redis.UniversalClient
	prefix   string
	sessions func(userID int64) int
}

var _ PresenceTracker = (*RedisPresence)(nil)

// NewRedisPresence builds the tracker on rdb with keys under prefix.
func NewRedisPresence(rdb redis.UniversalClient, prefix string, sessions func(userID int64) int) *RedisPresence {
	return &RedisPresence{rdb: rdb, prefix: prefix, sessions: sessions}
}

func (p *RedisPresence) key(userID int64) string {
	return p.prefix + "parley:pstatus:" + strconv.FormatInt(userID, 10)
}

func timeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, 2*time.Second)
}

// Refresh implements PresenceTracker. SETNX and DEL decide, across nodes,
// which one call reports the change.
func (p *RedisPresence) Refresh(ctx context.Context, userID int64) (string, bool) {
	ctx, cancel := timeout(ctx)
	defer cancel()
	if p.sessions(userID) == 0 {
		n, err := p.rdb.Del(ctx, p.key(userID)).Result()
		return StatusOffline, err == nil && n == 1
	}
	set, err := p.rdb.SetNX(ctx, p.key(userID), StatusOnline, 0).Result()
	if err != nil {
		return StatusOffline, false
	}
	if set {
		return StatusOnline, true
	}
	st, err := p.rdb.Get(ctx, p.key(userID)).Result()
	if err != nil {
		return StatusOnline, false
	}
	return st, false
}

// SetAway implements PresenceTracker.
func (p *RedisPresence) SetAway(ctx context.Context, userID int64, away bool) (string, bool) {
	ctx, cancel := timeout(ctx)
	defer cancel()
	if p.sessions(userID) == 0 {
		p.rdb.Del(ctx, p.key(userID))
		return StatusOffline, false
	}
	next := StatusOnline
	if away {
		next = StatusAway
	}
	prev, err := p.rdb.SetArgs(ctx, p.key(userID), next, redis.SetArgs{Get: true}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return next, false
	}
	return next, prev != next
}

// Statuses implements PresenceTracker. A status left by a node that
// crashed is not trusted: the user must still be connected somewhere.
func (p *RedisPresence) Statuses(ctx context.Context, ids []int64) map[int64]string {
	out := make(map[int64]string, len(ids))
	for _, id := range ids {
		out[id] = StatusOffline
	}
	if len(ids) == 0 {
		return out
	}
	ctx, cancel := timeout(ctx)
	defer cancel()
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = p.key(id)
	}
	vals, err := kv.GetMany(ctx, p.rdb, keys...)
	if err != nil {
		return out
	}
	for i, v := range vals {
		st, ok := v.(string)
		if ok && p.sessions(ids[i]) > 0 {
			out[ids[i]] = st
		}
	}
	return out
}
