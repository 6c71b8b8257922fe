package testkit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// HaveRedisServer reports whether redis-server and redis-cli are on PATH.
func HaveRedisServer() bool {
	_, errServer := exec.LookPath("redis-server")
	_, errCLI := exec.LookPath("redis-cli")
	return errServer == nil && errCLI == nil
}

// redisProcess is one redis-server process started for a test.
type redisProcess struct {
	addr string // 127.0.0.1:port
	dir  string // its own temp dir: config, log and any files it writes
	log  string // file that gets its stdout and stderr
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited
}

// alive reports whether the process is still running.
func (p *redisProcess) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits for the process to exit.
func (p *redisProcess) kill() error {
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill redis-server at %s: %w", p.addr, err)
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("redis-server at %s did not exit 10 s after SIGKILL", p.addr)
	}
}

// logTail returns the last lines of the process's log.
func (p *redisProcess) logTail() string {
	data, err := os.ReadFile(p.log)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 25 {
		lines = lines[len(lines)-25:]
	}
	return strings.Join(lines, "\n")
}

// startRedisProcess starts redis-server on a free loopback port in a fresh
// temp dir, with the config that conf renders for that dir and port, and
// waits until it answers PING. bus asks for port+10000 to be free too, for
// a cluster node's bus. When the server exits because its port was taken
// in the meantime, it tries again with another port. The process is killed
// and waited for in tb.Cleanup.
func startRedisProcess(tb testing.TB, name string, bus bool, conf func(dir string, port int) string, args ...string) *redisProcess {
	tb.Helper()
	const attempts = 5
	for attempt := 1; ; attempt++ {
		dir := tb.TempDir()
		port := freePort(tb, bus)
		confPath := filepath.Join(dir, "redis.conf")
		if err := os.WriteFile(confPath, []byte(conf(dir, port)), 0o644); err != nil {
			tb.Fatal(err)
		}
		p := &redisProcess{
			addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
			dir:  dir,
			log:  filepath.Join(dir, "redis.log"),
			done: make(chan struct{}),
		}
		logFile, err := os.Create(p.log)
		if err != nil {
			tb.Fatal(err)
		}
		p.cmd = exec.Command("redis-server", append([]string{confPath}, args...)...)
		p.cmd.Dir = dir
		p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
		err = p.cmd.Start()
		logFile.Close() // the child has its own copy
		if err != nil {
			tb.Fatalf("start %s: %v", name, err)
		}
		go func() {
			p.cmd.Wait()
			close(p.done)
		}()
		tb.Cleanup(func() {
			if err := p.kill(); err != nil {
				tb.Error(err)
			}
		})

		err = waitAnswers(p)
		if err == nil {
			return p
		}
		if !p.alive() && strings.Contains(p.logTail(), "already in use") && attempt < attempts {
			continue // someone took the port between freePort and the bind
		}
		tb.Fatalf("start %s at %s: %v\nlog %s:\n%s", name, p.addr, err, p.log, p.logTail())
	}
}

// freePort returns a loopback port nobody listens on; with bus, port+10000
// is free too.
func freePort(tb testing.TB, bus bool) int {
	tb.Helper()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		if !bus {
			l.Close()
			return port
		}
		if port+10000 > 65535 {
			l.Close()
			continue
		}
		b, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000)))
		l.Close()
		if err != nil {
			continue
		}
		b.Close()
		return port
	}
	tb.Fatal("found no free port pair for a redis cluster node")
	return 0
}

// waitAnswers waits up to 10 s until the process answers PING, and checks
// that what answers is this process and not another one on the same port.
func waitAnswers(p *redisProcess) error {
	rc := redis.NewClient(&redis.Options{Addr: p.addr, DialTimeout: time.Second, ReadTimeout: time.Second, MaxRetries: -1})
	defer rc.Close()
	deadline := time.After(10 * time.Second)
	ticker := time.NewTicker(50 * time.Millisecond)
	defer ticker.Stop()
	var lastErr error
	for {
		select {
		case <-p.done:
			return fmt.Errorf("redis-server exited: %v", p.cmd.ProcessState)
		case <-deadline:
			return fmt.Errorf("no answer to PING after 10 s: %v", lastErr)
		case <-ticker.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		lastErr = rc.Ping(ctx).Err()
		if lastErr == nil {
			var info string
			info, lastErr = rc.Info(ctx, "server").Result()
			if pid := infoField(info, "process_id"); lastErr == nil && pid != strconv.Itoa(p.cmd.Process.Pid) {
				lastErr = fmt.Errorf("another process (pid %s) answers on %s", pid, p.addr)
			}
		}
		cancel()
		if lastErr == nil {
			return nil
		}
	}
}

// redisConf is the config every data node starts with: loopback only,
// nothing written to disk, and quick replication: a new replica syncs at
// once instead of after the default 5 s wait for more replicas, and its
// replication offset moves (through the master's pings) every second
// rather than every 10, which Redis Cluster needs before it lists a replica
// in CLUSTER SLOTS.
func redisConf(dir string, port int) string {
	return fmt.Sprintf("port %d\nbind 127.0.0.1\nprotected-mode no\ndir %q\nlogfile \"\"\n", port, dir) +
		"save \"\"\nappendonly no\n" +
		"repl-diskless-sync-delay 0\nrepl-ping-replica-period 1\n"
}

// infoField returns the value of field in the text of INFO or CLUSTER INFO.
func infoField(info, field string) string {
	for line := range strings.Lines(info) {
		if value, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), field+":"); ok {
			return value
		}
	}
	return ""
}

// poll calls check every 100 ms, each time with a context that bounds its
// commands, until it returns nil or timeout passes; then it returns the last
// error.
func poll(timeout time.Duration, check func(ctx context.Context) error) error {
	deadline := time.After(timeout)
	ticker := time.NewTicker(100 * time.Millisecond)
	defer ticker.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := check(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-deadline:
			return err
		case <-ticker.C:
		}
	}
}

// withClient runs f with a client of the node at addr.
func withClient(addr string, f func(rc *redis.Client) error) error {
	rc := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: 2 * time.Second, MaxRetries: -1})
	defer rc.Close()
	return f(rc)
}

// logTails returns the ends of the logs of the processes, for a failure
// message.
func logTails(procs []*redisProcess) string {
	var b strings.Builder
	for _, p := range procs {
		state := "alive"
		if !p.alive() {
			state = "dead"
		}
		fmt.Fprintf(&b, "==> %s (%s) %s <==\n%s\n", p.addr, state, p.log, p.logTail())
	}
	return b.String()
}

// findProcess returns the process at addr, or nil.
func findProcess(procs []*redisProcess, addr string) *redisProcess {
	for _, p := range procs {
		if p.addr == addr {
			return p
		}
	}
	return nil
}

// RedisCluster is a Redis Cluster of real redis-server processes started for one test.
type RedisCluster struct {
	nodes    []*redisProcess
	replicas int // per master
}

// StartRedisCluster starts masters masters with replicas replicas each
// (3 and 1 make six processes), each on a free loopback port whose cluster
// bus port is free too, each in its own temp dir, with a node timeout of
// 1 s and cluster-replica-validity-factor 0 so that a replica takes over a
// couple of seconds after its master dies. It creates the cluster with
// redis-cli --cluster create and waits until every node reports
// cluster_state:ok, every node agrees on who serves which slots and every
// replica is in sync with its master. It fails the test when redis-server
// or redis-cli is missing. Every process is killed in tb.Cleanup.
func StartRedisCluster(tb testing.TB, masters, replicas int) *RedisCluster {
	tb.Helper()
	if !HaveRedisServer() {
		tb.Fatal("redis-server or redis-cli is not on PATH")
	}
	if masters < 3 || replicas < 0 {
		tb.Fatalf("a redis cluster needs at least 3 masters and no negative replicas, not %d and %d", masters, replicas)
	}
	c := &RedisCluster{replicas: replicas}
	clusterConf := func(dir string, port int) string {
		return redisConf(dir, port) + "cluster-enabled yes\n" +
			"cluster-config-file nodes.conf\n" +
			"cluster-node-timeout 1000\n" +
			"cluster-replica-validity-factor 0\n"
	}
	for i := range masters * (1 + replicas) {
		c.nodes = append(c.nodes, startRedisProcess(tb, fmt.Sprintf("redis cluster node %d", i), true, clusterConf))
	}

	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput(); err != nil {
		tb.Fatalf("redis-cli %s: %v\n%s\n%s", strings.Join(args, " "), err, out, logTails(c.nodes))
	}

	if err := poll(30*time.Second, c.ready); err != nil {
		tb.Fatalf("redis cluster not ready after 30 s: %v\n%s", err, logTails(c.nodes))
	}
	return c
}

// ready checks that every node says cluster_state:ok, knows every other
// node, sees the same masters and replicas for the same slots as the others,
// and, if a replica, is in sync with its master.
func (c *RedisCluster) ready(ctx context.Context) error {
	var firstView string
	for _, n := range c.nodes {
		err := withClient(n.addr, func(rc *redis.Client) error {
			info, err := rc.ClusterInfo(ctx).Result()
			if err != nil {
				return err
			}
			if state := infoField(info, "cluster_state"); state != "ok" {
				return fmt.Errorf("cluster_state:%s", state)
			}
			if known := infoField(info, "cluster_known_nodes"); known != strconv.Itoa(len(c.nodes)) {
				return fmt.Errorf("knows %s nodes of %d", known, len(c.nodes))
			}
			slots, err := rc.ClusterSlots(ctx).Result()
			if err != nil {
				return err
			}
			view, err := c.describeSlots(slots)
			if err != nil {
				return err
			}
			if firstView == "" {
				firstView = view
			} else if view != firstView {
				return fmt.Errorf("sees slots %s, but %s sees %s", view, c.nodes[0].addr, firstView)
			}
			repl, err := rc.Info(ctx, "replication").Result()
			if err != nil {
				return err
			}
			if infoField(repl, "role") == "slave" && infoField(repl, "master_link_status") != "up" {
				return fmt.Errorf("replica with master_link_status:%s", infoField(repl, "master_link_status"))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("node %s: %w", n.addr, err)
		}
	}
	return nil
}

// describeSlots renders CLUSTER SLOTS as "start-end master replica...; ...",
// sorted, and checks each range has all its replicas.
func (c *RedisCluster) describeSlots(slots []redis.ClusterSlot) (string, error) {
	var ranges []string
	for _, s := range slots {
		if len(s.Nodes) != 1+c.replicas {
			return "", fmt.Errorf("slots %d-%d have %d nodes, want %d", s.Start, s.End, len(s.Nodes), 1+c.replicas)
		}
		replicas := make([]string, 0, c.replicas)
		for _, n := range s.Nodes[1:] {
			replicas = append(replicas, n.Addr)
		}
		slices.Sort(replicas)
		ranges = append(ranges, fmt.Sprintf("%05d-%05d %s %s", s.Start, s.End, s.Nodes[0].Addr, strings.Join(replicas, " ")))
	}
	slices.Sort(ranges)
	return strings.Join(ranges, "; "), nil
}

// URL is the cluster's address in Parley's form:
// "redis-cluster://127.0.0.1:P1?addr=127.0.0.1:P2&addr=..." listing every
// master and replica.
func (c *RedisCluster) URL() string {
	addrs := c.Addrs()
	return "redis-cluster://" + addrs[0] + "?addr=" + strings.Join(addrs[1:], "&addr=")
}

// Addrs lists every node's address host:port, killed ones included, in the
// order they were started.
func (c *RedisCluster) Addrs() []string {
	addrs := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		addrs[i] = n.addr
	}
	return addrs
}

// live returns the nodes that are still running.
func (c *RedisCluster) live() []*redisProcess {
	var live []*redisProcess
	for _, n := range c.nodes {
		if n.alive() {
			live = append(live, n)
		}
	}
	return live
}

// slotMaster asks the node at addr for the master that serves the slot of
// key, and for the node's cluster_state.
func slotMaster(ctx context.Context, addr, key string) (master, state string, err error) {
	err = withClient(addr, func(rc *redis.Client) error {
		info, err := rc.ClusterInfo(ctx).Result()
		if err != nil {
			return err
		}
		state = infoField(info, "cluster_state")
		slot, err := rc.ClusterKeySlot(ctx, key).Result()
		if err != nil {
			return err
		}
		slots, err := rc.ClusterSlots(ctx).Result()
		if err != nil {
			return err
		}
		for _, s := range slots {
			if int64(s.Start) <= slot && slot <= int64(s.End) && len(s.Nodes) > 0 {
				master = s.Nodes[0].Addr
				return nil
			}
		}
		return fmt.Errorf("no node serves slot %d", slot)
	})
	return master, state, err
}

// MasterFor returns the address of the master that currently holds the slot
// of key, as the first live node that answers reports it.
func (c *RedisCluster) MasterFor(tb testing.TB, key string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := errors.New("no live node")
	for _, n := range c.live() {
		var master string
		if master, _, err = slotMaster(ctx, n.addr, key); err == nil {
			return master
		}
		err = fmt.Errorf("node %s: %w", n.addr, err)
	}
	tb.Fatalf("master for key %q: %v", key, err)
	return ""
}

// Kill kills the process at addr with SIGKILL, as a crash, and waits for it
// to exit.
func (c *RedisCluster) Kill(tb testing.TB, addr string) {
	tb.Helper()
	n := findProcess(c.nodes, addr)
	if n == nil {
		tb.Fatalf("no redis cluster node at %s", addr)
	}
	if err := n.kill(); err != nil {
		tb.Fatal(err)
	}
}

// WaitFailover waits, up to 30 s, until every surviving node says
// cluster_state:ok and agrees that the slot of key is served by a live
// master other than old, and returns that master's address.
func (c *RedisCluster) WaitFailover(tb testing.TB, key, old string) string {
	tb.Helper()
	var master string
	err := poll(30*time.Second, func(ctx context.Context) error {
		master = ""
		live := c.live()
		if len(live) == 0 {
			return errors.New("no live node")
		}
		for _, n := range live {
			m, state, err := slotMaster(ctx, n.addr, key)
			switch {
			case err != nil:
				return fmt.Errorf("node %s: %w", n.addr, err)
			case state != "ok":
				return fmt.Errorf("node %s: cluster_state:%s", n.addr, state)
			case m == old:
				return fmt.Errorf("node %s: %s still serves the slot of %q", n.addr, old, key)
			case master != "" && m != master:
				return fmt.Errorf("node %s says %s serves the slot of %q, another says %s", n.addr, m, key, master)
			}
			master = m
		}
		if p := findProcess(c.nodes, master); p == nil || !p.alive() {
			return fmt.Errorf("the slot of %q is served by %s, which is not a live node", key, master)
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("no failover of the slot of %q away from %s after 30 s: %v\n%s", key, old, err, logTails(c.nodes))
	}
	return master
}

// RedisSentinel is one master, one replica and three sentinels monitoring
// the master under the name "parley", all real processes started for one
// test.
type RedisSentinel struct {
	servers   []*redisProcess // the first master and its replica
	sentinels []*redisProcess
}

// sentinelMasterName is the name the sentinels monitor the master under.
const sentinelMasterName = "parley"

// StartRedisSentinel starts a master, a replica of it and three sentinels
// (quorum 2, down-after-milliseconds 1000, failover-timeout 3000,
// parallel-syncs 1), each in its own temp dir, and waits until the replica
// is in sync and every sentinel knows the master, the replica and the other
// two sentinels. It fails the test when redis-server is missing. Every
// process is killed in tb.Cleanup.
func StartRedisSentinel(tb testing.TB) *RedisSentinel {
	tb.Helper()
	if !HaveRedisServer() {
		tb.Fatal("redis-server or redis-cli is not on PATH")
	}
	s := &RedisSentinel{}
	master := startRedisProcess(tb, "redis master", false, redisConf)
	_, masterPort, _ := net.SplitHostPort(master.addr)
	replica := startRedisProcess(tb, "redis replica", false, func(dir string, port int) string {
		return redisConf(dir, port) + "replicaof 127.0.0.1 " + masterPort + "\n"
	})
	s.servers = []*redisProcess{master, replica}
	sentinelConf := func(dir string, port int) string {
		return fmt.Sprintf("port %d\nbind 127.0.0.1\nprotected-mode no\ndir %q\nlogfile \"\"\n", port, dir) +
			fmt.Sprintf("sentinel monitor %s 127.0.0.1 %s 2\n", sentinelMasterName, masterPort) +
			fmt.Sprintf("sentinel down-after-milliseconds %s 1000\n", sentinelMasterName) +
			fmt.Sprintf("sentinel failover-timeout %s 3000\n", sentinelMasterName) +
			fmt.Sprintf("sentinel parallel-syncs %s 1\n", sentinelMasterName)
	}
	for i := range 3 {
		s.sentinels = append(s.sentinels, startRedisProcess(tb, fmt.Sprintf("redis sentinel %d", i), false, sentinelConf, "--sentinel"))
	}

	err := poll(30*time.Second, func(ctx context.Context) error {
		err := withClient(replica.addr, func(rc *redis.Client) error {
			repl, err := rc.Info(ctx, "replication").Result()
			if err != nil {
				return err
			}
			if status := infoField(repl, "master_link_status"); status != "up" {
				return fmt.Errorf("master_link_status:%s", status)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("replica %s: %w", replica.addr, err)
		}
		for _, sp := range s.sentinels {
			if err := sentinelKnowsAll(ctx, sp.addr, master.addr, replica.addr); err != nil {
				return fmt.Errorf("sentinel %s: %w", sp.addr, err)
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("redis sentinel setup not ready after 30 s: %v\n%s", err, logTails(slices.Concat(s.servers, s.sentinels)))
	}
	return s
}

// sentinelKnowsAll checks that the sentinel at addr reports master as the
// master, knows replica as a healthy replica and knows two other sentinels.
func sentinelKnowsAll(ctx context.Context, addr, master, replica string) error {
	sc := redis.NewSentinelClient(&redis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: 2 * time.Second, MaxRetries: -1})
	defer sc.Close()
	got, err := sentinelMaster(ctx, sc)
	if err != nil {
		return err
	}
	if got != master {
		return fmt.Errorf("reports master %s, not %s", got, master)
	}
	replicas, err := sc.Replicas(ctx, sentinelMasterName).Result()
	if err != nil {
		return err
	}
	if len(replicas) != 1 || replicas[0]["name"] != replica || replicas[0]["flags"] != "slave" {
		return fmt.Errorf("knows replicas %v, want %s with flags slave", replicas, replica)
	}
	others, err := sc.Sentinels(ctx, sentinelMasterName).Result()
	if err != nil {
		return err
	}
	if len(others) != 2 {
		return fmt.Errorf("knows %d other sentinels, want 2", len(others))
	}
	return nil
}

// sentinelMaster asks a sentinel for the master's address.
func sentinelMaster(ctx context.Context, sc *redis.SentinelClient) (string, error) {
	hostPort, err := sc.GetMasterAddrByName(ctx, sentinelMasterName).Result()
	if err != nil {
		return "", err
	}
	if len(hostPort) != 2 {
		return "", fmt.Errorf("get-master-addr-by-name answered %q", hostPort)
	}
	return net.JoinHostPort(hostPort[0], hostPort[1]), nil
}

// sentinelAddrs lists the sentinels' addresses host:port.
func (s *RedisSentinel) sentinelAddrs() []string {
	addrs := make([]string, len(s.sentinels))
	for i, p := range s.sentinels {
		addrs[i] = p.addr
	}
	return addrs
}

// URL is the address in Parley's form:
// "redis-sentinel://127.0.0.1:S1?addr=127.0.0.1:S2&addr=127.0.0.1:S3&master_name=parley".
func (s *RedisSentinel) URL() string {
	addrs := s.sentinelAddrs()
	return "redis-sentinel://" + addrs[0] + "?addr=" + strings.Join(addrs[1:], "&addr=") + "&master_name=" + sentinelMasterName
}

// agreedMaster returns the master's address when all sentinels report the
// same one.
func (s *RedisSentinel) agreedMaster(ctx context.Context) (string, error) {
	var master string
	for _, sp := range s.sentinels {
		sc := redis.NewSentinelClient(&redis.Options{Addr: sp.addr, DialTimeout: time.Second, ReadTimeout: 2 * time.Second, MaxRetries: -1})
		m, err := sentinelMaster(ctx, sc)
		sc.Close()
		switch {
		case err != nil:
			return "", fmt.Errorf("sentinel %s: %w", sp.addr, err)
		case master != "" && m != master:
			return "", fmt.Errorf("sentinel %s reports master %s, another %s", sp.addr, m, master)
		}
		master = m
	}
	return master, nil
}

// Master returns the current master's address as the sentinels report it
// (SENTINEL GET-MASTER-ADDR-BY-NAME parley), waiting up to 10 s for all
// three to agree.
func (s *RedisSentinel) Master(tb testing.TB) string {
	tb.Helper()
	var master string
	err := poll(10*time.Second, func(ctx context.Context) (err error) {
		master, err = s.agreedMaster(ctx)
		return err
	})
	if err != nil {
		tb.Fatalf("master of %q: %v", sentinelMasterName, err)
	}
	return master
}

// KillMaster kills the current master with SIGKILL and waits, up to 30 s,
// until all sentinels report a different master that is alive and says it
// is a master; it returns that master's address.
func (s *RedisSentinel) KillMaster(tb testing.TB) string {
	tb.Helper()
	return s.WaitFailover(tb, s.Kill(tb))
}

// Kill kills the current master with SIGKILL and returns its address at
// once, without waiting for the sentinels.
func (s *RedisSentinel) Kill(tb testing.TB) string {
	tb.Helper()
	old := s.Master(tb)
	p := findProcess(s.servers, old)
	if p == nil {
		tb.Fatalf("the sentinels report master %s, which this test did not start", old)
	}
	if err := p.kill(); err != nil {
		tb.Fatal(err)
	}
	return old
}

// WaitFailover waits, up to 30 s, until all sentinels report a master
// other than old that is alive and says it is a master, and returns it.
func (s *RedisSentinel) WaitFailover(tb testing.TB, old string) string {
	tb.Helper()
	var master string
	err := poll(30*time.Second, func(ctx context.Context) error {
		var err error
		if master, err = s.agreedMaster(ctx); err != nil {
			return err
		}
		if master == old {
			return fmt.Errorf("sentinels still report %s", old)
		}
		if p := findProcess(s.servers, master); p == nil || !p.alive() {
			return fmt.Errorf("sentinels report master %s, which is not a live server", master)
		}
		return withClient(master, func(rc *redis.Client) error {
			repl, err := rc.Info(ctx, "replication").Result()
			if err != nil {
				return err
			}
			if role := infoField(repl, "role"); role != "master" {
				return fmt.Errorf("%s has role %s", master, role)
			}
			return nil
		})
	})
	if err != nil {
		tb.Fatalf("no failover away from %s after 30 s: %v\n%s", old, err, logTails(slices.Concat(s.servers, s.sentinels)))
	}
	return master
}
