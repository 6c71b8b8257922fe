package testkit

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisServerBinary returns the path of redis-server. When it is missing
// the test is skipped only on a machine with no Redis configured for tests
// (PARLEY_TEST_REDIS_URL unset): where CI runs against a real Redis, a
// missing binary is a failure, not a skip.
func RedisServerBinary(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("redis-server")
	if err == nil {
		if _, err = exec.LookPath("redis-cli"); err == nil {
			return p
		}
	}
	if os.Getenv("PARLEY_TEST_REDIS_URL") == "" {
		tb.Skip("redis-server and redis-cli are not on PATH (and PARLEY_TEST_REDIS_URL is unset)")
	}
	tb.Fatalf("redis-server and redis-cli must be on PATH where PARLEY_TEST_REDIS_URL is set: %v", err)
	return ""
}

// RedisProc is a redis-server process started by a test.
type RedisProc struct {
	Addr string
	cmd  *exec.Cmd
	done chan struct{}
}

// Kill stops the process at once (SIGKILL), as a crash would.
func (p *RedisProc) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Client returns a plain client of this one process.
func (p *RedisProc) Client(tb testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: p.Addr, DialTimeout: time.Second, ReadTimeout: 2 * time.Second})
	tb.Cleanup(func() { c.Close() })
	return c
}

// freePort returns a TCP port on loopback nobody listens on right now.
func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startRedis starts redis-server (with the configuration file conf first
// when not empty, then args) on a free port, in dir, and waits until it
// answers PING. The process is killed when the test ends.
func startRedis(tb testing.TB, dir, conf string, args ...string) *RedisProc {
	tb.Helper()
	bin := RedisServerBinary(tb)
	port := freePort(tb)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	var all []string
	if conf != "" {
		all = append(all, conf)
	}
	all = append(all, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--logfile", filepath.Join(dir, fmt.Sprintf("redis-%d.log", port)))
	cmd := exec.Command(bin, append(all, args...)...)
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start redis-server: %v", err)
	}
	p := &RedisProc{Addr: addr, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	tb.Cleanup(p.Kill)
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	WaitFor(tb, 10*time.Second, "redis-server on "+addr+" answers", func() bool {
		return c.Ping(context.Background()).Err() == nil
	})
	return p
}

// WaitFor polls cond every 50 ms until it holds, failing the test after
// timeout.
func WaitFor(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("not within %s: %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// RedisCluster is a Redis Cluster of three masters with one replica each,
// started by the test.
type RedisCluster struct {
	Nodes []*RedisProc
	URL   string // redis-cluster://… for PARLEY_REDIS_URL
}

// StartRedisCluster starts six redis-server processes in cluster mode and
// joins them with redis-cli --cluster create (three masters, one replica
// each). A node is deemed failed after one second without answer, so a
// replica takes over quickly.
func StartRedisCluster(tb testing.TB) *RedisCluster {
	tb.Helper()
	dir := tb.TempDir()
	rc := &RedisCluster{}
	var addrs []string
	for i := range 6 {
		p := startRedis(tb, dir, "", "--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(dir, fmt.Sprintf("nodes-%d.conf", i)),
			"--cluster-port", strconv.Itoa(freePort(tb)),
			"--cluster-node-timeout", "1000", "--cluster-replica-validity-factor", "0")
		rc.Nodes = append(rc.Nodes, p)
		addrs = append(addrs, p.Addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput(); err != nil {
		tb.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, p := range rc.Nodes {
		c := p.Client(tb)
		WaitFor(tb, 20*time.Second, p.Addr+" sees the cluster ok", func() bool {
			info, err := c.ClusterInfo(context.Background()).Result()
			return err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_slots_ok:16384")
		})
	}
	for _, p := range rc.Nodes {
		c := p.Client(tb)
		WaitFor(tb, 20*time.Second, p.Addr+" is a master or an in-sync replica", func() bool {
			info, err := c.Info(context.Background(), "replication").Result()
			return err == nil && (strings.Contains(info, "role:master") || strings.Contains(info, "master_link_status:up"))
		})
	}
	rc.URL = "redis-cluster://" + strings.Join(addrs[:3], ",")
	return rc
}

// MasterOf returns the node serving slot as master, asked of any live node.
func (rc *RedisCluster) MasterOf(tb testing.TB, slot int64) *RedisProc {
	tb.Helper()
	for _, p := range rc.Nodes {
		select {
		case <-p.done:
			continue
		default:
		}
		slots, err := p.Client(tb).ClusterSlots(context.Background()).Result()
		if err != nil {
			continue
		}
		for _, s := range slots {
			if int64(s.Start) <= slot && slot <= int64(s.End) && len(s.Nodes) > 0 {
				for _, q := range rc.Nodes {
					if q.Addr == s.Nodes[0].Addr {
						return q
					}
				}
			}
		}
	}
	tb.Fatalf("no live node knows the master of slot %d", slot)
	return nil
}

// ReplicaOf returns the node replicating master.
func (rc *RedisCluster) ReplicaOf(tb testing.TB, master *RedisProc) *RedisProc {
	tb.Helper()
	_, port, _ := net.SplitHostPort(master.Addr)
	for _, p := range rc.Nodes {
		info, err := p.Client(tb).Info(context.Background(), "replication").Result()
		if err == nil && strings.Contains(info, "role:slave") && strings.Contains(info, "master_port:"+port+"\r\n") {
			return p
		}
	}
	tb.Fatalf("no replica of %s", master.Addr)
	return nil
}

// Slot returns the hash slot of key.
func (rc *RedisCluster) Slot(tb testing.TB, key string) int64 {
	tb.Helper()
	for _, p := range rc.Nodes {
		if n, err := p.Client(tb).ClusterKeySlot(context.Background(), key).Result(); err == nil {
			return n
		}
	}
	tb.Fatal("no node answers CLUSTER KEYSLOT")
	return 0
}

// RedisSentinel is a master, one replica and three Sentinels watching
// them under the name "mymaster", started by the test.
type RedisSentinel struct {
	Master, Replica *RedisProc
	Sentinels       []*RedisProc
	URL             string // redis-sentinel://… for PARLEY_REDIS_URL
}

// StartRedisSentinel starts the master, its replica and three Sentinels
// (redis-server --sentinel) that fail over after one second of silence.
func StartRedisSentinel(tb testing.TB) *RedisSentinel {
	tb.Helper()
	dir := tb.TempDir()
	rs := &RedisSentinel{}
	rs.Master = startRedis(tb, dir, "")
	rs.Replica = startRedis(tb, dir, "", "--replicaof", "127.0.0.1", strings.TrimPrefix(rs.Master.Addr, "127.0.0.1:"))
	var addrs []string
	for i := range 3 {
		conf := filepath.Join(dir, fmt.Sprintf("sentinel-%d.conf", i))
		host, port, _ := net.SplitHostPort(rs.Master.Addr)
		body := fmt.Sprintf("sentinel monitor mymaster %s %s 2\nsentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 10000\nsentinel parallel-syncs mymaster 1\n", host, port)
		if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
			tb.Fatal(err)
		}
		s := startRedis(tb, dir, conf, "--sentinel")
		rs.Sentinels = append(rs.Sentinels, s)
		addrs = append(addrs, s.Addr)
	}
	for _, s := range rs.Sentinels {
		c := s.Client(tb)
		WaitFor(tb, 20*time.Second, "sentinel "+s.Addr+" knows the replica and the other sentinels", func() bool {
			m, err := c.Do(context.Background(), "SENTINEL", "MASTER", "mymaster").Result()
			if err != nil {
				return false
			}
			f := sentinelFields(m)
			return f["num-slaves"] == "1" && f["num-other-sentinels"] == "2"
		})
	}
	WaitFor(tb, 20*time.Second, "the replica is in sync", func() bool {
		info, err := rs.Replica.Client(tb).Info(context.Background(), "replication").Result()
		return err == nil && strings.Contains(info, "master_link_status:up")
	})
	rs.URL = "redis-sentinel://" + strings.Join(addrs, ",") + "/mymaster"
	return rs
}

// MasterAddr asks a Sentinel which address serves as master now.
func (rs *RedisSentinel) MasterAddr(tb testing.TB) string {
	tb.Helper()
	for _, s := range rs.Sentinels {
		a, err := s.Client(tb).Do(context.Background(), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster").StringSlice()
		if err == nil && len(a) == 2 {
			return net.JoinHostPort(a[0], a[1])
		}
	}
	tb.Fatal("no Sentinel names the master")
	return ""
}

// sentinelFields reads SENTINEL MASTER's reply (a flat list or a map,
// depending on the protocol) as name → value.
func sentinelFields(v any) map[string]string {
	out := map[string]string{}
	switch r := v.(type) {
	case []any:
		for i := 0; i+1 < len(r); i += 2 {
			out[fmt.Sprint(r[i])] = fmt.Sprint(r[i+1])
		}
	case map[any]any:
		for k, x := range r {
			out[fmt.Sprint(k)] = fmt.Sprint(x)
		}
	}
	return out
}
