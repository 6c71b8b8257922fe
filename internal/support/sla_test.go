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
