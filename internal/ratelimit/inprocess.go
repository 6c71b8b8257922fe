package ratelimit

import (
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// inProcess is the same GCRA as redis_rate's, kept in this process's
// memory: for embedded mode, where Redis is the in-process server and no
// other process shares the limits. There a Lua script per event (the
// embedded server builds a Lua state for each) costs more than the send it
// limits; a map and a mutex cost next to nothing.
type inProcess struct {
	mu sync.Mutex
	// tat is each key's theoretical arrival time: the event budget of a key
	// is full again once tat has passed, so such keys are dropped.
	tat      map[string]time.Time
	inserted int
	now      func() time.Time
}

func newInProcess(clock clockwork.Clock) *inProcess {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	return &inProcess{tat: map[string]time.Time{}, now: clock.Now}
}

// allow is GCRA with an emission interval of window/limit and a burst of
// limit: it reports whether one more event of key fits, and when not, how
// long until one would.
func (m *inProcess) allow(key string, limit int, window time.Duration) (bool, time.Duration) {
	interval := window / time.Duration(limit)
	tolerance := window // limit × interval: a full burst
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	tat, ok := m.tat[key]
	if !ok || tat.Before(now) {
		tat = now
	}
	next := tat.Add(interval)
	if allowAt := next.Add(-tolerance); now.Before(allowAt) {
		return false, allowAt.Sub(now)
	}
	if !ok {
		m.inserted++
		m.sweep(now)
	}
	m.tat[key] = next
	return true, 0
}

// sweep drops the keys whose budget is full again, once as many keys were
// added as the map held at the last sweep: memory stays within twice the
// keys in use, at a constant cost per event.
func (m *inProcess) sweep(now time.Time) {
	if m.inserted < 1024 || m.inserted < len(m.tat) {
		return
	}
	for k, t := range m.tat {
		if !t.After(now) {
			delete(m.tat, k)
		}
	}
	m.inserted = 0
}

func (m *inProcess) reset(key string) {
	m.mu.Lock()
	delete(m.tat, key)
	m.mu.Unlock()
}
