package support_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/testkit"
)

func TestQueueSLATargets(t *testing.T) {
	d := newDesk(t, 1, 1)
	path := fmt.Sprintf("/api/v1/queues/%d", d.queue)
	var q struct {
		FirstResponseTargetS *int `json:"first_response_target_s"`
		ResolutionTargetS    *int `json:"resolution_target_s"`
	}
	d.admin.Do("PATCH", path, map[string]any{"first_response_target_s": 60, "resolution_target_s": 600}, http.StatusOK, &q)
	if q.FirstResponseTargetS == nil || *q.FirstResponseTargetS != 60 || *q.ResolutionTargetS != 600 {
		t.Fatalf("targets %+v", q)
	}
	d.admin.Do("PATCH", path, map[string]any{"resolution_target_s": nil}, http.StatusOK, &q)
	if q.FirstResponseTargetS == nil || q.ResolutionTargetS != nil {
		t.Fatalf("after null %+v", q)
	}
	for _, bad := range []any{0, -1, 2592001, "60", 1.5} {
		if r := d.admin.Raw("PATCH", path, map[string]any{"first_response_target_s": bad}); r.Status != 400 {
			t.Fatalf("%v: %d %s", bad, r.Status, r.Body)
		}
	}
	if r := d.agents[0].Raw("PATCH", path, map[string]any{"first_response_target_s": 60}); r.Status != 403 {
		t.Fatalf("agent: %d", r.Status)
	}
}

// TestSLABreachesInViewsAndReports runs three conversations on a fake
// clock against a 60 s first-response and 300 s resolution target: one
// answered and resolved in time, one answered late, one never answered
// nor resolved.
func TestSLABreachesInViewsAndReports(t *testing.T) {
	d := newDesk(t, 1, 5, testkit.WithFakeClock())
	agent := d.agents[0]
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/queues/%d", d.queue), map[string]any{"first_response_target_s": 60, "resolution_target_s": 300}, http.StatusOK, nil)
	d.online(agent)
	start := d.srv.Clock.Now().UTC()
	_, ok := d.vera("https://acme.example/ok")
	_, late := d.vera("https://acme.example/late")
	_, never := d.vera("https://acme.example/never")

	agent.SendText(ok.ID, "ok-1", "Hello")
	d.admin.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/resolve", ok.ID), nil, http.StatusOK, nil)
	c := d.label2(agent, never.ID)
	if c.SLA == nil || c.SLA.FirstResponseDueAt == nil || !c.SLA.FirstResponseDueAt.Equal(start.Add(60*time.Second).Truncate(time.Second)) && c.SLA.FirstResponseDueAt.Sub(start) > 61*time.Second {
		t.Fatalf("due %+v", c.SLA)
	}
	if c.SLA.FirstResponseBreached || c.SLA.ResolutionBreached {
		t.Fatalf("breached before due %+v", c.SLA)
	}
	d.srv.Advance(90 * time.Second)
	agent.SendText(late.ID, "late-1", "Sorry for the wait")
	if c := d.label2(agent, never.ID); !c.SLA.FirstResponseBreached || c.SLA.ResolutionBreached {
		t.Fatalf("never, at 90 s: %+v", c.SLA)
	}
	if c := d.label2(agent, late.ID); !c.SLA.FirstResponseBreached {
		t.Fatalf("late: %+v", c.SLA)
	}
	if c := d.label2(agent, ok.ID); c.SLA.FirstResponseBreached || c.SLA.ResolutionBreached {
		t.Fatalf("ok: %+v", c.SLA)
	}
	d.srv.Advance(5 * time.Minute)
	if c := d.label2(agent, late.ID); !c.SLA.ResolutionBreached {
		t.Fatalf("late, at 6.5 min: %+v", c.SLA)
	}

	var r struct {
		Totals struct {
			FirstResponseBreaches int `json:"first_response_breaches"`
			ResolutionBreaches    int `json:"resolution_breaches"`
		} `json:"totals"`
		Days []struct {
			Date                  string `json:"date"`
			FirstResponseBreaches int    `json:"first_response_breaches"`
			ResolutionBreaches    int    `json:"resolution_breaches"`
		} `json:"days"`
		Agents []struct {
			AgentID               int64 `json:"agent_id"`
			FirstResponseBreaches int   `json:"first_response_breaches"`
			ResolutionBreaches    int   `json:"resolution_breaches"`
		} `json:"agents"`
	}
	from, to := start.Add(-time.Hour).Format(time.RFC3339), start.Add(time.Hour).Format(time.RFC3339)
	d.admin.Do("GET", fmt.Sprintf("/api/v1/sites/%d/reports?from=%s&to=%s", d.site.ID, from, to), nil, http.StatusOK, &r)
	if r.Totals.FirstResponseBreaches != 2 || r.Totals.ResolutionBreaches != 2 {
		t.Fatalf("totals %+v", r.Totals)
	}
	day := start.Format("2006-01-02")
	found := false
	for _, dd := range r.Days {
		if dd.Date == day {
			found = dd.FirstResponseBreaches == 2 && dd.ResolutionBreaches == 2
		}
	}
	if !found {
		t.Fatalf("days %+v", r.Days)
	}
	if len(r.Agents) != 1 || r.Agents[0].AgentID != agent.UserID || r.Agents[0].FirstResponseBreaches != 2 || r.Agents[0].ResolutionBreaches != 2 {
		t.Fatalf("agents %+v", r.Agents)
	}
}

func TestReportsCountLabels(t *testing.T) {
	d := newDesk(t, 1, 5, testkit.WithFakeClock())
	agent := d.agents[0]
	d.online(agent)
	vip, bug := d.label("VIP", "#ff0000"), d.label("Bug", "#00ff00")
	start := d.srv.Clock.Now().UTC()
	_, c1 := d.vera("https://acme.example/1")
	_, c2 := d.vera("https://acme.example/2")
	agent.Do("POST", "/api/v1/support/conversations/labels", map[string]any{"conversation_ids": []int64{c1.ID, c2.ID}, "add": []int64{vip.ID}}, http.StatusOK, nil)
	agent.Do("PUT", fmt.Sprintf("/api/v1/support/conversations/%d/labels", c2.ID), map[string]any{"label_ids": []int64{vip.ID, bug.ID}}, http.StatusOK, nil)
	d.srv.Advance(2 * time.Minute)
	_, c3 := d.vera("https://acme.example/3") // after the range
	agent.Do("PUT", fmt.Sprintf("/api/v1/support/conversations/%d/labels", c3.ID), map[string]any{"label_ids": []int64{bug.ID}}, http.StatusOK, nil)

	var r struct {
		Labels []struct {
			LabelID       int64  `json:"label_id"`
			Name          string `json:"name"`
			Conversations int    `json:"conversations"`
		} `json:"labels"`
	}
	from, to := start.Add(-time.Hour).Format(time.RFC3339), start.Add(time.Minute).Format(time.RFC3339)
	d.admin.Do("GET", fmt.Sprintf("/api/v1/sites/%d/reports?from=%s&to=%s", d.site.ID, from, to), nil, http.StatusOK, &r)
	if len(r.Labels) != 2 || r.Labels[0].Name != "VIP" || r.Labels[0].Conversations != 2 || r.Labels[1].Name != "Bug" || r.Labels[1].Conversations != 1 {
		t.Fatalf("labels %+v", r.Labels)
	}
	// Each label added was logged as a conversation event.
	events, err := d.srv.App.Store.ConversationEventsForReport(t.Context(), d.site.ID, start.Add(-time.Hour), start.Add(time.Hour))
	n := 0
	for _, e := range events {
		if e.ConversationID == c2.ID && e.Type == "labelled" && e.AgentID != nil && *e.AgentID == agent.UserID {
			n++
		}
	}
	if err != nil || n != 2 {
		t.Fatalf("labelled events of c2: %d %v", n, err)
	}
}

// dueAt fails unless got is want (to the database's microsecond), or both
// are nil.
func dueAt(t *testing.T, what string, got *time.Time, want *time.Time) {
	t.Helper()
	if got == nil || want == nil {
		if got != want {
			t.Fatalf("%s: due %v, want %v", what, got, want)
		}
		return
	}
	if d := got.Sub(*want); d > time.Millisecond || d < -time.Millisecond {
		t.Fatalf("%s: due %v, want %v", what, *got, *want)
	}
}

func at(t time.Time, d time.Duration) *time.Time {
	out := t.Add(d)
	return &out
}

func (d *desk) queueWithTargets(name string, firstS, resolutionS any) int64 {
	var q struct {
		ID int64 `json:"id"`
	}
	d.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/queues", d.site.ID), map[string]any{"name": name}, http.StatusCreated, &q)
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/queues/%d", q.ID), map[string]any{"first_response_target_s": firstS, "resolution_target_s": resolutionS}, http.StatusOK, nil)
	return q.ID
}

// TestSLAFollowsATransferToAnotherQueue: the due times are the new
// queue's targets from the conversation's creation, in the views and in
// the frame the transfer sends.
func TestSLAFollowsATransferToAnotherQueue(t *testing.T) {
	d := newDesk(t, 1, 5, testkit.WithFakeClock())
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/queues/%d", d.queue), map[string]any{"first_response_target_s": 60, "resolution_target_s": 600}, http.StatusOK, nil)
	slow := d.queueWithTargets("Slow", 300, 3600)
	none := d.queueWithTargets("Untimed", nil, nil)
	start := d.srv.Clock.Now().UTC()
	_, c := d.vera("https://acme.example/a") // nobody online: it waits
	dueAt(t, "first, opened", d.label2(d.admin, c.ID).SLA.FirstResponseDueAt, at(start, time.Minute))

	d.srv.Advance(90 * time.Second) // past the first queue's first-response target
	ws := d.admin.Dial()
	d.admin.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/transfer", c.ID), map[string]int64{"queue_id": slow}, http.StatusOK, nil)
	var f struct {
		Event        string   `json:"event"`
		Conversation labelled `json:"conversation"`
	}
	ws.ReadType("conversation", 10*time.Second).Decode(t, &f)
	if f.Event != "queued" || f.Conversation.ID != c.ID || f.Conversation.SLA == nil {
		t.Fatalf("frame %+v", f)
	}
	dueAt(t, "first, in the frame", f.Conversation.SLA.FirstResponseDueAt, at(start, 5*time.Minute))
	dueAt(t, "resolution, in the frame", f.Conversation.SLA.ResolutionDueAt, at(start, time.Hour))
	got := d.label2(d.admin, c.ID).SLA
	dueAt(t, "first", got.FirstResponseDueAt, at(start, 5*time.Minute))
	dueAt(t, "resolution", got.ResolutionDueAt, at(start, time.Hour))
	if got.FirstResponseBreached || got.ResolutionBreached {
		t.Fatalf("breached by the old targets %+v", got)
	}

	// A queue without targets: nothing is due any more.
	d.admin.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/transfer", c.ID), map[string]int64{"queue_id": none}, http.StatusOK, nil)
	got = d.label2(d.admin, c.ID).SLA
	dueAt(t, "first, untimed", got.FirstResponseDueAt, nil)
	dueAt(t, "resolution, untimed", got.ResolutionDueAt, nil)
	// And back to timed: from the creation again.
	d.admin.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/transfer", c.ID), map[string]int64{"queue_id": d.queue}, http.StatusOK, nil)
	got = d.label2(d.admin, c.ID).SLA
	dueAt(t, "first, back", got.FirstResponseDueAt, at(start, time.Minute))
	dueAt(t, "resolution, back", got.ResolutionDueAt, at(start, 10*time.Minute))
	if !got.FirstResponseBreached || got.ResolutionBreached {
		t.Fatalf("back in the first queue at 90 s %+v", got)
	}
}

// TestSLAOfABotConversationRunsFromItsHandoff: a bot conversation's first
// response is due from its hand-off, in its queue and in the next one.
func TestSLAOfABotConversationRunsFromItsHandoff(t *testing.T) {
	d := newBotDesk(t, 1, testkit.WithFakeClock())
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/queues/%d", d.queue), map[string]any{"first_response_target_s": 60, "resolution_target_s": 600}, http.StatusOK, nil)
	slow := d.queueWithTargets("Slow", 300, 3600)
	start := d.srv.Clock.Now().UTC()
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv := v.Open(nil)

	// With the bot, a change of targets moves only the resolution.
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/queues/%d", d.queue), map[string]any{"resolution_target_s": 900}, http.StatusOK, nil)
	got := d.label2(d.admin, conv.ID).SLA
	dueAt(t, "first, with the bot", got.FirstResponseDueAt, nil)
	dueAt(t, "resolution, with the bot", got.ResolutionDueAt, at(start, 15*time.Minute))

	d.srv.Advance(100 * time.Second)
	v.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/handoff", conv.ID), nil, http.StatusOK, nil)
	handoff := start.Add(100 * time.Second)
	dueAt(t, "first, handed off", d.label2(d.admin, conv.ID).SLA.FirstResponseDueAt, at(handoff, time.Minute))

	d.srv.Advance(10 * time.Second)
	d.admin.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/transfer", conv.ID), map[string]int64{"queue_id": slow}, http.StatusOK, nil)
	got = d.label2(d.admin, conv.ID).SLA
	dueAt(t, "first, transferred", got.FirstResponseDueAt, at(handoff, 5*time.Minute))
	dueAt(t, "resolution, transferred", got.ResolutionDueAt, at(start, time.Hour))

	// Transferred while its bot still has it, the hand-off is the transfer.
	v2, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv2 := v2.Open(nil)
	if conv2.Status != "bot" {
		t.Fatalf("second %+v", conv2)
	}
	d.srv.Advance(20 * time.Second)
	moved := d.srv.Clock.Now().UTC()
	d.admin.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/transfer", conv2.ID), map[string]int64{"queue_id": slow}, http.StatusOK, nil)
	got = d.label2(d.admin, conv2.ID).SLA
	dueAt(t, "first of the second", got.FirstResponseDueAt, at(moved, 5*time.Minute))
	dueAt(t, "resolution of the second", got.ResolutionDueAt, at(moved.Add(-20*time.Second), time.Hour))
}

// TestSLAFollowsAChangeOfTheQueuesTargets: the open conversations of the
// queue are due by its new targets; one answered keeps its first-response
// due time, a resolved one and another queue's keep theirs.
func TestSLAFollowsAChangeOfTheQueuesTargets(t *testing.T) {
	d := newDesk(t, 1, 5, testkit.WithFakeClock())
	agent := d.agents[0]
	path := fmt.Sprintf("/api/v1/queues/%d", d.queue)
	d.admin.Do("PATCH", path, map[string]any{"first_response_target_s": 60, "resolution_target_s": 600}, http.StatusOK, nil)
	other := d.queueWithTargets("Other", 60, 600)
	start := d.srv.Clock.Now().UTC()
	_, waiting := d.vera("https://acme.example/waiting")
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	elsewhere := v.Open(map[string]any{"queue_id": other})
	d.online(agent)
	_, answered := d.vera("https://acme.example/answered")
	if d.conversation(d.admin, answered.ID).AssigneeID() != agent.UserID {
		t.Fatalf("answered not assigned: %+v", d.conversation(d.admin, answered.ID))
	}
	agent.SendText(answered.ID, "a-1", "Hello")
	_, done := d.vera("https://acme.example/done")
	d.admin.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/resolve", done.ID), nil, http.StatusOK, nil)

	d.srv.Advance(90 * time.Second)
	if !d.label2(d.admin, waiting.ID).SLA.FirstResponseBreached {
		t.Fatalf("not breached at 90 s of 60")
	}
	d.admin.Do("PATCH", path, map[string]any{"first_response_target_s": 120, "resolution_target_s": 1800}, http.StatusOK, nil)
	got := d.label2(d.admin, waiting.ID).SLA
	dueAt(t, "waiting, first", got.FirstResponseDueAt, at(start, 2*time.Minute))
	dueAt(t, "waiting, resolution", got.ResolutionDueAt, at(start, 30*time.Minute))
	if got.FirstResponseBreached {
		t.Fatalf("breached by the old target %+v", got)
	}
	got = d.label2(d.admin, answered.ID).SLA
	dueAt(t, "answered, first", got.FirstResponseDueAt, at(start, time.Minute))
	dueAt(t, "answered, resolution", got.ResolutionDueAt, at(start, 30*time.Minute))
	got = d.label2(d.admin, done.ID).SLA
	dueAt(t, "resolved, resolution", got.ResolutionDueAt, at(start, 10*time.Minute))
	got = d.label2(d.admin, elsewhere.ID).SLA
	dueAt(t, "other queue, first", got.FirstResponseDueAt, at(start, time.Minute))

	// Targets removed: nothing is due; set again: from the creation.
	d.admin.Do("PATCH", path, map[string]any{"first_response_target_s": nil, "resolution_target_s": nil}, http.StatusOK, nil)
	got = d.label2(d.admin, waiting.ID).SLA
	dueAt(t, "waiting, first, none", got.FirstResponseDueAt, nil)
	dueAt(t, "waiting, resolution, none", got.ResolutionDueAt, nil)
	d.admin.Do("PATCH", path, map[string]any{"first_response_target_s": 30}, http.StatusOK, nil)
	got = d.label2(d.admin, waiting.ID).SLA
	dueAt(t, "waiting, first, again", got.FirstResponseDueAt, at(start, 30*time.Second))
	if !got.FirstResponseBreached {
		t.Fatalf("not breached at 90 s of 30 %+v", got)
	}
}
