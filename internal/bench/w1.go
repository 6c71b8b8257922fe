package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// W1Result is the one-to-one workload: pairs of friends, each user sending
// to its partner over its socket, at stepped aggregate rates.
type W1Result struct {
	Pairs int      `json:"pairs"`
	Steps []W1Step `json:"steps"`
	// MaxRateKeptUp is the highest target rate delivered in full and at
	// 90% of the target or better (0 if none).
	MaxRateKeptUp int `json:"max_rate_kept_up"`
	// PeakDeliveredPerS is the best delivered/s of any step.
	PeakDeliveredPerS float64 `json:"peak_delivered_per_s"`
	// Saturated is true when a step fell behind and stepping stopped.
	Saturated bool   `json:"saturated"`
	Note      string `json:"note,omitempty"`
}

// W1Step is one rate step.
type W1Step struct {
	TargetRate    int            `json:"target_rate"`
	Seconds       float64        `json:"seconds"`
	Sent          int64          `json:"sent"`
	Acked         int64          `json:"acked"`
	Delivered     int64          `json:"delivered"`
	Errors        int64          `json:"errors"`
	ErrorCodes    map[string]int `json:"error_codes,omitempty"`
	SentPerS      float64        `json:"sent_per_s"`
	AckedPerS     float64        `json:"acked_per_s"`
	DeliveredPerS float64        `json:"delivered_per_s"`
	SendToAck     Latency        `json:"send_to_ack"`
	SendToDeliver Latency        `json:"send_to_deliver"`
	KeptUp        bool           `json:"kept_up"`
	// ServerCPUPerMessage (with --server-pid) and ClientCPUPerMessage are
	// the CPU time, in µs, the server and this load generator spent per
	// message delivered, over the step and its drain.
	ServerCPUPerMessage float64 `json:"server_cpu_per_message_us,omitempty"`
	ClientCPUPerMessage float64 `json:"client_cpu_per_message_us,omitempty"`
}

// w1Step is a step's live counters, filled by the socket readers.
type w1Step struct {
	sent, acked, delivered atomic.Int64
	lastAck, lastDelivery  atomic.Int64 // since base, ns
	ack, deliver           samples
	errs                   errorCounts
}

func maxInt64(a *atomic.Int64, v int64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}

// stamp and unstamp put the send time (since base) and a tag in a body.
func stamp(tag int, since time.Duration) string {
	return "bench " + strconv.Itoa(tag) + " " + strconv.FormatInt(int64(since), 10)
}

func unstamp(body string) (tag int, since time.Duration, ok bool) {
	f := strings.Fields(body)
	if len(f) != 3 || f[0] != "bench" {
		return 0, 0, false
	}
	t, err1 := strconv.Atoi(f[1])
	n, err2 := strconv.ParseInt(f[2], 10, 64)
	return t, time.Duration(n), err1 == nil && err2 == nil
}

func runW1(ctx context.Context, e *env) (*W1Result, error) {
	o := e.opts
	res := &W1Result{Pairs: o.W1Pairs}
	users, err := e.users(ctx, "w1u", 2*o.W1Pairs, "user")
	if err != nil {
		return res, err
	}
	convs := make([]int64, len(users)) // by user: the conversation with the partner
	err = parallel(ctx, o.W1Pairs, o.SetupConcurrency*2, func(ctx context.Context, p int) error {
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
	type stepPlan struct {
		rate   int
		length time.Duration
		warmup bool
	}
	var plan []stepPlan
	if o.W1Warmup > 0 {
		plan = append(plan, stepPlan{o.W1Rates[0], o.W1Warmup, true})
	}
	for _, rate := range o.W1Rates {
		plan = append(plan, stepPlan{rate, o.W1Step, false})
	}
	steps := make([]*w1Step, len(plan))
	for i := range steps {
		steps[i] = &w1Step{}
	}
	base := time.Now()
	var closed atomic.Int64
	conns, err := e.dialAll(ctx, users, func(i int) func(*inFrame, time.Time) {
		me, conv := users[i].userID, convs[i]
		return func(f *inFrame, at time.Time) {
			switch f.Type {
			case "ack", "message":
				m, err := f.decodeMessage()
				if err != nil || m.ConversationID != conv {
					return
				}
				tag, sent, ok := unstamp(m.Body)
				if !ok || tag < 0 || tag >= len(steps) {
					return
				}
				st, now := steps[tag], at.Sub(base)
				if f.Type == "ack" {
					st.acked.Add(1)
					st.ack.add(now - sent)
					maxInt64(&st.lastAck, int64(now))
				} else if m.Sender.ID != me {
					st.delivered.Add(1)
					st.deliver.add(now - sent)
					maxInt64(&st.lastDelivery, int64(now))
				}
			case "error":
				tag, err := strconv.Atoi(strings.SplitN(f.ClientMsgID, ".", 2)[0])
				if err == nil && tag >= 0 && tag < len(steps) {
					steps[tag].errs.add(f.Code)
				}
			}
		}
	})
	if err != nil {
		return res, err
	}
	defer closeAll(conns)
	e.logf("W1: %d users in %d pairs connected", len(users), o.W1Pairs)

	for si, p := range plan {
		st, rate := steps[si], p.rate
		serverCPU, clientCPU := startCPUs(o.ServerPID)
		start := time.Now()
		end := start.Add(p.length)
		interval := time.Duration(float64(time.Second) * float64(len(users)) / float64(rate))
		var wg sync.WaitGroup
		for i := range users {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				offset := time.Duration(rand.Int64N(int64(interval) + 1))
				for k := 0; ; k++ {
					at := start.Add(offset + time.Duration(k)*interval)
					if !at.Before(end) || ctx.Err() != nil {
						return
					}
					if d := time.Until(at); d > 0 {
						time.Sleep(d)
					}
					err := conns[i].send(sendFrame{
						Type: "send", ClientMsgID: fmt.Sprintf("%d.%d.%d", si, i, k),
						ConversationID: convs[i], Kind: "text", Body: stamp(si, time.Since(base)),
					})
					if err != nil {
						st.errs.add("socket_write_failed")
						closed.Add(1)
						return
					}
					st.sent.Add(1)
				}
			}(i)
		}
		wg.Wait()
		drainUntil := time.Now().Add(o.W1Drain)
		for time.Now().Before(drainUntil) && ctx.Err() == nil {
			_, nerr := st.errs.snapshot()
			a := st.acked.Load()
			if a+int64(nerr) >= st.sent.Load() && st.delivered.Load() >= a {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		step := st.result(rate, start.Sub(base), p.length)
		step.ServerCPUPerMessage = serverCPU.perItem(step.Delivered)
		step.ClientCPUPerMessage = clientCPU.perItem(step.Delivered)
		if p.warmup {
			e.logf("W1: warm-up at %d msg/s for %s: delivered %.0f/s (not reported)", rate, p.length, step.DeliveredPerS)
			continue
		}
		res.Steps = append(res.Steps, step)
		res.PeakDeliveredPerS = max(res.PeakDeliveredPerS, step.DeliveredPerS)
		e.logf("W1: %d msg/s: sent %.0f/s, acked %.0f/s, delivered %.0f/s, deliver p99 %.1f ms, errors %d",
			rate, step.SentPerS, step.AckedPerS, step.DeliveredPerS, step.SendToDeliver.P99, step.Errors)
		if step.KeptUp {
			res.MaxRateKeptUp = rate
		}
		if step.ErrorCodes["rate_limited"] > 0 {
			res.Note = errSendLimited.Error()
		}
		for _, w := range conns {
			if !w.alive() {
				closed.Add(1)
			}
		}
		if closed.Load() > 0 && res.Note == "" {
			res.Note = "the server closed sockets during the run (a client that can't keep up is disconnected)"
		}
		if !step.KeptUp || ctx.Err() != nil || closed.Load() > 0 {
			res.Saturated = !step.KeptUp
			break
		}
	}
	return res, ctx.Err()
}

// result computes a step's figures. Rates divide by the step's length or,
// when the last ack or delivery came later, by the time to it.
func (st *w1Step) result(rate int, startedAt, length time.Duration) W1Step {
	codes, nerr := st.errs.snapshot()
	s := W1Step{
		TargetRate: rate, Seconds: length.Seconds(),
		Sent: st.sent.Load(), Acked: st.acked.Load(), Delivered: st.delivered.Load(),
		Errors: int64(nerr), SendToAck: st.ack.summary(), SendToDeliver: st.deliver.summary(),
	}
	if len(codes) > 0 {
		s.ErrorCodes = codes
	}
	span := func(last int64) time.Duration { return max(length, time.Duration(last)-startedAt) }
	s.SentPerS = perSecond(s.Sent, length)
	s.AckedPerS = perSecond(s.Acked, span(st.lastAck.Load()))
	s.DeliveredPerS = perSecond(s.Delivered, span(st.lastDelivery.Load()))
	s.KeptUp = s.Errors == 0 && s.Delivered == s.Sent && s.DeliveredPerS >= 0.9*float64(rate)
	return s
}
