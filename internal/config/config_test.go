package config_test

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
)

func load(t *testing.T, args []string, env map[string]string) (*config.Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return config.Load(fs, args, func(k string) string { return env[k] })
}

func TestDefaultsAreEmbeddedMode(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "./data" || !c.Embedded() || c.RedisURL != "" || c.SMTPURL != "" {
		t.Fatalf("defaults %+v", c)
	}
	if c.PublicURL != "http://localhost:8080" || !c.MigrateOnStart() || c.OfflineNotifyDelay != 2*time.Minute {
		t.Fatalf("derived defaults %+v", c)
	}
}

func TestFlagsWinOverEnvironment(t *testing.T) {
	env := map[string]string{"PARLEY_ADDR": ":7000", "PARLEY_DATA_DIR": "/env", "PARLEY_OFFLINE_NOTIFY_DELAY": "30s"}
	c, err := load(t, []string{"--data-dir", "/flag"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":7000" || c.DataDir != "/flag" || c.OfflineNotifyDelay != 30*time.Second || c.PublicURL != "http://localhost:7000" {
		t.Fatalf("got %+v", c)
	}
}

func TestBadValuesAreRefusedByName(t *testing.T) {
	tests := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"PARLEY_OFFLINE_NOTIFY_DELAY": "soon"}, nil, "PARLEY_OFFLINE_NOTIFY_DELAY"},
		{map[string]string{"PARLEY_LOG_LEVEL": "loud"}, nil, "PARLEY_LOG_LEVEL"},
		{nil, []string{"--worker-concurrency", "0"}, "PARLEY_WORKER_CONCURRENCY"},
		{map[string]string{"PARLEY_PUBLIC_URL": "chat.example.com"}, nil, "PARLEY_PUBLIC_URL"},
		{nil, []string{"--no-such-flag"}, "no-such-flag"},
		{map[string]string{"PARLEY_TRUSTED_PROXIES": "10.0.0.1, proxy.local"}, nil, "PARLEY_TRUSTED_PROXIES"},
		{map[string]string{"PARLEY_TRUSTED_PROXIES": "10.0.0.0/33"}, nil, "PARLEY_TRUSTED_PROXIES"},
		{map[string]string{"PARLEY_PPROF_ADDR": "0.0.0.0:6060"}, nil, "PARLEY_PPROF_ADDR"},
		{map[string]string{"PARLEY_PPROF_ADDR": "example.com:6060"}, nil, "PARLEY_PPROF_ADDR"},
		{nil, []string{"--pprof-addr", "6060"}, "PARLEY_PPROF_ADDR"},
	}
	for _, tt := range tests {
		if _, err := load(t, tt.args, tt.env); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v %v: err %v, want it to name %s", tt.env, tt.args, err, tt.want)
		}
	}
}

func TestTrustedProxiesTakeIPsAndRanges(t *testing.T) {
	c, err := load(t, nil, map[string]string{"PARLEY_TRUSTED_PROXIES": "10.1.2.3, 192.168.0.0/16,::1"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range c.TrustedProxies {
		got = append(got, n.String())
	}
	if strings.Join(got, " ") != "10.1.2.3/32 192.168.0.0/16 ::1/128" {
		t.Fatalf("trusted proxies %v", got)
	}
}

func TestSecretIsGeneratedOnceAndKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	c1, _ := load(t, []string{"--data-dir", dir}, nil)
	if err := c1.EnsureDataDir(); err != nil {
		t.Fatal(err)
	}
	c2, _ := load(t, []string{"--data-dir", dir}, nil)
	if err := c2.EnsureDataDir(); err != nil {
		t.Fatal(err)
	}
	if len(c1.Secret) < 32 || c1.Secret != c2.Secret {
		t.Fatalf("secrets %q and %q", c1.Secret, c2.Secret)
	}
	if st, _ := os.Stat(filepath.Join(dir, "secret")); st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode %v", st.Mode())
	}
	if m := c1.Masked(); m["PARLEY_SECRET"] != "***" {
		t.Fatalf("masked secret %q", m["PARLEY_SECRET"])
	}
	c3, _ := load(t, nil, map[string]string{"PARLEY_DATABASE_URL": "postgres://u:hunter2@db/parley"})
	if strings.Contains(c3.Masked()["PARLEY_DATABASE_URL"], "hunter2") {
		t.Fatal("database password printed")
	}
}

func TestReadmeDocumentsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, s := range config.Settings() {
		if !strings.Contains(readme, "| `"+s.Env+"` | `--"+s.Flag+"` |") {
			t.Errorf("README's settings table lacks %s / --%s", s.Env, s.Flag)
		}
	}
}

func TestProfilesListenOnlyOnLoopback(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:6060", "[::1]:6060", "localhost:6060"} {
		c, err := load(t, []string{"--pprof-addr", addr}, nil)
		if err != nil || c.PprofAddr != addr {
			t.Errorf("%s: got %q, %v", addr, c.PprofAddr, err)
		}
	}
}
