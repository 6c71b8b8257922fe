package testkit

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// dropRedisPrefix deletes the keys a test server left in a shared Redis:
// Parley's own keys and its asynq queues both carry the prefix.
func dropRedisPrefix(redisURL, prefix string) {
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		return
	}
	c := redis.NewClient(opts)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, pattern := range []string{prefix + "*", "asynq:{" + prefix + "*"} {
		iter := c.Scan(ctx, 0, pattern, 500).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		for len(keys) > 0 {
			n := min(500, len(keys))
			c.Del(ctx, keys[:n]...)
			keys = keys[n:]
		}
	}
	c.SRem(ctx, "asynq:queues", prefix+"critical", prefix+"default", prefix+"low")
}

// NeedRedisServer skips a test that starts Redis servers of its own (a
// Redis Cluster, Sentinel) when redis-server is not installed, unless
// PARLEY_TEST_REDIS_SERVER=required (CI sets it): then it fails the test.
func NeedRedisServer(tb testing.TB) {
	tb.Helper()
	if HaveRedisServer() {
		return
	}
	if os.Getenv("PARLEY_TEST_REDIS_SERVER") == "required" {
		tb.Fatal("redis-server and redis-cli are not installed (PARLEY_TEST_REDIS_SERVER=required)")
	}
	tb.Skip("redis-server is not installed")
}
