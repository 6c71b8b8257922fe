// Package testkit starts a whole Parley server on a random loopback port,
// embedded (SQLite, in-process Redis) by default or on the PostgreSQL and
// Redis named by PARLEY_TEST_DATABASE_URL and PARLEY_TEST_REDIS_URL, and
// hands out REST and WebSocket clients to test it as users meet it.
package testkit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/parley-chat/parley/internal/app"
	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/store"
)

// Server is a running Parley under test.
type Server struct {
	URL string
	App *app.App
	// Sends is the gate the server's send writer passes before each batch:
	// tests hold it to gather sends, or slow it to play a slow database.
	Sends *SendGate
	// Clock is the server's clock: a fake one with WithFakeClock (move it
	// with Advance), else the real one.
	Clock clockwork.Clock

	tb     testing.TB
	cfg    *config.Config
	cancel context.CancelFunc
	done   chan error
	logs   *syncBuffer
}

// Option changes the configuration or the server before it starts.
type Option func(*Server)

// WithSMTP sends mail through the SMTP server at url.
func WithSMTP(url string) Option { return func(s *Server) { s.cfg.SMTPURL = url } }

// WithConfig applies any change to the configuration.
func WithConfig(f func(*config.Config)) Option { return func(s *Server) { f(s.cfg) } }

// WithFakeClock starts the server on a fake clock set to the current time,
// which stands still until the test moves it with Advance: time-outs,
// expiries and delayed jobs then come due at once instead of being waited
// for. Real-time pacing (sockets' heartbeats, the relay's polling) and the
// Redis rate limiter of production mode keep real time.
func WithFakeClock() Option {
	return func(s *Server) { s.Clock = clockwork.NewFakeClockAt(time.Now()) }
}

// WithOutboundAllow lets the server's outbound requests (webhooks) reach
// the given internal CIDRs, such as "127.0.0.1/32" for a receiver the test
// started. Without it, as in a default deployment, they reach only public
// addresses, so tests prove the guard.
func WithOutboundAllow(cidrs ...string) Option {
	return func(s *Server) {
		for _, c := range cidrs {
			_, n, err := net.ParseCIDR(c)
			if err != nil {
				panic(fmt.Sprintf("testkit.WithOutboundAllow(%q): %v", c, err))
			}
			s.cfg.OutboundAllow = append(s.cfg.OutboundAllow, n)
		}
	}
}

// Start starts a server and stops it when the test ends.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	cfg, err := config.Load(flag.NewFlagSet("test", flag.ContinueOnError), nil, func(string) string { return "" })
	if err != nil {
		tb.Fatal(err)
	}
	cfg.DataDir = tb.TempDir()
	cfg.LogLevel = "debug"
	cfg.RedisPrefix = "t" + randomHex(6) + ":"
	if u := os.Getenv("PARLEY_TEST_DATABASE_URL"); u != "" {
		cfg.DatabaseURL = FreshPostgres(tb, u)
		cfg.AutoMigrate = "true"
	}
	if u := os.Getenv("PARLEY_TEST_REDIS_URL"); u != "" {
		cfg.RedisURL = u
		tb.Cleanup(func() { dropRedisPrefix(u, cfg.RedisPrefix) })
	}
	s := &Server{tb: tb, cfg: cfg, logs: &syncBuffer{}, Sends: NewSendGate(), Clock: clockwork.NewRealClock()}
	for _, o := range opts {
		o(s)
	}
	tb.Cleanup(func() {
		s.Stop()
		if tb.Failed() || os.Getenv("PARLEY_TEST_LOG") != "" {
			tb.Logf("server log:\n%s", s.logs.String())
		}
	})
	s.start()
	return s
}

// Config returns the server's configuration.
func (s *Server) Config() *config.Config { return s.cfg }

func (s *Server) start() {
	s.tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.tb.Fatal(err)
	}
	s.URL = "http://" + ln.Addr().String()
	s.cfg.Addr = ln.Addr().String()
	s.cfg.PublicURL = s.URL
	log := slog.New(slog.NewJSONHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, s.cfg, log, app.WithClock(s.Clock), app.WithSendGate(s.Sends))
	if err != nil {
		cancel()
		ln.Close()
		s.tb.Fatalf("start parley: %v", err)
	}
	s.App, s.cancel, s.done = a, cancel, make(chan error, 1)
	go func() { s.done <- a.Serve(ctx, ln, true); a.Close() }()
}

// Stop shuts the server down gracefully and waits for it.
func (s *Server) Stop() {
	if s.cancel == nil {
		return
	}
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil {
			s.tb.Errorf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		s.tb.Errorf("server did not stop within 30s")
	}
	s.cancel = nil
}

// Restart stops the server and starts it again on the same database and
// data dir (and the same Redis when it is external), on a new port.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	s.start()
}

// Advance moves the fake clock of a server started WithFakeClock forward
// by d, and has the job relay look at once for the jobs that came due.
func (s *Server) Advance(d time.Duration) {
	s.tb.Helper()
	fake, ok := s.Clock.(*clockwork.FakeClock)
	if !ok {
		s.tb.Fatal("testkit: Advance needs a server started WithFakeClock")
	}
	fake.Advance(d)
	s.App.Jobs.Wake()
}

// Logs returns what the server has logged so far.
func (s *Server) Logs() string { return s.logs.String() }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// FreshPostgres creates an empty database for one server and drops it when
// the test ends, so that packages and tests never share state.
func FreshPostgres(tb testing.TB, base string) string {
	tb.Helper()
	ctx := context.Background()
	admin, err := store.Open(ctx, base, "", nil)
	if err != nil {
		tb.Fatalf("PARLEY_TEST_DATABASE_URL: %v", err)
	}
	name := "parley_t_" + randomHex(8)
	if err := admin.Gorm().Exec("CREATE DATABASE " + name).Error; err != nil {
		admin.Close()
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		admin.Gorm().Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

var _ io.Writer = (*syncBuffer)(nil)

// describe is used in failure messages.
func describe(method, path string, status int, body []byte) string {
	return fmt.Sprintf("%s %s → %d %s", method, path, status, strings.TrimSpace(string(body)))
}

// WaitJobs waits until the worker has run, once each, at least as many
// jobs of type typ as were enqueued so far: the barrier after which a job's
// absent effect (a mail not sent, a conversation not moved) is proven
// absent, not merely not yet seen.
func (s *Server) WaitJobs(typ string) {
	s.tb.Helper()
	m := s.App.Metrics
	deadline := time.Now().Add(20 * time.Second)
	for {
		enqueued := count(m.JobsEnqueued.WithLabelValues(typ, "ok"))
		run := count(m.JobsProcessed.WithLabelValues(typ, "ok")) + count(m.JobsProcessed.WithLabelValues(typ, "error"))
		if run >= enqueued {
			return
		}
		if time.Now().After(deadline) {
			s.tb.Fatalf("%v of %v %s jobs run within 20s", run, enqueued, typ)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// count reads a counter's value.
func count(c prometheus.Counter) float64 {
	var m dto.Metric
	_ = c.Write(&m)
	return m.GetCounter().GetValue()
}
