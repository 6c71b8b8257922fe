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
	Client   redis.UniversalClient
	Prefix   string
	target   *Target
	embedded *miniredis.Miniredis
	breaker  *breaker
	stop     chan struct{}
	once     sync.Once
}

// Open connects to redisURL (see ParseURL for its forms), or starts an
// embedded server when it is empty.
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
		k.target = embeddedTarget(m.Addr(), password)
		go k.tick()
	} else {
		t, err := ParseURL(redisURL)
		if err != nil {
			return nil, err
		}
		k.target = t
	}
	k.breaker = &breaker{probe: k.target.NewClient()}
	go k.breaker.watch(k.stop, 500*time.Millisecond)
	k.Client = k.NewClient()
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := k.Client.Ping(pctx).Err(); err != nil {
		k.Close()
		return nil, fmt.Errorf("reach redis (%s): %w", k.target.Mode, err)
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
func (k *KV) NewClient() redis.UniversalClient {
	c := k.target.NewClient()
	c.AddHook(k.breaker)
	return c
}

// Down reports whether Redis is known to be unreachable right now.
func (k *KV) Down() bool { return k.breaker.down.Load() }

// Mode says whether Redis is one server, Sentinel-managed or a cluster.
func (k *KV) Mode() Mode { return k.target.Mode }

// AsynqOpt returns the asynq connection options for the same Redis.
func (k *KV) AsynqOpt() asynq.RedisConnOpt { return k.target.AsynqOpt() }

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
