package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// W3Result is the group fan-out workload: one sender, one group whose
// members are all online.
type W3Result struct {
	Members    int     `json:"members"`
	Rate       int     `json:"rate"`
	Seconds    float64 `json:"seconds"`
	Sent       int64   `json:"sent"`
	Acked      int64   `json:"acked"`
	Errors     int64   `json:"errors"`
	Expected   int64   `json:"expected_deliveries"`
	Deliveries int64   `json:"deliveries"`
	// DeliveriesPerS counts every member's copy.
	DeliveriesPerS float64 `json:"deliveries_per_s"`
	// Delivery is send → arrival at one member, over every member's copy.
	Delivery Latency `json:"delivery"`
	// ToAll is send → arrival at the last member, per message.
	ToAll      Latency        `json:"to_all_members"`
	SendToAck  Latency        `json:"send_to_ack"`
	ErrorCodes map[string]int `json:"error_codes,omitempty"`
	// ServerCPUPerDelivery (with --server-pid) and ClientCPUPerDelivery
	// are the CPU time, in µs, that the server and this load generator
	// spent per delivery while sending and draining: on one machine the
	// two share the cores, and what one spends the other waits for.
	ServerCPUPerDelivery float64 `json:"server_cpu_per_delivery_us,omitempty"`
	ClientCPUPerDelivery float64 `json:"client_cpu_per_delivery_us,omitempty"`
}

func runW3(ctx context.Context, e *env) (*W3Result, error) {
	o := e.opts
	res := &W3Result{Members: o.W3Members, Rate: o.W3Rate, Seconds: o.W3Duration.Seconds()}
	users, err := e.users(ctx, "w3u", o.W3Members, "user")
	if err != nil {
		return res, err
	}
	owner := users[0]
	var g struct {
		ID             int64 `json:"id"`
		Number         int64 `json:"number"`
		ConversationID int64 `json:"conversation_id"`
	}
	if err := owner.do(ctx, "POST", "/api/v1/groups", map[string]any{"name": e.prefix + " fan-out", "join_policy": "open"}, &g); err != nil {
		return res, fmt.Errorf("create group: %w", err)
	}
	// Everyone joins before anyone connects, so that the join notices are
	// not part of the measurement.
	err = parallel(ctx, len(users)-1, o.SetupConcurrency*2, func(ctx context.Context, i int) error {
		if err := users[i+1].do(ctx, "POST", "/api/v1/groups/join", map[string]any{"number": g.Number}, nil); err != nil {
			return fmt.Errorf("join group (raise PARLEY_GROUP_MEMBER_CAP for groups over its default of 500): %w", err)
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	total := int(o.W3Duration.Seconds()*float64(o.W3Rate)) + 1
	lastArrival := make([]atomic.Int64, total) // per message: latest arrival, ns since its send
	var (
		acked, deliveries, lastDelivery atomic.Int64
		ack, delivery                   samples
		errs                            errorCounts
	)
	base := time.Now()
	conns, err := e.dialAll(ctx, users, func(i int) func(*inFrame, time.Time) {
		return func(f *inFrame, at time.Time) {
			switch f.Type {
			case "ack", "message":
				m, err := f.decodeMessage()
				if err != nil || m.ConversationID != g.ConversationID {
					return
				}
				k, sent, ok := unstamp(m.Body)
				if !ok || k < 0 || k >= total {
					return
				}
				now := at.Sub(base)
				switch {
				case f.Type == "ack":
					acked.Add(1)
					ack.add(now - sent)
				case i != 0:
					deliveries.Add(1)
					delivery.add(now - sent)
					maxInt64(&lastArrival[k], int64(now-sent))
					maxInt64(&lastDelivery, int64(now))
				}
			case "error":
				if i == 0 {
					errs.add(f.Code)
				}
			}
		}
	})
	if err != nil {
		return res, err
	}
	defer closeAll(conns)
	e.logf("W3: %d members online; sending %d msg/s for %s", len(users), o.W3Rate, o.W3Duration)
	sleep(ctx, 500*time.Millisecond) // let connect-time presence settle
	serverCPU, clientCPU := startCPUs(o.ServerPID)
	start := time.Now()
	interval := time.Second / time.Duration(o.W3Rate)
	var sent int64
	for k := 0; k < total; k++ {
		at := start.Add(time.Duration(k) * interval)
		if !at.Before(start.Add(o.W3Duration)) || ctx.Err() != nil {
			break
		}
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		err := conns[0].send(sendFrame{Type: "send", ClientMsgID: fmt.Sprintf("w3.%d", k), ConversationID: g.ConversationID,
			Kind: "text", Body: stamp(k, time.Since(base))})
		if err != nil {
			errs.add("socket_write_failed")
			break
		}
		sent++
	}
	res.Sent = sent
	receivers := int64(len(users) - 1)
	drainUntil := time.Now().Add(max(10*time.Second, o.W3Duration/2))
	for time.Now().Before(drainUntil) && ctx.Err() == nil {
		_, n := errs.snapshot()
		if acked.Load()+int64(n) >= sent && deliveries.Load() >= acked.Load()*receivers {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	res.ServerCPUPerDelivery = serverCPU.perItem(deliveries.Load())
	res.ClientCPUPerDelivery = clientCPU.perItem(deliveries.Load())
	codes, n := errs.snapshot()
	if len(codes) > 0 {
		res.ErrorCodes = codes
	}
	res.Errors = int64(n)
	res.Acked = acked.Load()
	res.Expected = res.Acked * receivers
	res.Deliveries = deliveries.Load()
	res.DeliveriesPerS = perSecond(res.Deliveries, max(o.W3Duration, time.Duration(lastDelivery.Load())-start.Sub(base)))
	res.Delivery = delivery.summary()
	res.SendToAck = ack.summary()
	var toAll []time.Duration
	for k := 0; k < int(sent); k++ {
		if v := lastArrival[k].Load(); v > 0 {
			toAll = append(toAll, time.Duration(v))
		}
	}
	res.ToAll = summarise(toAll)
	if res.ErrorCodes["rate_limited"] > 0 {
		return res, errSendLimited
	}
	return res, ctx.Err()
}
