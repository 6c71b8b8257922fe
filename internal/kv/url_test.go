package kv

import (
	"slices"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
)

func TestParseURLReadsEachForm(t *testing.T) {
	s, err := ParseURL("redis-sentinel://:pw@10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379/mymaster/2?sentinel_password=spw")
	if err != nil {
		t.Fatal(err)
	}
	if s.Mode != Sentinel || s.MasterName != "mymaster" || s.DB != 2 || s.Password != "pw" || s.SentinelPassword != "spw" ||
		!slices.Equal(s.Addrs, []string{"10.0.0.1:26379", "10.0.0.2:26379", "10.0.0.3:26379"}) {
		t.Fatalf("sentinel: %+v", s)
	}
	if o, ok := s.AsynqOpt().(asynq.RedisFailoverClientOpt); !ok || o.MasterName != "mymaster" || o.DB != 2 || len(o.SentinelAddrs) != 3 {
		t.Fatalf("sentinel asynq options: %#v", s.AsynqOpt())
	}
	c, err := ParseURL("rediss-cluster://user:pw@redis-a:7000,redis-b:7001")
	if err != nil {
		t.Fatal(err)
	}
	if c.Mode != Cluster || !c.TLS || c.Username != "user" || c.Password != "pw" || !slices.Equal(c.Addrs, []string{"redis-a:7000", "redis-b:7001"}) {
		t.Fatalf("cluster: %+v", c)
	}
	if o, ok := c.AsynqOpt().(asynq.RedisClusterClientOpt); !ok || len(o.Addrs) != 2 || o.TLSConfig == nil {
		t.Fatalf("cluster asynq options: %#v", c.AsynqOpt())
	}
	one, err := ParseURL("redis://:pw@127.0.0.1:6379/3")
	if err != nil || one.Mode != Single || one.single.DB != 3 {
		t.Fatalf("single: %+v %v", one, err)
	}
}

func TestParseURLNamesTheSettingAndTheFault(t *testing.T) {
	for raw, want := range map[string]string{
		"http://127.0.0.1:6379":                    "unknown scheme",
		"redis-sentinel://127.0.0.1:26379":         "no master name",
		"redis-sentinel://127.0.0.1:26379/m/x":     `database "x"`,
		"redis-sentinel://127.0.0.1/mymaster":      "not host:port",
		"redis-sentinel://a:1,b:99999/mymaster":    "no valid port",
		"redis-cluster://127.0.0.1:7000/0":         "has no path",
		"redis-cluster://127.0.0.1:7000?timeout=1": `unknown parameter "timeout"`,
		"redis-cluster://":                         "no host",
		"redis://127.0.0.1:6379/notanumber":        "invalid database",
	} {
		_, err := ParseURL(raw)
		if err == nil || !strings.HasPrefix(err.Error(), "PARLEY_REDIS_URL: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want PARLEY_REDIS_URL: …%s…", raw, err, want)
		}
	}
}
