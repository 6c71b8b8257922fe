package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/testkit"
)

type checklist struct {
	Steps []struct {
		ID   string `json:"id"`
		Done bool   `json:"done"`
	} `json:"steps"`
	Done    bool   `json:"done"`
	DemoURL string `json:"demo_url"`
}

// done lists the steps done, in order.
func (c checklist) done() []string {
	out := []string{}
	for _, s := range c.Steps {
		if s.Done {
			out = append(out, s.ID)
		}
	}
	return out
}

func TestSetupChecklistFollowsWhatTheAdminDid(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	read := func() checklist {
		t.Helper()
		var c checklist
		admin.Do("GET", "/api/v1/setup/checklist", nil, http.StatusOK, &c)
		return c
	}
	want := func(steps ...string) {
		t.Helper()
		c := read()
		if got := c.done(); !slices.Equal(got, steps) || c.Done != (len(steps) == 5) {
			t.Fatalf("steps done %v (all: %v), want %v", got, c.Done, steps)
		}
	}
	c := read()
	ids := []string{}
	for _, s := range c.Steps {
		ids = append(ids, s.ID)
	}
	if !slices.Equal(ids, []string{"create_site", "join_queue", "go_online", "paste_snippet", "test_message"}) || c.DemoURL != srv.URL+"/demo" {
		t.Fatalf("checklist: %+v", c)
	}
	want()

	bob := srv.NewUser(admin, "bob")
	if r := bob.Raw("GET", "/api/v1/setup/checklist", nil); r.Status != http.StatusForbidden {
		t.Fatalf("a user reads the checklist: %d", r.Status)
	}

	var site struct {
		ID        int64  `json:"id"`
		PublicKey string `json:"public_key"`
		Queues    []struct {
			ID int64 `json:"id"`
		} `json:"queues"`
	}
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Shop"}, http.StatusCreated, &site)
	want("create_site")
	admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", site.Queues[0].ID, admin.UserID), map[string]int{"capacity": 5}, http.StatusNoContent, nil)
	want("create_site", "join_queue")
	admin.Do("PUT", "/api/v1/agent/status", map[string]string{"status": "online"}, http.StatusOK, nil)
	want("create_site", "join_queue", "go_online")

	// A chat from the demo page is the test message, not a pasted snippet.
	v, _ := srv.NewVisitor(site.PublicKey, map[string]any{"page_url": srv.URL + "/demo"})
	conv := v.Open(nil)
	want("create_site", "join_queue", "go_online")
	v.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv.ID), map[string]string{"client_msg_id": "t1", "body": "Testing"}, http.StatusCreated, nil)
	want("create_site", "join_queue", "go_online", "test_message")

	// The widget opened on a host page of another origin: the snippet is live.
	srv.NewVisitor(site.PublicKey, map[string]any{"page_url": "https://shop.example.com/pricing"})
	want("create_site", "join_queue", "go_online", "paste_snippet", "test_message")

	admin.Do("PUT", "/api/v1/agent/status", map[string]string{"status": "away"}, http.StatusOK, nil)
	want("create_site", "join_queue", "paste_snippet", "test_message")
}

func TestAgentStatusIsReadBackAndSentToTheAgentsOtherSockets(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": "ada", "email": "ada@example.com",
		"password": "password-ada", "nickname": "Ada", "role": "agent", "verified": true}, http.StatusCreated, nil)
	tab1 := srv.Login("ada", "password-ada")
	tab2 := srv.Login("ada", "password-ada")
	var st struct {
		Status    string `json:"status"`
		Connected bool   `json:"connected"`
	}
	tab1.Do("GET", "/api/v1/agent/status", nil, http.StatusOK, &st)
	if st.Status != "offline" {
		t.Fatalf("a new agent's status: %q", st.Status)
	}
	ws1, ws2 := tab1.Dial(), tab2.Dial()
	other := admin.Dial()
	tab1.Do("PUT", "/api/v1/agent/status", map[string]string{"status": "online"}, http.StatusOK, nil)
	for i, ws := range []*testkit.WS{ws1, ws2} {
		var f struct {
			Status string `json:"status"`
		}
		ws.ReadType("agent_status", 5*time.Second).Decode(t, &f)
		if f.Status != "online" {
			t.Fatalf("socket %d: agent_status %q", i+1, f.Status)
		}
	}
	// Another device signing in reads what the first one chose.
	device := srv.Login("ada", "password-ada")
	device.Do("GET", "/api/v1/agent/status", nil, http.StatusOK, &st)
	if st.Status != "online" || !st.Connected {
		t.Fatalf("read back on another device: %+v", st)
	}
	device.Do("PUT", "/api/v1/agent/status", map[string]string{"status": "away"}, http.StatusOK, nil)
	for i, ws := range []*testkit.WS{ws1, ws2} {
		var f struct {
			Status string `json:"status"`
		}
		ws.ReadType("agent_status", 5*time.Second).Decode(t, &f)
		if f.Status != "away" {
			t.Fatalf("socket %d after the other device: agent_status %q", i+1, f.Status)
		}
	}
	// The admin's socket is not the agent's: a ping answered after both
	// changes proves no agent_status was queued for it.
	other.Send(map[string]string{"type": "ping"})
	other.NoFrameBefore(testkit.OfType("agent_status"), testkit.OfType("pong"))
	if r := tab1.Raw("PUT", "/api/v1/agent/status", map[string]string{"status": "busy"}); r.Status != http.StatusBadRequest && r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("unknown status: %d %s", r.Status, r.Body)
	}
}

func TestQueueAgentsCarryNameStatusAndLoad(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": "ada", "email": "ada@example.com",
		"password": "password-ada", "nickname": "Ada Lovelace", "role": "agent", "verified": true}, http.StatusCreated, nil)
	ada := srv.Login("ada", "password-ada")
	var site struct {
		ID        int64  `json:"id"`
		PublicKey string `json:"public_key"`
		Queues    []struct {
			ID int64 `json:"id"`
		} `json:"queues"`
	}
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Shop"}, http.StatusCreated, &site)
	admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", site.Queues[0].ID, ada.UserID), map[string]int{"capacity": 3}, http.StatusNoContent, nil)
	ws := ada.Dial()
	defer ws.Conn.Close()
	ada.Do("PUT", "/api/v1/agent/status", map[string]string{"status": "online"}, http.StatusOK, nil)
	v, _ := srv.NewVisitor(site.PublicKey, nil)
	conv := v.Open(nil)
	v.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv.ID), map[string]string{"client_msg_id": "v1", "body": "Hello"}, http.StatusCreated, nil)

	type agentView struct {
		UserID    int64  `json:"user_id"`
		Name      string `json:"name"`
		Capacity  int    `json:"capacity"`
		Status    string `json:"status"`
		Load      int    `json:"load"`
		Connected bool   `json:"connected"`
	}
	var got struct {
		Queues []struct {
			Agents []agentView `json:"agents"`
		} `json:"queues"`
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		ada.Do("GET", fmt.Sprintf("/api/v1/sites/%d", site.ID), nil, http.StatusOK, &got)
		if a := got.Queues[0].Agents; len(a) == 1 && a[0].Load == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue agents: %+v", got.Queues[0].Agents)
		}
		time.Sleep(20 * time.Millisecond)
	}
	a := got.Queues[0].Agents[0]
	if (a != agentView{UserID: ada.UserID, Name: "Ada Lovelace", Capacity: 3, Status: "online", Load: 1, Connected: true}) {
		t.Fatalf("queue agent: %+v", a)
	}
}

func TestSelfRegistrationAndSiteUpdatesAreLoggedAsTheyHappened(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	srv.Client().Do("POST", "/api/v1/auth/register", map[string]string{"username": "newcomer", "email": "newcomer@example.com", "password": "a long passphrase"}, http.StatusCreated, nil)
	var page auditPage
	admin.Do("GET", "/api/v1/admin/audit-log?action=user.create", nil, http.StatusOK, &page)
	if len(page.Items) != 1 {
		t.Fatalf("user.create entries: %+v", page.Items)
	}
	e := page.Items[0]
	if e.Actor == nil || e.Actor.Username != "newcomer" || e.Actor.ID != e.TargetID || e.Detail["source"] != "self_registration" || e.IP == "" {
		t.Fatalf("self-registration entry: %+v (actor %+v)", e, e.Actor)
	}

	var site struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Shop"}, http.StatusCreated, &site)
	var full map[string]any
	admin.Do("GET", fmt.Sprintf("/api/v1/sites/%d", site.ID), nil, http.StatusOK, &full)
	// A form sends every field back; only the colour differs.
	patch := map[string]any{"color": "#112233"}
	for _, k := range []string{"name", "allowed_origins", "greeting", "away_message", "business_hours", "time_zone", "prechat_fields", "require_identity"} {
		patch[k] = full[k]
	}
	admin.Do("PATCH", fmt.Sprintf("/api/v1/sites/%d", site.ID), patch, http.StatusOK, nil)
	admin.Do("PATCH", fmt.Sprintf("/api/v1/sites/%d", site.ID), patch, http.StatusOK, nil) // nothing changes
	admin.Do("GET", "/api/v1/admin/audit-log?action=site.update", nil, http.StatusOK, &page)
	if len(page.Items) != 1 || fmt.Sprint(page.Items[0].Detail["fields"]) != "[color]" {
		t.Fatalf("site.update entries: %+v", page.Items)
	}
}
