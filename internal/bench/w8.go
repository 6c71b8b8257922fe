package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// W8Result is the reconnect storm: every user holds a socket, a network
// blip drops them all, messages arrive while they are away, and every
// client comes back within the window (each after a random delay, as
// clients back off with jitter) and catches up the way the console does:
// a fresh socket, the conversation list, then the history after the last
// seq it held.
type W8Result struct {
	Users         int     `json:"users"`
	Unread        int     `json:"unread_per_user"`
	WindowSeconds float64 `json:"window_seconds"`
	// SeedSeconds is how long the missed messages took to send (REST).
	SeedSeconds float64 `json:"seed_seconds"`
	CaughtUp    int     `json:"caught_up"`
	// Fetched is the messages the clients read back while catching up.
	Fetched int64 `json:"messages_fetched"`
	// Retries counts attempts a client repeated after a refusal or a
	// failed dial, with back-off; Errors the clients that gave up or read
	// a wrong history (none allowed).
	Retries    int64          `json:"retries"`
	Errors     int64          `json:"errors"`
	ErrorCodes map[string]int `json:"error_codes,omitempty"`
	// StormSeconds runs from the blip to the last client caught up.
	StormSeconds float64 `json:"storm_seconds"`
	// PerClient is each client's time from its first reconnect attempt to
	// holding every message it missed.
	PerClient Latency `json:"per_client"`
	// ServerCPUSeconds (with --server-pid) is the server's CPU time over
	// the storm, and ServerCPUPerClientMS that per client caught up.
	ServerCPUSeconds     float64 `json:"server_cpu_seconds,omitempty"`
	ServerCPUPerClientMS float64 `json:"server_cpu_per_client_ms,omitempty"`
}

// w8Backoff is how a client waits after a refused or failed attempt:
// doubling from the base to the cap, with full jitter, as the console
// and the widget do.
const (
	w8BackoffBase = 250 * time.Millisecond
	w8BackoffCap  = 8 * time.Second
	w8Attempts    = 10
	w8PageSize    = 100
)

func runW8(ctx context.Context, e *env) (*W8Result, error) {
	o := e.opts
	n := o.W8Users + o.W8Users%2
	res := &W8Result{Users: n, Unread: o.W8Unread, WindowSeconds: o.W8Window.Seconds()}
	users, err := e.users(ctx, "w8u", n, "user")
	if err != nil {
		return res, err
	}
	convs := make([]int64, n) // by user: the direct conversation with the partner
	err = parallel(ctx, n/2, o.SetupConcurrency*2, func(ctx context.Context, p int) error {
		a, b := users[2*p], users[2*p+1]
		if err := befriend(ctx, a, b); err != nil {
			return err
		}
		id, err := openDirect(ctx, a, b)
		convs[2*p], convs[2*p+1] = id, id
		return err
	})
	if err != nil {
		return res, err
	}
	// What each client held before the blip: the conversation as it was.
	seen := make([]int64, n)
	err = parallel(ctx, n/2, o.SetupConcurrency*2, func(ctx context.Context, p int) error {
		var c struct {
			LastSeq int64 `json:"last_seq"`
		}
		if err := users[2*p].do(ctx, "GET", fmt.Sprintf("/api/v1/conversations/%d", convs[2*p]), nil, &c); err != nil {
			return err
		}
		seen[2*p], seen[2*p+1] = c.LastSeq, c.LastSeq
		return nil
	})
	if err != nil {
		return res, err
	}
	conns, err := e.dialAll(ctx, users, nil)
	if err != nil {
		return res, err
	}
	e.logf("W8: %d users connected", n)

	// The blip: every socket drops at once, without a close frame.
	for _, w := range conns {
		w.drop()
	}
	blip := time.Now()
	// While they are away each user's partner writes to them.
	err = parallel(ctx, n*o.W8Unread, o.W8SeedWorkers, func(ctx context.Context, k int) error {
		i, j := k%n, k/n
		body := map[string]any{"client_msg_id": fmt.Sprintf("w8.%d.%d", i, j), "kind": "text", "body": fmt.Sprintf("missed %d of %d", j+1, o.W8Unread)}
		if err := users[i].do(ctx, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", convs[i]), body, nil); err != nil {
			if isStatus(err, http.StatusTooManyRequests) {
				return errSendLimited
			}
			return fmt.Errorf("send while away: %w", err)
		}
		return nil
	})
	res.SeedSeconds = roundTenth(time.Since(blip).Seconds())
	if err != nil {
		return res, err
	}
	e.logf("W8: %d messages sent while away in %.1fs; the storm starts", n*o.W8Unread, res.SeedSeconds)

	var (
		perClient samples
		errs      errorCounts
		caught    atomic.Int64
		fetched   atomic.Int64
		retries   atomic.Int64
		lastDone  atomic.Int64
		wg        sync.WaitGroup
		mu        sync.Mutex
	)
	cpu := startCPU(o.ServerPID)
	storm := time.Now()
	back := make([]*wsConn, n)
	for i := range users {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sleep(ctx, time.Duration(rand.Int64N(int64(o.W8Window)+1)))
			t0 := time.Now()
			w, got, code := catchUp(ctx, users[i], convs[i], seen[i], 2*o.W8Unread, &retries)
			if code != "" {
				errs.add(code)
				return
			}
			mu.Lock()
			back[i] = w
			mu.Unlock()
			now := time.Now()
			perClient.add(now.Sub(t0))
			fetched.Add(int64(got))
			maxInt64(&lastDone, int64(now.Sub(storm)))
			if c := caught.Add(1); c%1000 == 0 {
				e.logf("W8: %d/%d clients caught up", c, n)
			}
		}(i)
	}
	wg.Wait()
	defer closeAll(back)
	res.CaughtUp = int(caught.Load())
	res.Fetched = fetched.Load()
	res.Retries = retries.Load()
	codes, nerr := errs.snapshot()
	res.Errors, res.ErrorCodes = int64(nerr), codes
	res.StormSeconds = roundTenth(time.Duration(lastDone.Load()).Seconds())
	res.PerClient = perClient.summary()
	if cpu.ok {
		if cpu1, err := cpuTicks(cpu.pid); err == nil {
			res.ServerCPUSeconds = math.Round(float64(cpu1-cpu.start)/clockTicks*100) / 100
			if res.CaughtUp > 0 {
				res.ServerCPUPerClientMS = math.Round(res.ServerCPUSeconds*1e5/float64(res.CaughtUp)) / 100
			}
		}
	}
	e.logf("W8: %d/%d caught up in %.1fs, p99 per client %.1f ms, %d retries, %d errors", res.CaughtUp, n, res.StormSeconds, res.PerClient.P99, res.Retries, res.Errors)
	if res.Errors > 0 && ctx.Err() == nil {
		return res, fmt.Errorf("%d clients did not catch up: %v", res.Errors, codes)
	}
	return res, ctx.Err()
}

// catchUp is one client coming back: a socket, the conversation list and
// the history after seen, the last seq it held, each step retried with
// back-off on a refusal or a failed dial. It returns the socket, the
// messages read, and an error code when it gave up or the history was not
// whole (want messages, seqs seen+1..seen+want).
func catchUp(ctx context.Context, c *client, conv, seen int64, want int, retries *atomic.Int64) (*wsConn, int, string) {
	var w *wsConn
	if code := retry(ctx, retries, func() error {
		var err error
		w, err = dial(ctx, c, nil)
		return err
	}); code != "" {
		return nil, 0, "dial_" + code
	}
	var last int64 = -1
	if code := retry(ctx, retries, func() error {
		var page struct {
			Items []struct {
				ID      int64 `json:"id"`
				LastSeq int64 `json:"last_seq"`
			} `json:"items"`
		}
		if err := c.do(ctx, "GET", "/api/v1/conversations?limit=50", nil, &page); err != nil {
			return err
		}
		for _, it := range page.Items {
			if it.ID == conv {
				last = it.LastSeq
			}
		}
		return nil
	}); code != "" {
		w.Close()
		return nil, 0, "list_" + code
	}
	if last != seen+int64(want) {
		w.Close()
		return nil, 0, "list_wrong_last_seq"
	}
	got, after := 0, seen
	for after < last {
		var page struct {
			Items      []message `json:"items"`
			NextCursor *string   `json:"next_cursor"`
		}
		if code := retry(ctx, retries, func() error {
			return c.do(ctx, "GET", fmt.Sprintf("/api/v1/conversations/%d/messages?after_seq=%d&limit=%d", conv, after, w8PageSize), nil, &page)
		}); code != "" {
			w.Close()
			return nil, got, "history_" + code
		}
		if len(page.Items) == 0 {
			break
		}
		for _, m := range page.Items {
			if m.Seq != after+1 {
				w.Close()
				return nil, got, "history_gap"
			}
			after = m.Seq
			got++
		}
	}
	if got != want {
		w.Close()
		return nil, got, "history_short"
	}
	return w, got, ""
}

// retry runs f until it succeeds, backing off after each refusal (429,
// 5xx) or transport failure; another answer, or too many attempts, gives
// up with a code.
func retry(ctx context.Context, retries *atomic.Int64, f func() error) string {
	for attempt := 0; ; attempt++ {
		err := f()
		if err == nil {
			return ""
		}
		var ae *APIError
		code := "failed"
		if errors.As(err, &ae) {
			code = strconv.Itoa(ae.Status)
			if ae.Status != http.StatusTooManyRequests && ae.Status < 500 {
				return code
			}
		}
		if attempt+1 >= w8Attempts || ctx.Err() != nil {
			return code
		}
		retries.Add(1)
		d := min(w8BackoffCap, w8BackoffBase<<attempt)
		sleep(ctx, time.Duration(rand.Int64N(int64(d)+1)))
	}
}
