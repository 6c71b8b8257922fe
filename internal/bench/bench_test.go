package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/bench"
	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

// benchServer starts a server with the limits raised as the README tells
// people to, and its first admin.
func benchServer(t *testing.T) *testkit.Server {
	t.Helper()
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) {
		c.LoginLimitPerIP = 100000
		c.LoginLimitPerAccount = 100000
		c.SendLimitPerMinute = 1000000
		c.WidgetSessionLimitPerIP = 100000
		c.MaxConnsPerIP = 0 // every bench socket comes from 127.0.0.1
		c.WSSendFramesPerSec = 100000
		c.SearchLimitPerMinute = 1000000
	}))
	srv.Setup()
	return srv
}

// runBench runs `parley bench` as the CLI does, with --json, and decodes
// the report.
func runBench(t *testing.T, srv *testkit.Server, args ...string) *bench.Report {
	t.Helper()
	var out, progress bytes.Buffer
	args = append([]string{"--url", srv.URL, "--admin-user", "admin", "--admin-password", "admin-password",
		"--json", "--setup-concurrency", "4", "--max-duration", "2m"}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := bench.Main(ctx, args, func(string) string { return "" }, &out, &progress)
	if err != nil {
		t.Fatalf("bench %v: %v\nprogress:\n%s\nreport:\n%s", args, err, progress.String(), out.String())
	}
	var rep bench.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("decode report: %v\n%s", err, out.String())
	}
	if len(rep.Errors) > 0 {
		t.Fatalf("errors: %v", rep.Errors)
	}
	return &rep
}

func positive(t *testing.T, name string, l bench.Latency) {
	t.Helper()
	if l.Count == 0 || l.P50 <= 0 || l.P99 < l.P50 || l.Max < l.P99 {
		t.Errorf("%s: %+v, want positive, ordered percentiles", name, l)
	}
}

// TestWorkloads runs every workload at a small size against one server and
// checks that its numbers are sane.
func TestWorkloads(t *testing.T) {
	srv := benchServer(t)

	t.Run("w1", func(t *testing.T) {
		rep := runBench(t, srv, "--workload", "w1", "--w1-pairs", "2", "--w1-rates", "50", "--w1-step", "2s", "--w1-drain", "10s", "--w1-warmup", "1s")
		w := rep.W1
		if w == nil || len(w.Steps) != 1 {
			t.Fatalf("w1: %+v", w)
		}
		s := w.Steps[0]
		if s.Sent < 1 || s.Sent > 100 || s.Acked != s.Sent || s.Delivered != s.Sent || s.Errors != 0 {
			t.Fatalf("step %+v: want up to 100 sent (the warm-up's not counted), all acked and delivered, no errors", s)
		}
		// Whether the rate was kept depends on the machine's load; the
		// verdict must follow from the step's own figures.
		if s.SentPerS <= 0 || s.DeliveredPerS <= 0 || s.KeptUp != (s.DeliveredPerS >= 0.9*50) {
			t.Errorf("step %+v: rates must be positive and the verdict match them", s)
		}
		positive(t, "send→ack", s.SendToAck)
		positive(t, "send→deliver", s.SendToDeliver)
		// The server runs in this process: only the load generator's CPU
		// (which includes it) is reported.
		if s.ClientCPUPerMessage <= 0 || s.ServerCPUPerMessage != 0 {
			t.Errorf("CPU per message: client %v µs, server %v µs; want a client figure only", s.ClientCPUPerMessage, s.ServerCPUPerMessage)
		}
		if s.KeptUp != (w.MaxRateKeptUp == 50) || s.KeptUp == w.Saturated {
			t.Errorf("kept up to %d, saturated %v, for a step that kept up: %v", w.MaxRateKeptUp, w.Saturated, s.KeptUp)
		}
	})

	t.Run("w2", func(t *testing.T) {
		// The server runs in this process, so its PID is ours.
		rep := runBench(t, srv, "--workload", "w2", "--w2-sockets", "20", "--w2-sockets-per-user", "5",
			"--w2-settle", "200ms", "--w2-idle", "1s", "--server-pid", strconv.Itoa(os.Getpid()))
		w := rep.W2
		if w == nil || w.Opened != 20 || w.StillOpen != 20 || w.Users != 4 {
			t.Fatalf("w2: %+v", w)
		}
		if w.RSSBeforeKB <= 0 || w.RSSAfterKB <= 0 || w.IdleCPUPercent == nil || *w.IdleCPUPercent < 0 {
			t.Fatalf("w2 /proc figures: %+v", w)
		}
		if rep.Client.FileLimit == 0 {
			t.Errorf("file limit not reported: %+v", rep.Client)
		}
	})

	t.Run("w3", func(t *testing.T) {
		rep := runBench(t, srv, "--workload", "w3", "--w3-members", "10", "--w3-rate", "10", "--w3-duration", "2s")
		w := rep.W3
		if w == nil || w.Sent < 15 || w.Acked != w.Sent || w.Errors != 0 {
			t.Fatalf("w3: %+v", w)
		}
		if w.Expected != w.Sent*9 || w.Deliveries != w.Expected {
			t.Fatalf("w3: %d deliveries of %d sent to 9 members (expected %d)", w.Deliveries, w.Sent, w.Expected)
		}
		positive(t, "delivery", w.Delivery)
		positive(t, "to all", w.ToAll)
		if w.ToAll.P50 < w.Delivery.P50 || w.DeliveriesPerS <= 0 || w.ClientCPUPerDelivery <= 0 || w.ServerCPUPerDelivery != 0 {
			t.Errorf("w3: %+v", w)
		}
	})

	t.Run("w4", func(t *testing.T) {
		rep := runBench(t, srv, "--workload", "w4", "--w4-visitors", "230", "--w4-agents", "3", "--w4-capacity", "2", "--w4-window", "1s")
		w := rep.W4
		if w == nil || w.Opened != 230 || w.FirstMessages != 230 || w.Errors != 0 {
			t.Fatalf("w4: %+v", w)
		}
		if w.Assigned != 6 || w.Queued != 224 || w.OverCapacity != 0 || w.MaxAgentLoad != 2 {
			t.Fatalf("w4: %d assigned, %d queued, %d over capacity, busiest %d; want 6, 224, 0, 2", w.Assigned, w.Queued, w.OverCapacity, w.MaxAgentLoad)
		}
		if !w.QueuePositionsOK || w.OutOfOrder != 0 {
			t.Fatalf("w4 queue: positions ok %v, out of order %d", w.QueuePositionsOK, w.OutOfOrder)
		}
		positive(t, "time to assign", w.TimeToAssign)
		if w.ToAgentFrame.Count != 6 {
			t.Errorf("agents saw %d assignment frames, want 6", w.ToAgentFrame.Count)
		}
	})

	t.Run("w5", func(t *testing.T) {
		rep := runBench(t, srv, "--workload", "w5", "--w5-messages", "300", "--w5-seed-workers", "4")
		w := rep.W5
		if w == nil || w.Pages != 6 || w.BadPages != 0 || w.Errors != 0 || w.SeedPerS <= 0 {
			t.Fatalf("w5: %+v", w)
		}
		positive(t, "page", w.Page)
	})

	t.Run("w7", func(t *testing.T) {
		rep := runBench(t, srv, "--workload", "w7", "--prefix", "w7seed", "--w7-messages", "2000", "--w7-searches", "70")
		w := rep.W7
		if w == nil || w.Searches != 70 || w.Errors != 0 || w.SeedPerS <= 0 || len(w.ByQuery) != 7 {
			t.Fatalf("w7: %+v", w)
		}
		positive(t, "search", w.Search)
		hits := map[string]int{}
		for _, q := range w.ByQuery {
			hits[q.Query] = q.Hits
		}
		// Half the messages are the searcher's: a word in one message
		// in eight fills a page; the rare token is in one message in a
		// thousand (messages 417 and 1417, both in a conversation of the
		// searcher's).
		if hits["invoice"] != 20 || hits["会议纪要"] != 20 || hits["会议"] != 20 || hits["zq0417x"] != 2 || hits["nothing-like-this"] != 0 {
			t.Fatalf("w7 hits per query: %v", hits)
		}

		// A second run with the same prefix searches what the first
		// seeded, seeding nothing.
		again := runBench(t, srv, "--workload", "w7", "--prefix", "w7seed", "--w7-reuse", "--w7-searches", "14").W7
		if again == nil || !again.Reused || again.Messages != 2000 || again.Searches != 14 || again.Errors != 0 || again.SeedSeconds != 0 {
			t.Fatalf("w7 reused: %+v", again)
		}
		for _, q := range again.ByQuery {
			if q.Hits != hits[q.Query] {
				t.Fatalf("w7 reused found %d for %q, the first run %d", q.Hits, q.Query, hits[q.Query])
			}
		}
	})

	t.Run("w6", func(t *testing.T) {
		rep := runBench(t, srv, "--workload", "w6", "--w6-subscribers", "20", "--w6-rates", "10,20", "--w6-step", "2s")
		w := rep.W6
		if w == nil || len(w.Steps) == 0 || len(w.Steps) > 2 || w.StillSubscribed != 20 || w.AppID == "" {
			t.Fatalf("w6: %+v", w)
		}
		// Every step delivers every event to every subscriber; whether it
		// kept the rate depends on the machine's load, and the run stops
		// at the first step that did not.
		kept := 0
		for i, want := range []int64{20, 40}[:len(w.Steps)] {
			s := w.Steps[i]
			if s.Triggered != want || s.Errors != 0 || s.Expected != want*20 || s.Delivered != s.Expected {
				t.Fatalf("step %+v: want %d events triggered, each delivered to all 20 subscribers, no errors", s, want)
			}
			positive(t, "trigger→receive", s.TriggerToReceive)
			positive(t, "trigger call", s.TriggerCall)
			if s.DeliveriesPerS <= 0 || s.KeptUp != (s.DeliveriesPerS >= 0.9*float64(s.TargetRate*20)) || s.ClientCPUPerDelivery <= 0 || s.ServerCPUPerDelivery != 0 {
				t.Errorf("step %+v: want a delivery rate, a verdict that follows from it, and a client CPU figure only", s)
			}
			if !s.KeptUp && i != len(w.Steps)-1 {
				t.Errorf("step %d did not keep up but the run went on", i)
			}
			if s.KeptUp {
				kept = int(s.TargetRate)
			}
		}
		if w.MaxRateKeptUp != kept || w.Saturated == w.Steps[len(w.Steps)-1].KeptUp || w.PeakDeliveriesPerS <= 0 {
			t.Errorf("kept up to %d (steps say %d), saturated %v, peak %v", w.MaxRateKeptUp, kept, w.Saturated, w.PeakDeliveriesPerS)
		}
	})

	t.Run("table", func(t *testing.T) {
		var out, progress bytes.Buffer
		err := bench.Main(context.Background(), []string{"--url", srv.URL, "--admin-user", "admin", "--workload", "w5", "--w5-messages", "60"},
			func(k string) string {
				if k == "PARLEY_BENCH_ADMIN_PASSWORD" {
					return "admin-password"
				}
				return ""
			}, &out, &progress)
		if err != nil {
			t.Fatalf("bench: %v\n%s", err, progress.String())
		}
		for _, want := range []string{"W5 history: 60 messages", "page", "2 pages"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("table lacks %q:\n%s", want, out.String())
			}
		}
		if !strings.Contains(progress.String(), "W5: done") {
			t.Errorf("progress:\n%s", progress.String())
		}
	})
}

// TestSlowServerShowsInTheReport slows every batch of sends down by 20 ms
// at the send writer's gate, as a slow database would: W1's send→ack
// 95th percentile rises to at least the delay.
func TestSlowServerShowsInTheReport(t *testing.T) {
	srv := benchServer(t)
	args := []string{"--workload", "w1", "--w1-pairs", "1", "--w1-rates", "20", "--w1-step", "2s", "--w1-warmup", "0"}
	fast := runBench(t, srv, args...).W1.Steps[0]
	const delay = 20 * time.Millisecond
	srv.Sends.SetLatency(delay)
	slow := runBench(t, srv, args...).W1.Steps[0]
	if slow.Errors != 0 || slow.Delivered != slow.Sent {
		t.Fatalf("slowed step %+v", slow)
	}
	// The delay holds each batch, and a send that reaches the writer while
	// the previous one waits joins it and waits only the rest: with the
	// two senders' phases close, up to half of the sends see less than the
	// delay. The first send of every batch waits all of it, and with two
	// senders those are at least half, so the 95th percentile shows it.
	limit := float64(delay.Milliseconds())
	if slow.SendToAck.P95 < limit || slow.SendToDeliver.P95 < limit {
		t.Fatalf("with a %s delay, send→ack p95 %.2f ms and send→deliver p95 %.2f ms", delay, slow.SendToAck.P95, slow.SendToDeliver.P95)
	}
	// Not compared with the normal run: on a loaded machine that one can
	// be slower than the delay; the delay is a floor whatever the load.
	t.Logf("send→ack p95: %.2f ms normally, %.2f ms with a %s delay", fast.SendToAck.P95, slow.SendToAck.P95, delay)
}

// TestLoginLimitIsExplained: a server with the default login limit stops
// the bench with an error that says which setting to raise.
func TestLoginLimitIsExplained(t *testing.T) {
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) { c.LoginLimitPerIP = 3 }))
	srv.Setup()
	var out, progress bytes.Buffer
	err := bench.Main(context.Background(), []string{"--url", srv.URL, "--admin-password", "admin-password",
		"--workload", "w3", "--w3-members", "5"}, nil, &out, &progress)
	if err == nil || !strings.Contains(err.Error(), "PARLEY_LOGIN_LIMIT_PER_IP") {
		t.Fatalf("err %v, want one naming PARLEY_LOGIN_LIMIT_PER_IP", err)
	}
}

// TestReconnectStormCatchesEveryClientUp: W8 drops every socket, sends
// each user messages while they are away, brings every client back within
// the window and has each read exactly what it missed.
func TestReconnectStormCatchesEveryClientUp(t *testing.T) {
	srv := benchServer(t)
	rep := runBench(t, srv, "--workload", "w8", "--w8-users", "12", "--w8-unread", "3", "--w8-window", "1s", "--w8-seed-workers", "4")
	w := rep.W8
	if w == nil {
		t.Fatal("no W8 in the report")
	}
	if w.Users != 12 || w.CaughtUp != 12 || w.Errors != 0 {
		t.Fatalf("W8 %+v: want all 12 caught up, no errors", w)
	}
	// Each conversation holds 3 messages each way, all missed by both.
	if w.Fetched != 12*6 {
		t.Fatalf("read back %d messages, want %d", w.Fetched, 12*6)
	}
	if w.PerClient.Count != 12 {
		t.Fatalf("per-client latency over %d clients, want 12", w.PerClient.Count)
	}
	positive(t, "W8 per client", w.PerClient)
	if w.StormSeconds <= 0 {
		t.Fatalf("storm took %.1fs", w.StormSeconds)
	}
}
