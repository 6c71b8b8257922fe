package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/app"
	"github.com/parley-chat/parley/internal/testkit"
)

// dbArgs points a command at a fresh database: SQLite in a temp data dir,
// or a fresh PostgreSQL database when PARLEY_TEST_DATABASE_URL is set.
func dbArgs(t *testing.T) []string {
	args := []string{"--data-dir", t.TempDir()}
	if u := os.Getenv("PARLEY_TEST_DATABASE_URL"); u != "" {
		args = append(args, "--database-url", testkit.FreshPostgres(t, u))
	}
	if u := os.Getenv("PARLEY_TEST_REDIS_URL"); u != "" {
		args = append(args, "--redis-url", u, "--redis-prefix", "tapp"+strings.ReplaceAll(t.Name(), "/", "_")+":")
	}
	return args
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut syncBuf
	err := app.Run(context.Background(), app.Env{Args: args, Getenv: func(string) string { return "" }, Stdout: &out, Stderr: &errOut})
	return out.String() + errOut.String(), err
}

func TestMigrateAndCreateUserCommands(t *testing.T) {
	db := dbArgs(t)
	out, err := run(t, append([]string{"migrate", "status"}, db...)...)
	if err != nil || !strings.Contains(out, "0001_init") || !strings.Contains(out, "pending") {
		t.Fatalf("status before: %v\n%s", err, out)
	}
	out, err = run(t, append([]string{"migrate", "up"}, db...)...)
	if err != nil || !strings.Contains(out, "applied 0001_init") {
		t.Fatalf("up: %v\n%s", err, out)
	}
	out, err = run(t, append([]string{"migrate", "up"}, db...)...)
	if err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("second up: %v\n%s", err, out)
	}
	out, err = run(t, append([]string{"migrate", "status"}, db...)...)
	if err != nil || strings.Contains(out, "pending") {
		t.Fatalf("status after: %v\n%s", err, out)
	}
	create := append([]string{"admin", "create-user", "--username", "ana", "--email", "ana@example.com",
		"--password", "ana-password", "--role", "agent", "--verified", "--auto-migrate", "true"}, db...)
	out, err = run(t, create...)
	if err != nil || !strings.Contains(out, `created agent "ana"`) || !strings.Contains(out, "verified true") {
		t.Fatalf("create-user: %v\n%s", err, out)
	}
	if _, err = run(t, create...); err == nil || !strings.Contains(err.Error(), "taken") {
		t.Fatalf("duplicate create-user: %v", err)
	}
	bad := append([]string{"admin", "create-user", "--username", "b", "--email", "nope", "--password", "x", "--auto-migrate", "true"}, db...)
	if _, err = run(t, bad...); err == nil || !strings.Contains(err.Error(), "password") {
		t.Fatalf("invalid create-user: %v", err)
	}
	if _, err := run(t, "frobnicate"); err == nil {
		t.Fatal("unknown command accepted")
	}
}

func TestServeAnnouncesItsURLsAndStopsOnSignal(t *testing.T) {
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--public-url", "http://chat.test:8080", "--auto-migrate", "true"}, dbArgs(t)...)
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuf
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, app.Env{Args: args, Getenv: func(string) string { return "" }, Stdout: &out, Stderr: &out})
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "first run") {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no start-up announcement:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range []string{"http://chat.test:8080/console/", "http://chat.test:8080/console/#/setup", "http://chat.test:8080/demo"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("log lacks %s", want)
		}
	}
	if !strings.HasPrefix(strings.TrimSpace(out.String()), "{") {
		t.Errorf("log is not JSON when stdout is not a terminal:\n%s", out.String())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestOpenAPICommandPrintsTheServedDocument(t *testing.T) {
	var out, errOut bytes.Buffer
	err := app.Run(context.Background(), app.Env{Args: []string{"openapi"}, Getenv: func(string) string { return "" }, Stdout: &out, Stderr: &errOut})
	if err != nil {
		t.Fatalf("openapi: %v\n%s", err, errOut.String())
	}
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%.200s", err, out.String())
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") || doc.Paths["/api/v1/auth/login"] == nil {
		t.Fatalf("openapi %q with %d paths, want 3.1 with /api/v1/auth/login", doc.OpenAPI, len(doc.Paths))
	}
	if _, err := run(t, "openapi", "extra"); err == nil {
		t.Fatal("openapi accepted an argument")
	}
}
