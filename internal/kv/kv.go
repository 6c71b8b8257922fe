// Package kv connects Parley to Redis: a real server by URL, or an
// in-process Redis-compatible server (miniredis) on loopback in embedded
// mode. It hands out the go-redis client and the asynq connection options.
package kv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// KV is a Redis connection plus the key prefix of this deployment.
type KV struct {
	Client   *redis.Client
	Prefix   string
	opts     *redis.Options
	embedded *miniredis.Miniredis
	breaker  *breaker
	stop     chan struct{}
	once     sync.Once
}

// Open connects to redisURL, or starts an embedded server when it is empty.
func Open(ctx context.Context, redisURL, prefix string) (*KV, error) {
	k := &KV{Prefix: prefix, stop: make(chan struct{})}
	if redisURL == "" {
		// It listens on loopback, where any local process could connect and
		// read or write tickets, rate limits and account states: a password
		// made afresh at every start, known only to this process, keeps
		// them out.
		m := miniredis.NewMiniRedis()
		password := randomPassword()
		m.RequireAuth(password)
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("start embedded redis: %w", err)
		}
		k.embedded = m
		k.opts = &redis.Options{Addr: m.Addr(), Password: password}
		go k.tick()
	} else {
		opts, err := redis.ParseURL(redisURL)
		if err != nil {
			return nil, fmt.Errorf("PARLEY_REDIS_URL: %w", err)
		}
		k.opts = opts
	}
	// Fail fast when Redis is down: the request paths that touch it (rate
	// limits, publishes, enqueues) go on without it instead of waiting
	// through long retries.
	k.opts.MaxRetries = 1
	k.opts.MaxRetryBackoff = 50 * time.Millisecond
	k.opts.DialTimeout = 2 * time.Second
	k.opts.ReadTimeout = 3 * time.Second
	k.opts.WriteTimeout = 3 * time.Second
	k.breaker = &breaker{probe: redis.NewClient(k.opts)}
	go k.breaker.watch(k.stop, 500*time.Millisecond)
	k.Client = k.NewClient()
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := k.Client.Ping(pctx).Err(); err != nil {
		k.Close()
		return nil, fmt.Errorf("reach redis: %w", err)
	}
	return k, nil
}

func randomPassword() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// tick advances the embedded server's clock: miniredis expires keys only
// when told time has passed.
func (k *KV) tick() {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-k.stop:
			return
		case <-t.C:
			k.embedded.FastForward(250 * time.Millisecond)
		}
	}
}

// Embedded reports whether Redis is the in-process server.
func (k *KV) Embedded() bool { return k.embedded != nil }

// Key returns a key with this deployment's prefix.
func (k *KV) Key(parts ...string) string {
	s := k.Prefix + "parley"
	for _, p := range parts {
		s += ":" + p
	}
	return s
}

// NewClient returns another client of the same server with the same
// options and the same outage breaker (for a component that must not
// share the main pool).
func (k *KV) NewClient() *redis.Client {
	c := redis.NewClient(k.opts)
	c.AddHook(k.breaker)
	return c
}

// Down reports whether Redis is known to be unreachable right now.
func (k *KV) Down() bool { return k.breaker.down.Load() }

// AsynqOpt returns the asynq connection options for the same server.
func (k *KV) AsynqOpt() asynq.RedisClientOpt {
	return asynq.RedisClientOpt{
		Network:   k.opts.Network,
		Addr:      k.opts.Addr,
		Username:  k.opts.Username,
		Password:  k.opts.Password,
		DB:        k.opts.DB,
		TLSConfig: k.opts.TLSConfig,
	}
}

// Ping checks that Redis answers, for /readyz.
func (k *KV) Ping(ctx context.Context) error { return k.Client.Ping(ctx).Err() }

// Close closes the client and stops the embedded server.
func (k *KV) Close() {
	k.once.Do(func() {
		close(k.stop)
		if k.Client != nil {
			k.Client.Close()
		}
		if k.breaker != nil {
			k.breaker.probe.Close()
		}
		if k.embedded != nil {
			k.embedded.Close()
		}
	})
}
