package bench

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// W4Result is the widget storm: visitors arriving over a window, each
// opening a chat and sending a first message, to a site with A agents of
// capacity C.
type W4Result struct {
	Visitors int     `json:"visitors"`
	Agents   int     `json:"agents"`
	Capacity int     `json:"capacity"`
	Window   float64 `json:"window_seconds"`
	Opened   int     `json:"opened"`
	// Assigned at once (the open answered with an assignee) and queued.
	Assigned      int            `json:"assigned"`
	Queued        int            `json:"queued"`
	FirstMessages int            `json:"first_messages"`
	Errors        int            `json:"errors"`
	ErrorCodes    map[string]int `json:"error_codes,omitempty"`
	// TimeToAssign runs from the open request to its answer naming the
	// agent; the agent's `conversation` frame is ToAgentFrame.
	TimeToAssign Latency `json:"time_to_assign"`
	ToAgentFrame Latency `json:"to_agent_frame"`
	SessionOpen  Latency `json:"session_open"`
	// MaxAgentLoad is the most chats any agent holds; OverCapacity counts
	// agents holding more than their capacity (from each agent's own view).
	MaxAgentLoad int `json:"max_agent_load"`
	OverCapacity int `json:"over_capacity"`
	// QueuePositionsOK: the waiting chats hold positions 1..n, no gap, no
	// repeat. OutOfOrder counts waiting chats placed behind one whose open
	// request started after theirs was answered (first in, first out).
	QueuePositionsOK bool `json:"queue_positions_ok"`
	OutOfOrder       int  `json:"out_of_order"`
}

type w4Visitor struct {
	start, end time.Time // of the open request
	conv       conversation
	ok         bool
}

func runW4(ctx context.Context, e *env) (*W4Result, error) {
	o := e.opts
	res := &W4Result{Visitors: o.W4Visitors, Agents: o.W4Agents, Capacity: o.W4Capacity, Window: o.W4Window.Seconds()}
	var site struct {
		ID        int64  `json:"id"`
		PublicKey string `json:"public_key"`
		Queues    []struct {
			ID int64 `json:"id"`
		} `json:"queues"`
	}
	if err := e.admin.do(ctx, "POST", "/api/v1/sites", map[string]string{"name": e.prefix + " storm"}, &site); err != nil {
		return res, fmt.Errorf("create site: %w", err)
	}
	if len(site.Queues) == 0 {
		return res, fmt.Errorf("site %d has no queue", site.ID)
	}
	queue := site.Queues[0].ID
	agents, err := e.users(ctx, "w4a", o.W4Agents, "agent")
	if err != nil {
		return res, err
	}
	err = parallel(ctx, len(agents), o.SetupConcurrency*2, func(ctx context.Context, i int) error {
		a := agents[i]
		if err := e.admin.do(ctx, "PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", queue, a.userID), map[string]int{"capacity": o.W4Capacity}, nil); err != nil {
			return fmt.Errorf("add agent to queue: %w", err)
		}
		return a.do(ctx, "PUT", "/api/v1/agent/status", map[string]string{"status": "online"}, nil)
	})
	if err != nil {
		return res, err
	}
	visitors := make([]w4Visitor, o.W4Visitors)
	var (
		frameMu       sync.Mutex
		frameAt       = map[int64]time.Time{} // conversation → first frame naming its agent
		errs          errorCounts
		sessions      samples
		firstMessages atomic.Int64
	)
	conns, err := e.dialAll(ctx, agents, func(i int) func(*inFrame, time.Time) {
		me := agents[i].userID
		return func(f *inFrame, at time.Time) {
			if f.Type != "conversation" || f.Conversation == nil || f.Conversation.Assignee == nil || f.Conversation.Assignee.ID != me {
				return
			}
			frameMu.Lock()
			if _, seen := frameAt[f.Conversation.ID]; !seen {
				frameAt[f.Conversation.ID] = at
			}
			frameMu.Unlock()
		}
	})
	if err != nil {
		return res, err
	}
	defer closeAll(conns)
	e.logf("W4: %d agents online; %d visitors arrive over %s", len(agents), o.W4Visitors, o.W4Window)

	start := time.Now()
	var wg sync.WaitGroup
	for i := range visitors {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			at := start.Add(time.Duration(int64(o.W4Window) * int64(i) / int64(len(visitors))))
			sleep(ctx, time.Until(at))
			if ctx.Err() != nil {
				return
			}
			v := &client{base: o.URL, http: e.hc, scheme: "Visitor"}
			var sess struct {
				VisitorToken string `json:"visitor_token"`
			}
			t0 := time.Now()
			err := v.do(ctx, "POST", "/api/v1/widget/session", map[string]any{
				"site_key": site.PublicKey, "page_url": o.URL + "/demo?bench=" + e.prefix,
				"referrer": "", "locale": "en",
			}, &sess)
			if err != nil {
				errs.add(errCode(err))
				return
			}
			sessions.add(time.Since(t0))
			v.token = sess.VisitorToken
			var out struct {
				Conversation conversation `json:"conversation"`
			}
			vis := &visitors[i]
			vis.start = time.Now()
			err = v.do(ctx, "POST", "/api/v1/widget/conversations", map[string]any{}, &out)
			vis.end = time.Now()
			if err != nil {
				errs.add(errCode(err))
				return
			}
			vis.conv, vis.ok = out.Conversation, true
			err = v.do(ctx, "POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", out.Conversation.ID), map[string]any{
				"client_msg_id": fmt.Sprintf("w4.%d", i), "kind": "text", "body": "Hello, I have a question about my order.",
			}, nil)
			if err != nil {
				errs.add(errCode(err))
				return
			}
			firstMessages.Add(1)
		}(i)
	}
	wg.Wait()
	sleep(ctx, 500*time.Millisecond) // let the last frames arrive
	var assign, toFrame []time.Duration
	frameMu.Lock()
	for i := range visitors {
		v := &visitors[i]
		if !v.ok {
			continue
		}
		res.Opened++
		if v.conv.Assignee != nil {
			res.Assigned++
			assign = append(assign, v.end.Sub(v.start))
			if at, ok := frameAt[v.conv.ID]; ok {
				toFrame = append(toFrame, at.Sub(v.start))
			}
		}
	}
	frameMu.Unlock()
	res.FirstMessages = int(firstMessages.Load())
	res.TimeToAssign = summarise(assign)
	res.ToAgentFrame = summarise(toFrame)
	res.SessionOpen = sessions.summary()

	// Nobody over capacity, as each agent sees it.
	for _, a := range agents {
		mine, err := listAll(ctx, a, "view=mine")
		if err != nil {
			return res, err
		}
		res.MaxAgentLoad = max(res.MaxAgentLoad, len(mine))
		if len(mine) > o.W4Capacity {
			res.OverCapacity++
		}
	}
	// The rest wait in order.
	queued, err := listAll(ctx, agents[0], "view=queued")
	if err != nil {
		return res, err
	}
	res.Queued = len(queued)
	res.QueuePositionsOK, res.OutOfOrder = checkQueue(queued, visitors)
	codes, n := errs.snapshot()
	res.Errors = n
	if len(codes) > 0 {
		res.ErrorCodes = codes
	}
	return res, ctx.Err()
}

// checkQueue checks queue positions 1..n and first in, first out.
func checkQueue(queued []conversation, visitors []w4Visitor) (ok bool, outOfOrder int) {
	pos := make([]int, 0, len(queued))
	byConv := map[int64]int{}
	for _, c := range queued {
		if c.QueuePosition == nil {
			return false, 0
		}
		pos = append(pos, *c.QueuePosition)
		byConv[c.ID] = *c.QueuePosition
	}
	slices.Sort(pos)
	ok = true
	for i, p := range pos {
		if p != i+1 {
			ok = false
		}
	}
	// In position order, a chat whose open was answered before an earlier-
	// placed chat's open even started is out of order.
	type item struct {
		pos        int
		start, end time.Time
	}
	var items []item
	for i := range visitors {
		if p, in := byConv[visitors[i].conv.ID]; in && visitors[i].ok {
			items = append(items, item{p, visitors[i].start, visitors[i].end})
		}
	}
	slices.SortFunc(items, func(a, b item) int { return a.pos - b.pos })
	var latestStart time.Time
	for _, it := range items {
		if it.end.Before(latestStart) {
			outOfOrder++
		}
		if it.start.After(latestStart) {
			latestStart = it.start
		}
	}
	return ok, outOfOrder
}

// listAll pages through GET /api/v1/agent/conversations with query.
func listAll(ctx context.Context, c *client, query string) ([]conversation, error) {
	var all []conversation
	cursor := ""
	for {
		var page struct {
			Items      []conversation `json:"items"`
			NextCursor *string        `json:"next_cursor"` // opaque
		}
		if err := c.do(ctx, "GET", "/api/v1/agent/conversations?limit=200&"+query+cursor, nil, &page); err != nil {
			return nil, fmt.Errorf("list agent conversations: %w", err)
		}
		all = append(all, page.Items...)
		if page.NextCursor == nil || len(page.Items) == 0 {
			return all, nil
		}
		cursor = "&cursor=" + url.QueryEscape(*page.NextCursor)
	}
}

// errCode names an error for the error counts.
func errCode(err error) string {
	if ae, ok := err.(*APIError); ok {
		if ae.Code != "" {
			return ae.Code
		}
		return fmt.Sprintf("http_%d", ae.Status)
	}
	return "request_failed"
}
