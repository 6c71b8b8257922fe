package kv

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Mode is how Parley reaches Redis.
type Mode int

// The three deployments of Redis that PARLEY_REDIS_URL names.
const (
	Single   Mode = iota // one server: redis://, rediss://, unix://
	Sentinel             // a master watched by Sentinels: redis-sentinel://
	Cluster              // a Redis Cluster: redis-cluster://
)

func (m Mode) String() string {
	switch m {
	case Sentinel:
		return "sentinel"
	case Cluster:
		return "cluster"
	}
	return "single"
}

// Target is a parsed PARLEY_REDIS_URL.
type Target struct {
	Mode Mode
	// Single: the server's options as go-redis parses them.
	single *redis.Options
	// Sentinel and Cluster.
	Addrs            []string // sentinels, or cluster seed nodes
	MasterName       string   // Sentinel only
	DB               int      // Sentinel only (a cluster has database 0 only)
	Username         string
	Password         string
	SentinelPassword string
	TLS              bool
}

// ParseURL parses PARLEY_REDIS_URL in one of its forms:
//
//	redis://[[user]:password@]host:port[/db]            one server (also rediss://, unix://)
//	redis-sentinel://[[user]:password@]host:port[,host:port…]/master[/db][?sentinel_password=…]
//	redis-cluster://[[user]:password@]host:port[,host:port…]
//
// rediss-sentinel:// and rediss-cluster:// speak TLS. Errors name the
// setting and say what is wrong.
func ParseURL(raw string) (*Target, error) {
	scheme, _, _ := strings.Cut(raw, "://")
	switch scheme {
	case "redis", "rediss", "unix":
		opts, err := redis.ParseURL(raw)
		if err != nil {
			return nil, fmt.Errorf("PARLEY_REDIS_URL: %w", err)
		}
		return &Target{Mode: Single, single: opts}, nil
	case "redis-sentinel", "rediss-sentinel":
		t, err := parseMulti(raw, Sentinel)
		if err != nil {
			return nil, fmt.Errorf("PARLEY_REDIS_URL: %w (want redis-sentinel://[:password@]host:26379,host:26379/master-name[/db])", err)
		}
		return t, nil
	case "redis-cluster", "rediss-cluster":
		t, err := parseMulti(raw, Cluster)
		if err != nil {
			return nil, fmt.Errorf("PARLEY_REDIS_URL: %w (want redis-cluster://[:password@]host:7000,host:7001,…)", err)
		}
		return t, nil
	}
	return nil, fmt.Errorf("PARLEY_REDIS_URL: unknown scheme %q: want redis://, rediss://, unix://, redis-sentinel:// or redis-cluster://", scheme)
}

func parseMulti(raw string, mode Mode) (*Target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a URL")
	}
	t := &Target{Mode: mode, TLS: strings.HasPrefix(u.Scheme, "rediss")}
	if u.User != nil {
		t.Username = u.User.Username()
		t.Password, _ = u.User.Password()
	}
	if u.Host == "" {
		return nil, errors.New("no host")
	}
	for _, a := range strings.Split(u.Host, ",") {
		host, port, err := net.SplitHostPort(a)
		if err != nil || host == "" {
			return nil, fmt.Errorf("address %q is not host:port", a)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("address %q has no valid port", a)
		}
		t.Addrs = append(t.Addrs, a)
	}
	path := strings.Trim(u.Path, "/")
	q := u.Query()
	switch mode {
	case Sentinel:
		master, db, hasDB := strings.Cut(path, "/")
		if master == "" {
			return nil, errors.New("no master name")
		}
		t.MasterName = master
		if hasDB {
			if t.DB, err = strconv.Atoi(db); err != nil || t.DB < 0 {
				return nil, fmt.Errorf("database %q is not a number", db)
			}
		}
		t.SentinelPassword = q.Get("sentinel_password")
		q.Del("sentinel_password")
	case Cluster:
		if path != "" {
			return nil, errors.New("a cluster URL has no path (a Redis Cluster has database 0 only)")
		}
	}
	for k := range q {
		return nil, fmt.Errorf("unknown parameter %q", k)
	}
	if u.Fragment != "" {
		return nil, errors.New("unexpected #fragment")
	}
	return t, nil
}

// Embedded is the target of the in-process server.
func embeddedTarget(addr, password string) *Target {
	return &Target{Mode: Single, single: &redis.Options{Addr: addr, Password: password}}
}

// Every client fails fast when Redis is down, so that the request paths
// that touch it (rate limits, publishes, enqueues) go on without it
// instead of waiting through long retries.
const (
	maxRetryBackoff = 50 * time.Millisecond
	dialTimeout     = 2 * time.Second
	ioTimeout       = 3 * time.Second
)

func (t *Target) tls() *tls.Config {
	if !t.TLS {
		return nil
	}
	return &tls.Config{MinVersion: tls.VersionTLS12}
}

// NewClient builds a go-redis client for the target.
func (t *Target) NewClient() redis.UniversalClient {
	switch t.Mode {
	case Sentinel:
		return redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName: t.MasterName, SentinelAddrs: t.Addrs, SentinelPassword: t.SentinelPassword,
			Username: t.Username, Password: t.Password, DB: t.DB, TLSConfig: t.tls(),
			MaxRetries: 1, MaxRetryBackoff: maxRetryBackoff,
			DialTimeout: dialTimeout, ReadTimeout: ioTimeout, WriteTimeout: ioTimeout,
		})
	case Cluster:
		return redis.NewClusterClient(&redis.ClusterOptions{
			Addrs: t.Addrs, Username: t.Username, Password: t.Password, TLSConfig: t.tls(),
			// The slot map is read again when it is older than this: after a
			// failover, the subscription reconnects to the promoted replica
			// within seconds even while the outage breaker keeps commands
			// (whose errors would also trigger a reload) away.
			ClusterStateReloadInterval: 2 * time.Second,
			MaxRetries:                 1, MaxRetryBackoff: maxRetryBackoff,
			DialTimeout: dialTimeout, ReadTimeout: ioTimeout, WriteTimeout: ioTimeout,
		})
	}
	o := *t.single
	o.MaxRetries, o.MaxRetryBackoff = 1, maxRetryBackoff
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout = dialTimeout, ioTimeout, ioTimeout
	return redis.NewClient(&o)
}

// AsynqOpt returns asynq's connection options for the target.
func (t *Target) AsynqOpt() asynq.RedisConnOpt {
	switch t.Mode {
	case Sentinel:
		return asynq.RedisFailoverClientOpt{
			MasterName: t.MasterName, SentinelAddrs: t.Addrs, SentinelPassword: t.SentinelPassword,
			Username: t.Username, Password: t.Password, DB: t.DB, TLSConfig: t.tls(),
		}
	case Cluster:
		return asynq.RedisClusterClientOpt{Addrs: t.Addrs, Username: t.Username, Password: t.Password, TLSConfig: t.tls()}
	}
	o := t.single
	return asynq.RedisClientOpt{
		Network: o.Network, Addr: o.Addr, Username: o.Username, Password: o.Password, DB: o.DB, TLSConfig: o.TLSConfig,
	}
}
