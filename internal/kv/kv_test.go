package kv

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"

	"github.com/redis/go-redis/v9"
)

// TestEmbeddedRedisRefusesOtherProcesses connects to the embedded server's
// loopback address as another local process would, without the password
// or with a guessed one: every command is refused, while Parley's own
// client works.
func TestEmbeddedRedisRefusesOtherProcesses(t *testing.T) {
	ctx := context.Background()
	k, err := Open(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if err := k.Client.Set(ctx, k.Key("probe"), "mine", 0).Err(); err != nil {
		t.Fatalf("Parley's own client: %v", err)
	}
	for _, pw := range []string{"", "guess"} {
		other := redis.NewClient(&redis.Options{Addr: k.opts.Addr, Password: pw, MaxRetries: -1})
		err := other.Set(ctx, k.Key("ticket", "forged"), `{"kind":"user","id":1,"role":"admin"}`, 0).Err()
		if err == nil || !(strings.Contains(err.Error(), "NOAUTH") || strings.Contains(err.Error(), "WRONGPASS")) {
			t.Errorf("password %q: SET answered %v, want an authentication error", pw, err)
		}
		if v, err := other.Get(ctx, k.Key("probe")).Result(); err == nil {
			t.Errorf("password %q: read %q without the password", pw, v)
		}
		other.Close()
	}
	if n, _ := k.Client.Exists(ctx, k.Key("ticket", "forged")).Result(); n != 0 {
		t.Error("a forged ticket was stored")
	}
}

// TestSlowCommandDoesNotOpenTheBreaker: a command whose deadline passes
// while Redis is slow leaves Redis usable for everyone else at once, while
// a Redis that is gone is reported as down without waiting on the network.
func TestSlowCommandDoesNotOpenTheBreaker(t *testing.T) {
	ctx := context.Background()
	m := miniredis.RunT(t)
	// Between Parley and Redis, a link that can be made slow.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// While stalled, the link holds the gate and answers wait for it.
	var gate sync.RWMutex
	addr := m.Addr()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r, err := net.Dial("tcp", addr)
			if err != nil {
				c.Close()
				continue
			}
			go func() { _, _ = io.Copy(r, c); r.Close() }()
			go func() {
				buf := make([]byte, 4096)
				for {
					n, err := r.Read(buf)
					gate.RLock()
					if n > 0 {
						_, _ = c.Write(buf[:n])
					}
					gate.RUnlock()
					if err != nil {
						c.Close()
						return
					}
				}
			}()
		}
	}()
	k, err := Open(ctx, "redis://"+ln.Addr().String(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()

	gate.Lock()
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := k.Client.Set(short, k.Key("a"), "1", 0).Err(); err == nil {
		t.Fatal("a command answered through a stalled link")
	}
	gate.Unlock()
	if err := k.Client.Set(ctx, k.Key("b"), "2", 0).Err(); err != nil {
		t.Fatalf("Redis answers again, but the next command failed: %v", err)
	}

	m.Close()
	_ = k.Client.Ping(ctx).Err() // finds the connection gone
	if err := k.Client.Ping(ctx).Err(); !errors.Is(err, ErrDown) {
		t.Fatalf("with Redis gone, a command answered %v, want ErrDown", err)
	}
}

// TestRedisURLForms: PARLEY_REDIS_URL names one server, a Sentinel-watched
// master or a Redis Cluster, and a URL that cannot work is refused with
// what is wrong.
func TestRedisURLForms(t *testing.T) {
	var k KV
	if err := k.parseURL("redis://:pw@10.0.0.1:6380/2"); err != nil || k.opts.Addr != "10.0.0.1:6380" || k.opts.DB != 2 || k.opts.Password != "pw" {
		t.Fatalf("one server: %v %+v", err, k.opts)
	}
	k = KV{}
	if err := k.parseURL("redis-sentinel://:pw@10.0.0.1:26379/1?addr=10.0.0.2:26379&master_name=parley"); err != nil {
		t.Fatal(err)
	}
	s := k.sentinel
	if s.MasterName != "parley" || strings.Join(s.SentinelAddrs, ",") != "10.0.0.1:26379,10.0.0.2:26379" || s.DB != 1 || s.Password != "pw" || s.SentinelPassword != "pw" {
		t.Fatalf("sentinel: %+v", s)
	}
	if _, ok := k.AsynqOpt().(asynq.RedisFailoverClientOpt); !ok {
		t.Fatalf("asynq options for sentinel: %T", k.AsynqOpt())
	}
	k = KV{}
	if err := k.parseURL("rediss-cluster://u:pw@10.0.0.1:7000?addr=10.0.0.2:7000&addr=10.0.0.3:7000"); err != nil {
		t.Fatal(err)
	}
	c := k.cluster
	if strings.Join(c.Addrs, ",") != "10.0.0.1:7000,10.0.0.2:7000,10.0.0.3:7000" || c.Username != "u" || c.Password != "pw" || c.TLSConfig == nil {
		t.Fatalf("cluster: %+v", c)
	}
	if o, ok := k.AsynqOpt().(asynq.RedisClusterClientOpt); !ok || len(o.Addrs) != 3 {
		t.Fatalf("asynq options for the cluster: %#v", k.AsynqOpt())
	}
	for url, want := range map[string]string{
		"redis-sentinel://10.0.0.1:26379":      "master_name",
		"redis-cluster://10.0.0.1:7000?pool=3": "pool",
		"memcached://10.0.0.1":                 "scheme",
	} {
		k = KV{}
		if err := k.parseURL(url); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error naming %q", url, err, want)
		}
	}
}

// TestGetManyTellsAbsentFromFailed: keys that are not set come back nil;
// a read that fails is an error, even when an earlier key was merely
// absent (the account-state check falls back to the database on it).
func TestGetManyTellsAbsentFromFailed(t *testing.T) {
	ctx := context.Background()
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	defer rdb.Close()
	m.Set("b", "2")
	vals, err := GetMany(ctx, rdb, "a", "b")
	if err != nil || len(vals) != 2 || vals[0] != nil || vals[1] != "2" {
		t.Fatalf("GetMany(a, b) = %#v, %v; want [nil 2]", vals, err)
	}
	m.HSet("h", "f", "v") // GET on a hash fails with WRONGTYPE
	if vals, err := GetMany(ctx, rdb, "a", "h"); err == nil {
		t.Fatalf("GetMany(absent, failing) = %#v, want the failure", vals)
	}
}
