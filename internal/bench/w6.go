package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// W6Result is the Pusher fan-out workload: subscribers on one public
// channel of a site's Pusher app, events triggered through the signed HTTP
// API at stepped rates.
type W6Result struct {
	Subscribers      int      `json:"subscribers"`
	AppID            string   `json:"app_id"`
	SubscribeSeconds float64  `json:"subscribe_seconds"`
	Steps            []W6Step `json:"steps"`
	// MaxRateKeptUp is the highest event rate delivered in full to every
	// subscriber at 90% of its target or more.
	MaxRateKeptUp      int     `json:"max_rate_kept_up"`
	PeakDeliveriesPerS float64 `json:"peak_deliveries_per_s"`
	// Saturated is true when a step fell behind and stepping stopped.
	Saturated bool `json:"saturated"`
	// StillSubscribed counts the sockets open at the end.
	StillSubscribed int `json:"still_subscribed"`
}

// W6Step is one rate of W6.
type W6Step struct {
	TargetRate int     `json:"target_rate"`
	Seconds    float64 `json:"seconds"`
	// Triggered counts the events the HTTP API accepted (200).
	Triggered  int64          `json:"triggered"`
	Errors     int64          `json:"errors"`
	ErrorCodes map[string]int `json:"error_codes,omitempty"`
	Expected   int64          `json:"expected_deliveries"`
	Delivered  int64          `json:"delivered"`
	// DeliveriesPerS counts every subscriber's copy.
	DeliveriesPerS float64 `json:"deliveries_per_s"`
	// TriggerToReceive is the trigger call's start → arrival at one
	// subscriber, over every copy.
	TriggerToReceive Latency `json:"trigger_to_receive"`
	// TriggerCall is the HTTP call itself (until the 200).
	TriggerCall Latency `json:"trigger_call"`
	KeptUp      bool    `json:"kept_up"`
	// CPU time in µs per delivery of the server (with --server-pid) and of
	// this load generator, from the step's start to the end of its drain.
	ServerCPUPerDelivery float64 `json:"server_cpu_per_delivery_us,omitempty"`
	ClientCPUPerDelivery float64 `json:"client_cpu_per_delivery_us,omitempty"`
}

// w6Event is the data of every triggered event: the step, the event's
// number and its trigger time since the run's base.
type w6Event struct {
	S int   `json:"s"`
	K int   `json:"k"`
	T int64 `json:"t"`
}

// w6Step counts what arrived for one step.
type w6Step struct {
	delivered    atomic.Int64
	lastDelivery atomic.Int64 // ns since base
	lat          samples
	call         samples
	triggered    atomic.Int64
	errs         errorCounts
}

// w6EventName names every triggered event.
const w6EventName = "w6-tick"

func runW6(ctx context.Context, e *env) (*W6Result, error) {
	o := e.opts
	res := &W6Result{Subscribers: o.W6Subscribers}
	app, err := e.pusherApp(ctx, e.prefix+" pusher")
	if err != nil {
		return res, err
	}
	res.AppID = app.AppID
	channel := "bench-" + e.prefix
	steps := make([]*w6Step, len(o.W6Rates))
	for i := range steps {
		steps[i] = &w6Step{}
	}
	base := time.Now()
	handle := func(f *pusherFrame, at time.Time) {
		if f.Event != w6EventName || f.Channel != channel {
			return
		}
		var s string
		var ev w6Event
		if json.Unmarshal(f.Data, &s) != nil || json.Unmarshal([]byte(s), &ev) != nil || ev.S < 0 || ev.S >= len(steps) {
			return
		}
		st := steps[ev.S]
		now := at.Sub(base)
		st.delivered.Add(1)
		st.lat.add(now - time.Duration(ev.T))
		maxInt64(&st.lastDelivery, int64(now))
	}
	socks := make([]*pusherSocket, o.W6Subscribers)
	defer func() {
		for _, s := range socks {
			if s != nil {
				s.Close()
			}
		}
	}()
	start := time.Now()
	err = parallel(ctx, o.W6Subscribers, o.DialConcurrency, func(ctx context.Context, i int) error {
		s, err := dialPusher(ctx, o.URL, app.Key, channel, handle)
		if err != nil {
			return fmt.Errorf("subscriber %d (raise PARLEY_MAX_CONNS_PER_IP or set it to 0): %w", i, err)
		}
		socks[i] = s
		return nil
	})
	res.SubscribeSeconds = roundTenth(time.Since(start).Seconds())
	if err != nil {
		return res, err
	}
	e.logf("W6: %d subscribers on %s in %.1fs", o.W6Subscribers, channel, res.SubscribeSeconds)
	tr := &pusherTrigger{base: o.URL, app: app, hc: e.hc}
	for i, rate := range o.W6Rates {
		st := steps[i]
		serverCPU, clientCPU := startCPUs(o.ServerPID)
		stepStart := time.Now()
		total := int(o.W6Step.Seconds() * float64(rate))
		interval := time.Second / time.Duration(rate)
		inflight := make(chan struct{}, 64)
		var wg sync.WaitGroup
		for k := 0; k < total && ctx.Err() == nil; k++ {
			if d := time.Until(stepStart.Add(time.Duration(k) * interval)); d > 0 {
				time.Sleep(d)
			}
			inflight <- struct{}{}
			wg.Add(1)
			go func(k int) {
				defer func() { <-inflight; wg.Done() }()
				t0 := time.Now()
				data, _ := json.Marshal(w6Event{S: i, K: k, T: int64(t0.Sub(base))})
				if err := tr.trigger(ctx, channel, w6EventName, string(data)); err != nil {
					var ae *APIError
					if errors.As(err, &ae) {
						st.errs.add("http_" + strconv.Itoa(ae.Status))
					} else {
						st.errs.add("transport")
					}
					return
				}
				st.call.add(time.Since(t0))
				st.triggered.Add(1)
			}(k)
		}
		wg.Wait()
		expected := st.triggered.Load() * int64(o.W6Subscribers)
		drainUntil := time.Now().Add(o.W6Drain)
		for st.delivered.Load() < expected && time.Now().Before(drainUntil) && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
		r := W6Step{TargetRate: rate, Seconds: o.W6Step.Seconds(), Triggered: st.triggered.Load(), Expected: expected,
			Delivered: st.delivered.Load(), TriggerToReceive: st.lat.summary(), TriggerCall: st.call.summary(),
			ServerCPUPerDelivery: serverCPU.perItem(st.delivered.Load()), ClientCPUPerDelivery: clientCPU.perItem(st.delivered.Load())}
		codes, n := st.errs.snapshot()
		r.Errors = int64(n)
		if n > 0 {
			r.ErrorCodes = codes
		}
		r.DeliveriesPerS = perSecond(r.Delivered, max(o.W6Step, time.Duration(st.lastDelivery.Load())-stepStart.Sub(base)))
		wantPerS := float64(rate) * float64(o.W6Subscribers)
		r.KeptUp = r.Errors == 0 && r.Delivered == r.Expected && r.DeliveriesPerS >= 0.9*wantPerS
		res.Steps = append(res.Steps, r)
		res.PeakDeliveriesPerS = max(res.PeakDeliveriesPerS, r.DeliveriesPerS)
		e.logf("W6: %d events/s to %d subscribers: %.0f deliveries/s, p50 %.2f ms, p99 %.2f ms, errors %d, kept up %s",
			rate, o.W6Subscribers, r.DeliveriesPerS, r.TriggerToReceive.P50, r.TriggerToReceive.P99, r.Errors, yes(r.KeptUp))
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		if !r.KeptUp {
			res.Saturated = true
			break
		}
		res.MaxRateKeptUp = rate
	}
	for _, s := range socks {
		if s != nil && s.alive() {
			res.StillSubscribed++
		}
	}
	return res, nil
}

// pusherApp creates a site and reads its Pusher settings as the admin.
func (e *env) pusherApp(ctx context.Context, name string) (pusherApp, error) {
	var site struct {
		ID int64 `json:"id"`
	}
	if err := e.admin.do(ctx, "POST", "/api/v1/sites", map[string]string{"name": name}, &site); err != nil {
		return pusherApp{}, fmt.Errorf("create site: %w", err)
	}
	var read struct {
		Pusher *pusherApp `json:"pusher"`
	}
	if err := e.admin.do(ctx, "GET", fmt.Sprintf("/api/v1/sites/%d", site.ID), nil, &read); err != nil {
		return pusherApp{}, fmt.Errorf("read site: %w", err)
	}
	if read.Pusher == nil || read.Pusher.AppID == "" || read.Pusher.Key == "" || read.Pusher.Secret == "" {
		return pusherApp{}, fmt.Errorf("GET /api/v1/sites/%d gives no Pusher settings: is this server older than the Pusher API?", site.ID)
	}
	return *read.Pusher, nil
}
