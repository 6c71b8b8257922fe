package support_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/jobs"
	"github.com/parley-chat/parley/internal/testkit"
)

func inbox(t *testing.T, c *testkit.Client, query string) []testkit.SupportConversation {
	t.Helper()
	var out struct {
		Items []testkit.SupportConversation `json:"items"`
	}
	c.Do("GET", "/api/v1/agent/conversations?limit=200&"+query, nil, http.StatusOK, &out)
	return out.Items
}

// TestTwoHundredVisitorsFiveAgents: 200 visitors arrive at once to 5 agents
// of capacity 3: exactly 15 are assigned, nobody over capacity, the other
// 185 wait in arrival order and are drained in that order.
func TestTwoHundredVisitorsFiveAgents(t *testing.T) {
	// Every visitor comes from the test's one address: lift the per-IP
	// session limit (tested in internal/httpapi).
	d := newDesk(t, 5, 3, testkit.WithConfig(func(c *config.Config) { c.WidgetSessionLimitPerIP = 100000 }))
	for _, a := range d.agents {
		d.online(a)
	}
	const n = 200
	visitors := make([]*testkit.Visitor, n)
	for i := range visitors {
		visitors[i], _ = d.srv.NewVisitor(d.site.PublicKey, nil)
	}
	var wg sync.WaitGroup
	for i := range visitors {
		wg.Add(1)
		go func(v *testkit.Visitor) {
			defer wg.Done()
			v.Open(nil)
		}(visitors[i])
	}
	wg.Wait()
	load := map[int64]int{}
	assigned := 0
	for _, a := range d.agents {
		mine := inbox(t, a, "view=mine")
		load[a.UserID] = len(mine)
		assigned += len(mine)
	}
	for id, l := range load {
		if l != 3 {
			t.Fatalf("agent %d has %d conversations, want 3 (loads %v)", id, l, load)
		}
	}
	queued := inbox(t, d.admin, "view=all&status=queued")
	if assigned != 15 || len(queued) != n-15 {
		t.Fatalf("%d assigned and %d queued, want 15 and %d", assigned, len(queued), n-15)
	}
	// Positions are 1..185 with no gap or duplicate.
	var positions []int
	for _, c := range queued {
		positions = append(positions, *c.QueuePosition)
	}
	sort.Ints(positions)
	for i, p := range positions {
		if p != i+1 {
			t.Fatalf("positions %v", positions)
		}
	}
	// Resolving drains the queue in arrival (position) order.
	byPos := map[int]int64{}
	for _, c := range queued {
		byPos[*c.QueuePosition] = c.ID
	}
	for round := 0; round < 3; round++ {
		for _, a := range d.agents {
			mine := inbox(t, a, "view=mine")
			a.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/resolve", mine[0].ID), nil, http.StatusOK, nil)
		}
		for pos := round*5 + 1; pos <= round*5+5; pos++ {
			if got := d.conversation(d.admin, byPos[pos]); got.Status != "assigned" {
				t.Fatalf("round %d: the conversation at position %d is %s", round, pos, got.Status)
			}
		}
		if got := d.conversation(d.admin, byPos[round*5+6]); got.Status != "queued" || *got.QueuePosition != 1 {
			t.Fatalf("round %d: the next in line is %+v, want queued at position 1", round, got)
		}
	}
}

func TestUnansweredAssignmentMovesToTheNextAgent(t *testing.T) {
	d := newDesk(t, 2, 1)
	d.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/queues", d.site.ID), map[string]any{"name": "Fast", "assign_timeout_s": 1}, http.StatusCreated, nil)
	var s site
	d.admin.Do("GET", fmt.Sprintf("/api/v1/sites/%d", d.site.ID), nil, http.StatusOK, &s)
	fast := s.Queues[1].ID
	for _, a := range d.agents {
		d.admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", fast, a.UserID), map[string]int{"capacity": 1}, http.StatusNoContent, nil)
	}
	d.online(d.agents[0])
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv := v.Open(map[string]any{"queue_id": fast})
	if conv.AssigneeID() != d.agents[0].UserID {
		t.Fatalf("first assignment %+v", conv)
	}
	d.online(d.agents[1])
	deadline := time.Now().Add(15 * time.Second)
	for d.conversation(d.admin, conv.ID).AssigneeID() != d.agents[1].UserID {
		if time.Now().After(deadline) {
			t.Fatalf("still with the first agent: %+v", d.conversation(d.admin, conv.ID))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if h := bodiesOf(d.agents[1].History(conv.ID, "after_seq=0")); !strings.Contains(h, "No answer in time") {
		t.Fatalf("no system message for the move:\n%s", h)
	}
	// Answered assignments stay put.
	d.agents[1].SendText(conv.ID, "hi", "Hello! I'm here.")
	d.srv.WaitJobs(jobs.TypeAssignTimeout) // its time-out ran
	if got := d.conversation(d.admin, conv.ID); got.AssigneeID() != d.agents[1].UserID {
		t.Fatalf("an answered conversation moved: %+v", got)
	}
}

func TestReturningVisitorGoesBackToTheirAgent(t *testing.T) {
	d := newDesk(t, 2, 3)
	d.online(d.agents[0])
	d.online(d.agents[1])
	first, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	c1 := first.Open(nil) // agent 0
	second, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	c2 := second.Open(nil) // agent 1
	if c1.AssigneeID() != d.agents[0].UserID || c2.AssigneeID() != d.agents[1].UserID {
		t.Fatalf("setup: %+v %+v", c1, c2)
	}
	d.agents[1].Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/resolve", c2.ID), nil, http.StatusOK, nil)
	// Idle longest would pick agent 0; the returning visitor gets agent 1.
	again := second.Open(nil)
	if again.ID == c2.ID || again.AssigneeID() != d.agents[1].UserID {
		t.Fatalf("returning visitor's new conversation %+v, want agent %d", again, d.agents[1].UserID)
	}
}

func TestAgentActionsRatingAndPermissions(t *testing.T) {
	d := newDesk(t, 2, 2)
	a0, a1 := d.agents[0], d.agents[1]
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv := v.Open(nil)
	if conv.Status != "queued" {
		t.Fatalf("with nobody online the conversation waits: %+v", conv)
	}
	if got := inbox(t, a0, "view=queued"); len(got) != 1 || got[0].ID != conv.ID {
		t.Fatalf("queued view %+v", got)
	}
	a0.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/claim", conv.ID), nil, http.StatusOK, nil)
	r := a0.Raw("POST", fmt.Sprintf("/api/v1/support/conversations/%d/transfer", conv.ID), map[string]int64{"agent_id": a1.UserID})
	if r.Status != http.StatusConflict || r.ErrorCode() != "agent_offline" {
		t.Fatalf("transfer to an offline agent: %d %s", r.Status, r.Body)
	}
	d.online(a1)
	a0.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/transfer", conv.ID), map[string]int64{"agent_id": a1.UserID}, http.StatusOK, nil)
	if got := d.conversation(d.admin, conv.ID); got.AssigneeID() != a1.UserID {
		t.Fatalf("after transfer %+v", got)
	}
	if r := v.Raw("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/rating", conv.ID), map[string]any{"score": 5}); r.Status != http.StatusConflict {
		t.Fatalf("rating before resolution: %d", r.Status)
	}
	a1.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/resolve", conv.ID), nil, http.StatusOK, nil)
	if r := a1.Raw("POST", fmt.Sprintf("/api/v1/support/conversations/%d/resolve", conv.ID), nil); r.Status != http.StatusConflict {
		t.Fatalf("resolving twice: %d", r.Status)
	}
	var rated testkit.SupportConversation
	v.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/rating", conv.ID), map[string]any{"score": 4, "comment": "quick"}, http.StatusOK, &rated)
	if rated.Rating == nil || *rated.Rating != 4 {
		t.Fatalf("rated %+v", rated)
	}
	if r := v.Raw("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/rating", conv.ID), map[string]any{"score": 1}); r.Status != http.StatusConflict {
		t.Fatalf("rating twice: %d", r.Status)
	}
	// The visitor writing again reopens the chat.
	v.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv.ID), map[string]string{"client_msg_id": "again", "body": "one more thing"}, http.StatusCreated, nil)
	if got := d.conversation(d.admin, conv.ID); got.Status != "assigned" {
		t.Fatalf("after the visitor wrote again: %+v", got)
	}
	history := bodiesOf(a1.History(conv.ID, "after_seq=0"))
	for _, want := range []string{"transferred the conversation to Agent 1", "resolved the conversation"} {
		if !strings.Contains(history, want) {
			t.Errorf("history lacks %q:\n%s", want, history)
		}
	}
	// Another site's agent and another visitor get nothing.
	var other site
	d.admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Other"}, http.StatusCreated, &other)
	d.admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": "stranger", "email": "stranger@example.com", "password": "password-stranger", "role": "agent", "verified": true}, http.StatusCreated, nil)
	stranger := d.srv.Login("stranger", "password-stranger")
	d.admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", other.Queues[0].ID, stranger.UserID), map[string]int{"capacity": 1}, http.StatusNoContent, nil)
	if r := stranger.Raw("POST", fmt.Sprintf("/api/v1/support/conversations/%d/claim", conv.ID), nil); r.Status != http.StatusForbidden {
		t.Fatalf("agent of another site claiming: %d", r.Status)
	}
	if r := stranger.Raw("GET", fmt.Sprintf("/api/v1/conversations/%d/messages", conv.ID), nil); r.Status != http.StatusNotFound {
		t.Fatalf("agent of another site reading: %d", r.Status)
	}
	intruder, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	if r := intruder.Raw("GET", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv.ID), nil); r.Status != http.StatusNotFound {
		t.Fatalf("another visitor reading: %d", r.Status)
	}
	if r := intruder.Raw("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv.ID), map[string]string{"client_msg_id": "i", "body": "hi"}); r.Status != http.StatusNotFound {
		t.Fatalf("another visitor writing: %d", r.Status)
	}
	if r := a0.Raw("POST", "/api/v1/sites", map[string]string{"name": "Mine"}); r.Status != http.StatusForbidden {
		t.Fatalf("agent creating a site: %d", r.Status)
	}
}

func TestTransferToAFullAgentAndSocketsFromForeignOrigins(t *testing.T) {
	d := newDesk(t, 2, 1)
	d.online(d.agents[0])
	d.online(d.agents[1])
	v1, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	c1 := v1.Open(nil)
	v2, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	c2 := v2.Open(nil)
	if c1.AssigneeID() == c2.AssigneeID() || c1.AssigneeID() == 0 || c2.AssigneeID() == 0 {
		t.Fatalf("setup: %+v %+v", c1, c2)
	}
	owner := d.agents[0]
	if c1.AssigneeID() != owner.UserID {
		owner = d.agents[1]
	}
	other := d.agents[0]
	if other == owner {
		other = d.agents[1]
	}
	r := owner.Raw("POST", fmt.Sprintf("/api/v1/support/conversations/%d/transfer", c1.ID), map[string]int64{"agent_id": other.UserID})
	if r.Status != http.StatusConflict || r.ErrorCode() != "agent_at_capacity" {
		t.Fatalf("transfer to a full agent: %d %s", r.Status, r.Body)
	}
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/sites/%d", d.site.ID), map[string]any{"allowed_origins": []string{"https://shop.example"}}, http.StatusOK, nil)
	if _, resp, err := v1.DialRaw(v1.Ticket(), http.Header{"Origin": {"https://evil.example"}}); err == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("visitor socket from a foreign origin: %v", err)
	}
	conn, resp, err := v1.DialRaw(v1.Ticket(), http.Header{"Origin": {"https://shop.example"}})
	if err != nil {
		t.Fatalf("visitor socket from an allowed origin: %v (%v)", err, resp)
	}
	conn.Close()
}
