package kv

import (
	"context"
	"strings"
	"testing"

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
