package support_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/store"
)

type stats struct {
	Conversations        int      `json:"conversations"`
	Missed               int      `json:"missed"`
	Resolved             int      `json:"resolved"`
	WaitMedianS          *float64 `json:"wait_median_s"`
	WaitP90S             *float64 `json:"wait_p90_s"`
	FirstResponseMedianS *float64 `json:"first_response_median_s"`
	FirstResponseP90S    *float64 `json:"first_response_p90_s"`
	ResolutionMedianS    *float64 `json:"resolution_median_s"`
	ResolutionP90S       *float64 `json:"resolution_p90_s"`
	Ratings              int      `json:"ratings"`
	CSATAverage          *float64 `json:"csat_average"`
}

type report struct {
	Totals stats `json:"totals"`
	Days   []struct {
		Date string `json:"date"`
		stats
	} `json:"days"`
	Agents []struct {
		AgentID              int64    `json:"agent_id"`
		Assigned             int      `json:"assigned"`
		Resolved             int      `json:"resolved"`
		FirstResponseMedianS *float64 `json:"first_response_median_s"`
		Ratings              int      `json:"ratings"`
		CSATAverage          *float64 `json:"csat_average"`
	} `json:"agents"`
}

func f(v float64) *float64 { return &v }

func eq(a, b *float64) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

// TestReportsMatchFiguresComputedByHand seeds the event log of five
// conversations over two days (a transfer, a reopen, a missed chat, an
// unanswered but resolved one) and checks every figure.
func TestReportsMatchFiguresComputedByHand(t *testing.T) {
	d := newDesk(t, 2, 2)
	A, B := d.agents[0].UserID, d.agents[1].UserID
	st := d.srv.App.Store
	ctx := context.Background()
	d1 := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	d2 := time.Date(2026, 1, 6, 9, 0, 0, 0, time.UTC)
	type ev struct {
		typ   string
		agent int64
		after int // seconds after creation
		value int64
	}
	seed := func(created time.Time, evs ...ev) {
		conv := &store.Conversation{Kind: "support", LastMessageAt: &created, CreatedAt: created, UpdatedAt: created}
		if err := st.CreateConversation(ctx, conv); err != nil {
			t.Fatal(err)
		}
		all := append([]ev{{typ: "created"}}, evs...)
		for _, e := range all {
			var agent *int64
			if e.agent != 0 {
				a := e.agent
				agent = &a
			}
			err := st.AddConversationEvent(ctx, &store.ConversationEvent{ConversationID: conv.ID, SiteID: d.site.ID, QueueID: d.queue,
				AgentID: agent, Type: e.typ, Value: e.value, At: created.Add(time.Duration(e.after) * time.Second)})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	seed(d1, ev{"assigned", A, 30, 0}, ev{"first_reply", A, 90, 0}, ev{"resolved", A, 600, 0}, ev{"rated", A, 700, 5})
	seed(d1.Add(time.Hour), ev{"assigned", A, 60, 0}, ev{"transferred", A, 100, 0}, ev{"assigned", B, 120, 0}, ev{"first_reply", B, 180, 0},
		ev{"resolved", B, 1200, 0}, ev{"reopened", 0, 1300, 0}, ev{"assigned", B, 1300, 0}, ev{"resolved", B, 2000, 0}, ev{"rated", B, 2100, 3})
	seed(d1.Add(2 * time.Hour))
	seed(d2, ev{"assigned", B, 20, 0}, ev{"first_reply", B, 40, 0}, ev{"resolved", B, 300, 0})
	seed(d2.Add(time.Hour), ev{"assigned", A, 5, 0}, ev{"resolved", A, 100, 0})

	var r report
	d.admin.Do("GET", fmt.Sprintf("/api/v1/sites/%d/reports?from=2026-01-01&to=2026-02-01", d.site.ID), nil, http.StatusOK, &r)
	want := stats{Conversations: 5, Missed: 2, Resolved: 4, WaitMedianS: f(20), WaitP90S: f(60), FirstResponseMedianS: f(90), FirstResponseP90S: f(180),
		ResolutionMedianS: f(300), ResolutionP90S: f(2000), Ratings: 2, CSATAverage: f(4)}
	got := r.Totals
	if got.Conversations != want.Conversations || got.Missed != want.Missed || got.Resolved != want.Resolved || got.Ratings != want.Ratings ||
		!eq(got.WaitMedianS, want.WaitMedianS) || !eq(got.WaitP90S, want.WaitP90S) || !eq(got.FirstResponseMedianS, want.FirstResponseMedianS) ||
		!eq(got.FirstResponseP90S, want.FirstResponseP90S) || !eq(got.ResolutionMedianS, want.ResolutionMedianS) ||
		!eq(got.ResolutionP90S, want.ResolutionP90S) || !eq(got.CSATAverage, want.CSATAverage) {
		t.Fatalf("totals %+v", describe(got))
	}
	// Every day of the range is there, quiet ones as zeros.
	if len(r.Days) != 31 || r.Days[0].Date != "2026-01-01" || r.Days[30].Date != "2026-01-31" {
		t.Fatalf("days %+v", r.Days)
	}
	if r.Days[4].Date != "2026-01-05" || r.Days[4].Conversations != 3 || r.Days[4].Missed != 1 || r.Days[4].Resolved != 2 ||
		r.Days[5].Date != "2026-01-06" || r.Days[5].Conversations != 2 || r.Days[5].Missed != 1 || r.Days[5].Resolved != 2 {
		t.Fatalf("days %+v", r.Days)
	}
	for i, day := range r.Days {
		if i != 4 && i != 5 && (day.Conversations != 0 || day.Missed != 0 || day.Resolved != 0 || day.WaitMedianS != nil) {
			t.Fatalf("quiet day %s: %+v", day.Date, day)
		}
	}
	agents := map[int64]int{}
	for i, a := range r.Agents {
		agents[a.AgentID] = i
	}
	a, b := r.Agents[agents[A]], r.Agents[agents[B]]
	if a.Assigned != 3 || a.Resolved != 2 || !eq(a.FirstResponseMedianS, f(90)) || a.Ratings != 1 || !eq(a.CSATAverage, f(5)) {
		t.Fatalf("agent A %+v", a)
	}
	if b.Assigned != 2 || b.Resolved != 2 || !eq(b.FirstResponseMedianS, f(40)) || b.Ratings != 1 || !eq(b.CSATAverage, f(3)) {
		t.Fatalf("agent B %+v", b)
	}
	// A range with nothing in it has nulls, not zeros, for times.
	var empty report
	d.admin.Do("GET", fmt.Sprintf("/api/v1/sites/%d/reports?from=2025-01-01&to=2025-02-01", d.site.ID), nil, http.StatusOK, &empty)
	if empty.Totals.Conversations != 0 || empty.Totals.WaitMedianS != nil || len(empty.Days) != 31 {
		t.Fatalf("empty range %+v, %d days", empty.Totals, len(empty.Days))
	}
	// Times that are not midnights: the days touched, to exclusive.
	var partial report
	d.admin.Do("GET", fmt.Sprintf("/api/v1/sites/%d/reports?from=2026-01-05T12:00:00Z&to=2026-01-07T00:00:00Z", d.site.ID), nil, http.StatusOK, &partial)
	if len(partial.Days) != 2 || partial.Days[0].Date != "2026-01-05" || partial.Days[1].Date != "2026-01-06" || partial.Days[1].Conversations != 2 {
		t.Fatalf("partial range days %+v", partial.Days)
	}
	if r := d.admin.Raw("GET", fmt.Sprintf("/api/v1/sites/%d/reports?from=yesterday", d.site.ID), nil); r.Status != http.StatusBadRequest {
		t.Fatalf("bad from: %d", r.Status)
	}
}

func describe(s stats) string {
	p := func(v *float64) string {
		if v == nil {
			return "nil"
		}
		return fmt.Sprint(*v)
	}
	return fmt.Sprintf("conv=%d missed=%d resolved=%d wait=%s/%s first=%s/%s res=%s/%s ratings=%d csat=%s", s.Conversations, s.Missed, s.Resolved,
		p(s.WaitMedianS), p(s.WaitP90S), p(s.FirstResponseMedianS), p(s.FirstResponseP90S), p(s.ResolutionMedianS), p(s.ResolutionP90S), s.Ratings, p(s.CSATAverage))
}

// TestReportsFollowTheRealFlow: the event log is written by the actions.
func TestReportsFollowTheRealFlow(t *testing.T) {
	d := newDesk(t, 1, 2)
	d.online(d.agents[0])
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv := v.Open(nil)
	v.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv.ID), map[string]string{"client_msg_id": "q", "body": "help"}, http.StatusCreated, nil)
	d.agents[0].SendText(conv.ID, "a", "here")
	d.agents[0].Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/resolve", conv.ID), nil, http.StatusOK, nil)
	v.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/rating", conv.ID), map[string]any{"score": 4}, http.StatusOK, nil)
	var r report
	d.admin.Do("GET", fmt.Sprintf("/api/v1/sites/%d/reports", d.site.ID), nil, http.StatusOK, &r)
	if r.Totals.Conversations != 1 || r.Totals.Missed != 0 || r.Totals.Resolved != 1 || r.Totals.Ratings != 1 || !eq(r.Totals.CSATAverage, f(4)) ||
		r.Totals.FirstResponseMedianS == nil || len(r.Agents) != 1 || r.Agents[0].Assigned != 1 {
		t.Fatalf("report of one real conversation: %s %+v", describe(r.Totals), r.Agents)
	}
	if r := d.agents[0].Raw("GET", fmt.Sprintf("/api/v1/sites/%d/reports", d.site.ID), nil); r.Status != http.StatusOK {
		t.Fatalf("the site's agent reading reports: %d", r.Status)
	}
}
