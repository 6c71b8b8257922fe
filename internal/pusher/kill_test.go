package pusher_test

import (
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/pusher"
	"github.com/parley-chat/parley/internal/testkit"
)

// TestKilledNodeLosesItsMembers kills (SIGKILL) a `parley serve` process
// holding a presence member: the other node tells the channel
// member_removed and stops counting the dead node's subscription within
// the presence timeout.
func TestKilledNodeLosesItsMembers(t *testing.T) {
	const timeout = 3 * time.Second
	short := testkit.WithConfig(func(c *config.Config) { c.PusherPresenceTimeout = timeout })
	srv := testkit.StartCluster(t, 1, short)[0]
	cfg := srv.Config()
	bin := filepath.Join(t.TempDir(), "parley")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/parley-chat/parley/cmd/parley").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ln := freeAddr(t)
	cmd := exec.Command(bin, "serve", "--addr", ln, "--data-dir", t.TempDir(), "--public-url", "http://"+ln)
	cmd.Env = append(os.Environ(), "PARLEY_DATABASE_URL="+cfg.DatabaseURL, "PARLEY_REDIS_URL="+cfg.RedisURL,
		"PARLEY_REDIS_PREFIX="+cfg.RedisPrefix, "PARLEY_SECRET="+cfg.Secret, "PARLEY_AUTO_MIGRATE=true",
		"PARLEY_PUSHER_PRESENCE_TIMEOUT="+timeout.String(), "PARLEY_LOG_LEVEL=warn")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	other := testkit.Remote(t, "http://"+ln)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if r, err := http.Get(other.URL + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("parley serve not ready")
		}
		time.Sleep(100 * time.Millisecond)
	}

	c := newSite(t, srv.Setup()).Pusher
	a, b := dial(t, srv, c.Key), dial(t, other, c.Key)
	ch := "presence-hall"
	a.subscribe(ch, pusher.ChannelAuth(c.Key, c.Secret, a.SocketID, ch, presenceData("1")), presenceData("1"))
	b.subscribe(ch, pusher.ChannelAuth(c.Key, c.Secret, b.SocketID, ch, presenceData("2")), presenceData("2"))
	a.expect("pusher_internal:member_added", ch)

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	if m := a.expect("pusher_internal:member_removed", ch); m.str() != `{"user_id":"2"}` {
		t.Fatalf("member_removed %s", m.Data)
	}
	if took := time.Since(killed); took > 3*timeout {
		t.Fatalf("member removed after %v, presence timeout %v", took, timeout)
	}
	var one struct {
		SubscriptionCount int `json:"subscription_count"`
	}
	api(t, srv, c, c.Secret, "GET", "/apps/"+c.AppID+"/channels/"+url.PathEscape(ch), url.Values{"info": {"subscription_count"}}, nil, time.Now()).JSON(t, &one)
	if one.SubscriptionCount != 1 {
		t.Fatalf("the dead node's subscription still counts: %+v", one)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
