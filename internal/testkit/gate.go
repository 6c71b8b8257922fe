package testkit

import (
	"sync"
	"time"
)

// SendGate is the chat.Gate the test kit gives every server: open, it lets
// each batch of sends through at once; held, batches wait (sends queue up
// behind it); with a latency, each batch waits that long first, as behind
// a slow database.
type SendGate struct {
	mu      sync.Mutex
	cond    *sync.Cond
	held    bool
	latency time.Duration
}

// NewSendGate returns an open gate.
func NewSendGate() *SendGate {
	g := &SendGate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// Pass waits while the gate is held, then for its latency.
func (g *SendGate) Pass() {
	g.mu.Lock()
	for g.held {
		g.cond.Wait()
	}
	d := g.latency
	g.mu.Unlock()
	if d > 0 {
		time.Sleep(d)
	}
}

// Hold stops batches until the returned release is called.
func (g *SendGate) Hold() (release func()) {
	g.mu.Lock()
	g.held = true
	g.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			g.held = false
			g.mu.Unlock()
			g.cond.Broadcast()
		})
	}
}

// SetLatency makes every later batch wait d before it commits.
func (g *SendGate) SetLatency(d time.Duration) {
	g.mu.Lock()
	g.latency = d
	g.mu.Unlock()
}
