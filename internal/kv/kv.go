// Package kv connects Parley to Redis: a real server by URL (one server,
// a Sentinel-watched master, or a Redis Cluster), or an in-process
// Redis-compatible server (miniredis) on loopback in embedded mode. It
// hands out the go-redis client and the asynq connection options.
package kv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// KV is a Redis connection plus the key prefix of this deployment.
type KV struct {
	Client redis.UniversalClient
	Prefix string
	// Exactly one of opts, sentinel and cluster is set, by the kind of
	// deployment the URL names.
	opts     *redis.Options
	sentinel *redis.FailoverOptions
	cluster  *redis.ClusterOptions
	embedded *miniredis.Miniredis
	breaker  *breaker // nil for a cluster
	stop     chan struct{}
	once     sync.Once
}

// The URL schemes of a Sentinel-watched master and of a Redis Cluster; an
// "s" after "redis" (rediss-sentinel://) asks for TLS, as in rediss://.
const (
	schemeSentinel = "-sentinel://"
	schemeCluster  = "-cluster://"
)

// parseURL sets k's options from a Redis URL:
//
//	redis://[user:password@]host:port[/db]
//	redis-sentinel://[user:password@]sentinel:port[/db]?addr=sentinel2:port&master_name=NAME
//	redis-cluster://[user:password@]node:port?addr=node2:port&addr=node3:port
//
// with go-redis's query options (dial_timeout=…) on each.
func (k *KV) parseURL(redisURL string) error {
	scheme, rest, _ := strings.Cut(redisURL, "://")
	var err error
	switch {
	case strings.HasSuffix(scheme+"://", schemeSentinel):
		k.sentinel, err = redis.ParseFailoverURL(strings.TrimSuffix(scheme, "-sentinel") + "://" + rest)
		if err == nil && k.sentinel.MasterName == "" {
			err = fmt.Errorf("a Sentinel URL names its master: add ?master_name=…")
		}
		if err == nil {
			// The sentinels' credentials are the URL's; the master's are
			// the same unless told otherwise.
			if k.sentinel.Password == "" {
				k.sentinel.Username, k.sentinel.Password = k.sentinel.SentinelUsername, k.sentinel.SentinelPassword
			}
		}
	case strings.HasSuffix(scheme+"://", schemeCluster):
		k.cluster, err = redis.ParseClusterURL(strings.TrimSuffix(scheme, "-cluster") + "://" + rest)
	default:
		k.opts, err = redis.ParseURL(redisURL)
	}
	return err
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
	} else if err := k.parseURL(redisURL); err != nil {
		return nil, fmt.Errorf("PARLEY_REDIS_URL: %w", err)
	}
	// Fail fast when Redis is down: the request paths that touch it (rate
	// limits, publishes, enqueues) go on without it instead of waiting
	// through long retries (go-redis dials five times by default).
	switch {
	case k.opts != nil:
		k.opts.MaxRetries, k.opts.MaxRetryBackoff, k.opts.DialerRetries = 1, 50*time.Millisecond, 1
		k.opts.DialTimeout, k.opts.ReadTimeout, k.opts.WriteTimeout = 2*time.Second, 3*time.Second, 3*time.Second
		k.breaker = &breaker{probe: redis.NewClient(k.opts)}
	case k.sentinel != nil:
		k.sentinel.MaxRetries, k.sentinel.MaxRetryBackoff, k.sentinel.DialerRetries = 1, 50*time.Millisecond, 1
		k.sentinel.DialTimeout, k.sentinel.ReadTimeout, k.sentinel.WriteTimeout = 2*time.Second, 3*time.Second, 3*time.Second
		k.breaker = &breaker{probe: redis.NewFailoverClient(k.sentinel)}
	default:
		// A cluster has no breaker: one master failing over must not
		// stop the calls that go to the others, and go-redis routes
		// around a failing node by itself. It may follow a moved slot a
		// few times, but retries no more than a single server does.
		k.cluster.MaxRetries, k.cluster.MaxRetryBackoff, k.cluster.DialerRetries = 1, 50*time.Millisecond, 1
		k.cluster.DialTimeout, k.cluster.ReadTimeout, k.cluster.WriteTimeout = 2*time.Second, 3*time.Second, 3*time.Second
	}
	if k.breaker != nil {
		go k.breaker.watch(k.stop, 500*time.Millisecond)
	}
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

// NewClient returns another client of the same deployment with the same
// options and the same outage breaker (for a component that must not
// share the main pool).
func (k *KV) NewClient() redis.UniversalClient {
	var c redis.UniversalClient
	switch {
	case k.opts != nil:
		c = redis.NewClient(k.opts)
	case k.sentinel != nil:
		c = redis.NewFailoverClient(k.sentinel)
	default:
		cc := redis.NewClusterClient(k.cluster)
		cc.AddHook(reloader{cc})
		return cc
	}
	c.AddHook(k.breaker)
	return c
}

// reloader has a cluster client reload its map of slots to masters when a
// call fails on the network. go-redis reloads it on a MOVED answer and
// every minute otherwise, so the slots of a master that died would point
// at it, and their calls fail, for up to a minute after its replica took
// over. Reloads run in the background and are coalesced by go-redis.
type reloader struct{ c *redis.ClusterClient }

func (r reloader) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r reloader) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if err != nil && isNetErr(err) {
			r.c.ReloadState(ctx)
		}
		return err
	}
}

func (r reloader) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		if err != nil && isNetErr(err) {
			r.c.ReloadState(ctx)
		}
		return err
	}
}

// Down reports whether Redis is known to be unreachable right now.
func (k *KV) Down() bool { return k.breaker != nil && k.breaker.down.Load() }

// Cluster reports whether Redis is a Redis Cluster.
func (k *KV) Cluster() bool { return k.cluster != nil }

// AsynqOpt returns the asynq connection options for the same deployment.
func (k *KV) AsynqOpt() asynq.RedisConnOpt {
	switch {
	case k.sentinel != nil:
		o := k.sentinel
		return asynq.RedisFailoverClientOpt{MasterName: o.MasterName, SentinelAddrs: o.SentinelAddrs,
			SentinelUsername: o.SentinelUsername, SentinelPassword: o.SentinelPassword,
			Username: o.Username, Password: o.Password, DB: o.DB, TLSConfig: o.TLSConfig}
	case k.cluster != nil:
		o := k.cluster
		return asynq.RedisClusterClientOpt{Addrs: o.Addrs, MaxRedirects: o.MaxRedirects,
			Username: o.Username, Password: o.Password, TLSConfig: o.TLSConfig}
	}
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

// GetMany reads keys as MGET does (nil for a key that is not set), in one
// pipeline of GETs: in a Redis Cluster keys of different slots cannot go
// in one MGET, and a pipeline is split by node, one round trip to each.
func GetMany(ctx context.Context, rdb redis.UniversalClient, keys ...string) ([]any, error) {
	// Each GET's own error is what counts: the pipeline reports only the
	// first, which may be a key that is merely not set while a later GET
	// failed, and a failed read must not pass for an absent key.
	cmds, _ := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Get(ctx, k)
		}
		return nil
	})
	out := make([]any, len(cmds))
	for i, c := range cmds {
		v, err := c.(*redis.StringCmd).Result()
		switch {
		case err == nil:
			out[i] = v
		case err != redis.Nil:
			return nil, err
		}
	}
	return out, nil
}
