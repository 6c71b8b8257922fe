package bench

import (
	"math"
	"slices"
	"sync"
	"time"
)

// Latency summarises a set of latencies in milliseconds. Percentiles are
// by nearest rank over every sample (no bucketing).
type Latency struct {
	Count int     `json:"count"`
	Mean  float64 `json:"mean_ms"`
	P50   float64 `json:"p50_ms"`
	P95   float64 `json:"p95_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// samples collects latencies from many goroutines.
type samples struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *samples) add(d time.Duration) {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
}

// summary sorts a copy of the samples and reads the percentiles.
func (s *samples) summary() Latency {
	s.mu.Lock()
	d := slices.Clone(s.d)
	s.mu.Unlock()
	return summarise(d)
}

func summarise(d []time.Duration) Latency {
	if len(d) == 0 {
		return Latency{}
	}
	slices.Sort(d)
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return Latency{
		Count: len(d),
		Mean:  ms(sum / time.Duration(len(d))),
		P50:   ms(rank(d, 50)),
		P95:   ms(rank(d, 95)),
		P99:   ms(rank(d, 99)),
		Max:   ms(d[len(d)-1]),
	}
}

// rank is the nearest-rank percentile p of sorted d.
func rank(d []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p/100*float64(len(d)))) - 1
	return d[max(0, min(i, len(d)-1))]
}

// ms is d in milliseconds, rounded to microseconds.
func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// perSecond is n over d, rounded to a tenth.
func perSecond(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return math.Round(float64(n)/d.Seconds()*10) / 10
}

// errorCounts counts errors by code.
type errorCounts struct {
	mu sync.Mutex
	m  map[string]int
}

func (e *errorCounts) add(code string) {
	e.mu.Lock()
	if e.m == nil {
		e.m = map[string]int{}
	}
	e.m[code]++
	e.mu.Unlock()
}

func (e *errorCounts) snapshot() (map[string]int, int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]int, len(e.m))
	n := 0
	for k, v := range e.m {
		out[k] = v
		n += v
	}
	return out, n
}
