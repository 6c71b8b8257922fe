package testkit

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestRedisClusterFailover(t *testing.T) {
	NeedRedisServer(t)
	start := time.Now()
	c := StartRedisCluster(t, 3, 1)
	t.Logf("cluster of %d nodes ready in %v: %s", len(c.Addrs()), time.Since(start).Round(time.Millisecond), c.URL())
	if got := len(c.Addrs()); got != 6 {
		t.Fatalf("%d nodes, want 6", got)
	}
	if !strings.HasPrefix(c.URL(), "redis-cluster://127.0.0.1:") || strings.Count(c.URL(), "addr=") != 5 {
		t.Fatalf("URL %q", c.URL())
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const key = "parley:failover"

	before := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
	defer before.Close()
	if err := before.Set(ctx, key, "before", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := before.Get(ctx, key).Result(); err != nil || got != "before" {
		t.Fatalf("get %q = %q, %v; want before", key, got, err)
	}

	old := c.MasterFor(t, key)
	killed := time.Now()
	c.Kill(t, old)
	master := c.WaitFailover(t, key, old)
	t.Logf("slot of %q moved from %s to %s in %v", key, old, master, time.Since(killed).Round(time.Millisecond))
	if master == old {
		t.Fatalf("WaitFailover returned the killed master %s", old)
	}
	if got := c.MasterFor(t, key); got != master {
		t.Fatalf("MasterFor = %s after failover to %s", got, master)
	}

	after := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
	defer after.Close()
	if err := after.Set(ctx, key, "after", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := after.Get(ctx, key).Result(); err != nil || got != "after" {
		t.Fatalf("get %q = %q, %v; want after", key, got, err)
	}
}

func TestRedisSentinelFailover(t *testing.T) {
	NeedRedisServer(t)
	start := time.Now()
	s := StartRedisSentinel(t)
	t.Logf("sentinel setup ready in %v: %s", time.Since(start).Round(time.Millisecond), s.URL())
	if !strings.HasPrefix(s.URL(), "redis-sentinel://127.0.0.1:") || !strings.HasSuffix(s.URL(), "&master_name=parley") ||
		strings.Count(s.URL(), "addr=") != 2 {
		t.Fatalf("URL %q", s.URL())
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const key = "parley:failover"

	client := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: "parley", SentinelAddrs: s.sentinelAddrs()})
	defer client.Close()
	if err := client.Set(ctx, key, "before", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := client.Get(ctx, key).Result(); err != nil || got != "before" {
		t.Fatalf("get %q = %q, %v; want before", key, got, err)
	}

	old := s.Master(t)
	killed := time.Now()
	master := s.KillMaster(t)
	t.Logf("sentinels moved the master from %s to %s in %v", old, master, time.Since(killed).Round(time.Millisecond))
	if master == old {
		t.Fatalf("KillMaster returned the killed master %s", old)
	}

	err := poll(30*time.Second, func(ctx context.Context) error {
		if err := client.Set(ctx, key, "after", 0).Err(); err != nil {
			return err
		}
		got, err := client.Get(ctx, key).Result()
		if err == nil && got != "after" {
			t.Fatalf("get %q = %q after writing after", key, got)
		}
		return err
	})
	if err != nil {
		t.Fatalf("write and read through the failover client after the failover: %v", err)
	}
	t.Logf("failover client writes again %v after the kill", time.Since(killed).Round(time.Millisecond))
}
