package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"
)

// W5Result is the history workload: one conversation of many messages,
// read back in pages by before_seq.
type W5Result struct {
	Messages    int     `json:"messages"`
	SeedSeconds float64 `json:"seed_seconds"`
	SeedPerS    float64 `json:"seed_per_s"`
	Readers     int     `json:"readers"`
	PageSize    int     `json:"page_size"`
	Pages       int64   `json:"pages"`
	PagesPerS   float64 `json:"pages_per_s"`
	Page        Latency `json:"page"`
	// BadPages counts pages that were short or not contiguous.
	BadPages int64 `json:"bad_pages"`
	Errors   int64 `json:"errors"`
}

const w5PageSize = 50

func runW5(ctx context.Context, e *env) (*W5Result, error) {
	o := e.opts
	res := &W5Result{Messages: o.W5Messages, Readers: o.W5Readers, PageSize: w5PageSize}
	users, err := e.users(ctx, "w5u", 2, "user")
	if err != nil {
		return res, err
	}
	if err := befriend(ctx, users[0], users[1]); err != nil {
		return res, err
	}
	conv, err := openDirect(ctx, users[0], users[1])
	if err != nil {
		return res, err
	}
	// Seed through the REST send, alternating senders, in parallel.
	start := time.Now()
	var seeded atomic.Int64
	stop := seedProgress(e, "W5", &seeded, o.W5Messages, start, 5*time.Second)
	err = parallel(ctx, o.W5Messages, o.W5SeedWorkers, func(ctx context.Context, i int) error {
		c := users[i%2]
		body := map[string]string{"client_msg_id": fmt.Sprintf("w5.%d", i), "kind": "text",
			"body": fmt.Sprintf("History message %d: the quick brown fox jumps over the lazy dog.", i)}
		if err := seedSend(ctx, c, conv, i, body); err != nil {
			return err
		}
		seeded.Add(1)
		return nil
	})
	stop()
	res.SeedSeconds = roundTenth(time.Since(start).Seconds())
	res.SeedPerS = perSecond(seeded.Load(), time.Since(start))
	if err != nil {
		return res, err
	}
	e.logf("W5: seeded %d messages in %.1fs; reading", seeded.Load(), res.SeedSeconds)
	var info struct {
		LastSeq int64 `json:"last_seq"`
	}
	if err := users[0].do(ctx, "GET", fmt.Sprintf("/api/v1/conversations/%d", conv), nil, &info); err != nil {
		return res, err
	}
	var (
		lat          samples
		pages, bad   atomic.Int64
		errCount     atomic.Int64
		readersStart = time.Now()
	)
	err = parallel(ctx, o.W5Readers, o.W5Readers, func(ctx context.Context, r int) error {
		c := users[r%2]
		before := info.LastSeq + 1
		for before > 1 && ctx.Err() == nil {
			var page struct {
				Items []struct {
					Seq int64 `json:"seq"`
				} `json:"items"`
				NextCursor *int64 `json:"next_cursor"`
			}
			t0 := time.Now()
			err := c.do(ctx, "GET", fmt.Sprintf("/api/v1/conversations/%d/messages?before_seq=%d&limit=%d", conv, before, w5PageSize), nil, &page)
			d := time.Since(t0)
			if err != nil {
				errCount.Add(1)
				return err
			}
			lat.add(d)
			pages.Add(1)
			want := min(int64(w5PageSize), before-1)
			okPage := int64(len(page.Items)) == want
			for j, it := range page.Items {
				if it.Seq != before-want+int64(j) {
					okPage = false
				}
			}
			if !okPage {
				bad.Add(1)
			}
			if page.NextCursor == nil {
				break
			}
			before = *page.NextCursor
		}
		return nil
	})
	res.Pages = pages.Load()
	res.PagesPerS = perSecond(res.Pages, time.Since(readersStart))
	res.Page = lat.summary()
	res.BadPages = bad.Load()
	res.Errors = errCount.Load()
	return res, err
}

// seedProgress logs every period how far a seeding run has come, until
// the returned stop is called.
func seedProgress(e *env, workload string, seeded *atomic.Int64, total int, start time.Time, period time.Duration) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				n := seeded.Load()
				e.logf("%s: seeded %d/%d messages (%.0f/s)", workload, n, total, perSecond(n, time.Since(start)))
			}
		}
	}()
	return func() { close(done) }
}

// seedSend posts message i of a seeding run to conversation conv over REST,
// retrying transport errors and 5xx answers with the same client_msg_id.
func seedSend(ctx context.Context, c *client, conv int64, i int, body map[string]string) error {
	var err error
	for try := 0; try < 5; try++ {
		err = c.do(ctx, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", conv), body, nil)
		if err == nil || isStatus(err, http.StatusTooManyRequests) || !retryable(err) {
			break
		}
		sleep(ctx, time.Duration(try+1)*100*time.Millisecond)
	}
	if isStatus(err, http.StatusTooManyRequests) {
		return errSendLimited
	}
	if err != nil {
		return fmt.Errorf("seed message %d: %w", i, err)
	}
	return nil
}

// retryable reports whether a failed send may be retried with the same
// client_msg_id: transport errors and 5xx answers.
func retryable(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status >= 500
	}
	return true
}
