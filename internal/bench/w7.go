package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// W7Result is the search workload: many messages in several languages
// over several conversations, then GET /api/v1/search by one member of
// half of them, with queries from rare to common and from one script to
// another.
type W7Result struct {
	Messages      int     `json:"messages"`
	Conversations int     `json:"conversations"`
	SeedSeconds   float64 `json:"seed_seconds"`
	SeedPerS      float64 `json:"seed_per_s"`
	// Reused: the messages were seeded by an earlier run (--w7-reuse).
	Reused    bool    `json:"reused,omitempty"`
	Searchers int     `json:"searchers"`
	Searches  int64   `json:"searches"`
	Search    Latency `json:"search"`
	// ByQuery is the latency of each query of the mix.
	ByQuery []W7Query `json:"by_query"`
	Errors  int64     `json:"errors"`
}

// W7Query is one query of the mix, its latency and how many hits its
// first page held.
type W7Query struct {
	Query   string  `json:"query"`
	Hits    int     `json:"hits"`
	Latency Latency `json:"latency"`
}

// w7Words make the bodies: every message holds five of them, so each word
// is in about one message in eight, in every language.
var w7Words = []string{
	"invoice", "meeting", "shipment", "weekend", "birthday", "project", "holiday", "coffee",
	"会议纪要", "明天见面", "项目进度", "发票号码", "周末愉快", "生日快乐", "咖啡时间", "出差安排",
	"打ち合わせ", "お疲れ様です", "よろしくお願いします", "来週の予定",
	"안녕하세요", "회의록", "주말 잘 보내세요", "생일 축하해요",
	"delivery", "contract", "schedule", "report", "lunch", "flight", "budget", "review",
}

// w7Queries is the mix: common words in each script, a rare token (one
// message in a thousand), a two-character query (the bounded scan), and a
// word nobody wrote.
var w7Queries = []string{"invoice", "会议纪要", "お疲れ様", "회의록", "zq0417x", "会议", "nothing-like-this"}

func w7Body(i int) string {
	var b strings.Builder
	for k := 0; k < 5; k++ {
		// A fixed scramble of i, so runs are repeatable.
		w := w7Words[(i*7+k*13+i/len(w7Words))%len(w7Words)]
		b.WriteString(w)
		b.WriteByte(' ')
	}
	fmt.Fprintf(&b, "#%d zq%04dx", i, i%1000)
	return b.String()
}

func runW7(ctx context.Context, e *env) (*W7Result, error) {
	o := e.opts
	res := &W7Result{Messages: o.W7Messages, Searchers: o.W7Searchers}
	newUsers := e.users
	if o.W7Reuse {
		newUsers = func(ctx context.Context, tag string, n int, _ string) ([]*client, error) {
			return e.signIn(ctx, tag, n)
		}
	}
	users, err := newUsers(ctx, "w7u", 8, "user")
	if err != nil {
		return res, err
	}
	// Four conversations of the searcher (users[0]) and four it cannot read.
	pairs := [][2]int{{0, 1}, {0, 2}, {0, 3}, {0, 4}, {1, 2}, {3, 4}, {5, 6}, {6, 7}}
	type conv struct {
		id   int64
		a, b *client
	}
	var convs []conv
	for _, p := range pairs {
		a, b := users[p[0]], users[p[1]]
		if !o.W7Reuse {
			if err := befriend(ctx, a, b); err != nil {
				return res, err
			}
		}
		id, err := openDirect(ctx, a, b)
		if err != nil {
			return res, err
		}
		convs = append(convs, conv{id, a, b})
	}
	res.Conversations = len(convs)
	if o.W7Reuse {
		n, err := w7Stored(ctx, users, pairs)
		if err != nil {
			return res, err
		}
		res.Messages, res.Reused = n, true
		e.logf("W7: reusing %d messages seeded earlier; searching", n)
		return w7Search(ctx, res, o, users[0], convs[0].id, convs[1].id, convs[2].id, convs[3].id)
	}
	start := time.Now()
	var seeded atomic.Int64
	stop := seedProgress(e, "W7", &seeded, o.W7Messages, start, 10*time.Second)
	err = parallel(ctx, o.W7Messages, o.W7SeedWorkers, func(ctx context.Context, i int) error {
		c := convs[i%len(convs)]
		sender := c.a
		if (i/len(convs))%2 == 1 {
			sender = c.b
		}
		body := map[string]string{"client_msg_id": fmt.Sprintf("w7.%d", i), "kind": "text", "body": w7Body(i)}
		if err := seedSend(ctx, sender, c.id, i, body); err != nil {
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
	e.logf("W7: seeded %d messages in %.1fs; searching", seeded.Load(), res.SeedSeconds)
	return w7Search(ctx, res, o, users[0], convs[0].id, convs[1].id, convs[2].id, convs[3].id)
}

// w7Stored is how many messages the W7 conversations hold: the sum of
// their last seqs, read by one member of each.
func w7Stored(ctx context.Context, users []*client, pairs [][2]int) (int, error) {
	n := 0
	for _, p := range pairs {
		var page struct {
			Items []struct {
				Kind    string `json:"kind"`
				LastSeq int64  `json:"last_seq"`
				Peer    *struct {
					ID int64 `json:"id"`
				} `json:"peer"`
			} `json:"items"`
		}
		if err := users[p[0]].do(ctx, "GET", "/api/v1/conversations?limit=50", nil, &page); err != nil {
			return 0, fmt.Errorf("list conversations: %w", err)
		}
		for _, it := range page.Items {
			if it.Peer != nil && it.Peer.ID == users[p[1]].userID {
				n += int(it.LastSeq)
			}
		}
	}
	return n, nil
}

// w7Search times the query mix by searcher, a member of the conversations
// readable (and of no other W7 conversation).
func w7Search(ctx context.Context, res *W7Result, o Options, searcher *client, readable ...int64) (*W7Result, error) {

	var (
		all      samples
		byQuery  = make([]samples, len(w7Queries))
		hits     = make([]atomic.Int64, len(w7Queries))
		errCount atomic.Int64
	)
	err := parallel(ctx, o.W7Searches, o.W7Searchers, func(ctx context.Context, i int) error {
		k := i % len(w7Queries)
		var page struct {
			Items []struct {
				ConversationID int64 `json:"conversation_id"`
			} `json:"items"`
		}
		t0 := time.Now()
		err := searcher.do(ctx, "GET", "/api/v1/search?limit=20&q="+url.QueryEscape(w7Queries[k]), nil, &page)
		d := time.Since(t0)
		if isStatus(err, http.StatusTooManyRequests) {
			return fmt.Errorf("search refused (429): start the server with PARLEY_SEARCH_LIMIT_PER_MINUTE raised")
		}
		if err != nil {
			errCount.Add(1)
			return err
		}
		for _, it := range page.Items {
			if !slices.Contains(readable, it.ConversationID) {
				return fmt.Errorf("search %q found conversation %d, which the searcher cannot read", w7Queries[k], it.ConversationID)
			}
		}
		all.add(d)
		byQuery[k].add(d)
		hits[k].Store(int64(len(page.Items)))
		return nil
	})
	res.Searches = int64(all.summary().Count)
	res.Search = all.summary()
	for k, q := range w7Queries {
		res.ByQuery = append(res.ByQuery, W7Query{Query: q, Hits: int(hits[k].Load()), Latency: byQuery[k].summary()})
	}
	res.Errors = errCount.Load()
	return res, err
}
