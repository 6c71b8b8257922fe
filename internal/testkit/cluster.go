package testkit

import (
	"path/filepath"
	"testing"

	"github.com/alicebob/miniredis/v2"

	"github.com/parley-chat/parley/internal/config"
)

// StartCluster starts n servers that share one database, one Redis and one
// secret, as the nodes of one deployment behind a load balancer. Without
// PARLEY_TEST_DATABASE_URL / PARLEY_TEST_REDIS_URL they share an SQLite
// file and a Redis-compatible server started for the test, so nodes still
// talk through the Redis broker.
func StartCluster(tb testing.TB, n int, opts ...Option) []*Server {
	tb.Helper()
	shared := func(c *config.Config) {
		if c.RedisURL == "" {
			m := miniredis.NewMiniRedis()
			if err := m.StartAddr("127.0.0.1:0"); err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(m.Close)
			c.RedisURL = "redis://" + m.Addr()
		}
		if c.DatabaseURL == "" {
			c.DatabaseURL = "sqlite:" + filepath.Join(tb.TempDir(), "shared.db")
		}
		c.AutoMigrate = "true"
		c.Secret = "cluster-secret-" + randomHex(16)
	}
	first := Start(tb, append([]Option{WithConfig(shared)}, opts...)...)
	nodes := []*Server{first}
	base := first.Config()
	for i := 1; i < n; i++ {
		same := func(c *config.Config) {
			c.DatabaseURL, c.RedisURL, c.RedisPrefix = base.DatabaseURL, base.RedisURL, base.RedisPrefix
			c.Secret, c.AutoMigrate = base.Secret, "true"
		}
		nodes = append(nodes, Start(tb, append([]Option{WithConfig(same)}, opts...)...))
	}
	return nodes
}

// On returns a copy of the client that talks to another node.
func (c *Client) On(s *Server) *Client {
	cp := *c
	cp.Base = s.URL
	return &cp
}

// Remote returns a Server handle for a Parley running elsewhere (another
// process of the test), so that its clients and helpers work against it.
func Remote(tb testing.TB, url string) *Server {
	return &Server{URL: url, tb: tb}
}
