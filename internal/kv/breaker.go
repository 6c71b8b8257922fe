package kv

import (
	"context"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrDown is returned at once, without touching the network, while Redis
// is known to be unreachable.
var ErrDown = errors.New("redis is unreachable")

// breaker is a go-redis hook that opens on a network failure, so that the
// request paths using Redis (rate limits, publishes, enqueues) fail in
// microseconds instead of each waiting through dials and retries while
// Redis is away. A probe closes it again when Redis answers.
//
// A command that timed out on an open connection does not open it: a
// Redis that is slow (thousands of clients reconnecting at once) still
// answers, and opening the breaker then failed every request of the node
// for the probe's interval, turning a slow moment into refusals for
// everyone. go-redis drops the connection that timed out, so a Redis that
// is really gone is found by the next dial, whose failure (a timeout
// included) does open it.
type breaker struct {
	down  atomic.Bool
	probe redis.UniversalClient // without the hook
}

var _ redis.Hook = (*breaker)(nil)

func (b *breaker) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if b.down.Load() {
			return nil, ErrDown
		}
		c, err := next(ctx, network, addr)
		if err != nil && isNetErr(err) {
			b.down.Store(true)
		}
		return c, err
	}
}

func (b *breaker) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if b.down.Load() {
			cmd.SetErr(ErrDown)
			return ErrDown
		}
		err := next(ctx, cmd)
		if err != nil && isNetErr(err) && !isTimeout(err) {
			b.down.Store(true)
		}
		return err
	}
}

func (b *breaker) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if b.down.Load() {
			for _, c := range cmds {
				c.SetErr(ErrDown)
			}
			return ErrDown
		}
		err := next(ctx, cmds)
		if err != nil && isNetErr(err) && !isTimeout(err) {
			b.down.Store(true)
		}
		return err
	}
}

// watch probes Redis every interval while the breaker is open.
func (b *breaker) watch(stop <-chan struct{}, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if !b.down.Load() {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), interval)
			if b.probe.Ping(ctx).Err() == nil {
				b.down.Store(false)
			}
			cancel()
		}
	}
}

func isNetErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// isTimeout tells a command's deadline passing from the connection failing.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
