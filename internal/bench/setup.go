package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// env is what every workload shares: the server, the admin and the run's
// name prefix.
type env struct {
	opts     Options
	hc       *http.Client
	admin    *client
	prefix   string
	password string
	progress io.Writer
	start    time.Time
}

func (e *env) logf(format string, args ...any) {
	if e.progress != nil {
		fmt.Fprintf(e.progress, "%6.1fs  "+format+"\n", append([]any{time.Since(e.start).Seconds()}, args...)...)
	}
}

// parallel runs f(0..n-1) on at most workers goroutines and returns the
// first error; after one, the remaining calls are skipped.
func parallel(ctx context.Context, n, workers int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		once     sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	for w := 0; w < max(1, min(workers, n)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(ctx, i); err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return firstErr
}

// signIn signs in again the n accounts an earlier run with the same
// prefix and password created with users.
func (e *env) signIn(ctx context.Context, tag string, n int) ([]*client, error) {
	out := make([]*client, n)
	err := parallel(ctx, n, e.opts.SetupConcurrency, func(ctx context.Context, i int) error {
		name := fmt.Sprintf("%s_%s%05d", e.prefix, tag, i)
		c, err := login(ctx, e.opts.URL, e.hc, name, e.password)
		if err != nil {
			return fmt.Errorf("sign in %s (seeded by an earlier run with this --prefix and admin password?): %w", name, err)
		}
		out[i] = c
		return nil
	})
	return out, err
}

// users creates n verified accounts named after the run and the workload
// and signs each in. Passwords are hashed on purpose slowly by the server,
// so this is the slow part of every set-up.
func (e *env) users(ctx context.Context, tag string, n int, role string) ([]*client, error) {
	out := make([]*client, n)
	var done atomic.Int64
	last := time.Now()
	var mu sync.Mutex
	err := parallel(ctx, n, e.opts.SetupConcurrency, func(ctx context.Context, i int) error {
		name := fmt.Sprintf("%s_%s%05d", e.prefix, tag, i)
		err := e.admin.do(ctx, "POST", "/api/v1/admin/users", map[string]any{
			"username": name, "email": name + "@example.com", "password": e.password,
			"nickname": fmt.Sprintf("%s %d", tag, i), "role": role, "verified": true,
		}, nil)
		if err != nil {
			return fmt.Errorf("create user %s: %w", name, err)
		}
		c, err := login(ctx, e.opts.URL, e.hc, name, e.password)
		if err != nil {
			return fmt.Errorf("sign in %s: %w", name, err)
		}
		out[i] = c
		d := done.Add(1)
		mu.Lock()
		if time.Since(last) > 5*time.Second {
			last = time.Now()
			e.logf("%s: %d/%d users ready", tag, d, n)
		}
		mu.Unlock()
		return nil
	})
	return out, err
}

// befriend makes a and b friends: a asks, b accepts.
func befriend(ctx context.Context, a, b *client) error {
	var req struct {
		ID int64 `json:"id"`
	}
	if err := a.do(ctx, "POST", "/api/v1/friend-requests", map[string]any{"user_id": b.userID}, &req); err != nil {
		return fmt.Errorf("friend request: %w", err)
	}
	if err := b.do(ctx, "POST", fmt.Sprintf("/api/v1/friend-requests/%d/accept", req.ID), nil, nil); err != nil {
		return fmt.Errorf("accept friend request: %w", err)
	}
	return nil
}

// openDirect returns the id of the direct conversation of a with b.
func openDirect(ctx context.Context, a, b *client) (int64, error) {
	var conv struct {
		ID int64 `json:"id"`
	}
	if err := a.do(ctx, "POST", "/api/v1/conversations/direct", map[string]any{"user_id": b.userID}, &conv); err != nil {
		return 0, fmt.Errorf("open direct conversation: %w", err)
	}
	return conv.ID, nil
}

// dialAll opens one socket per client, handlers[i] (or nil) reading it.
func (e *env) dialAll(ctx context.Context, cs []*client, handler func(i int) func(*inFrame, time.Time)) ([]*wsConn, error) {
	conns := make([]*wsConn, len(cs))
	err := parallel(ctx, len(cs), e.opts.DialConcurrency, func(ctx context.Context, i int) error {
		var h func(*inFrame, time.Time)
		if handler != nil {
			h = handler(i)
		}
		w, err := dial(ctx, cs[i], h)
		if err != nil {
			return err
		}
		conns[i] = w
		return nil
	})
	if err != nil {
		closeAll(conns)
	}
	return conns, err
}

func closeAll(conns []*wsConn) {
	for _, w := range conns {
		if w != nil {
			w.Close()
		}
	}
}
