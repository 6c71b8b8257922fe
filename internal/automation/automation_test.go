package automation_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/parley-chat/parley/internal/jobs"
	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/webhooks"
)

type site struct {
	ID        int64  `json:"id"`
	PublicKey string `json:"public_key"`
	Secret    string `json:"secret"`
	Queues    []struct {
		ID int64 `json:"id"`
	} `json:"queues"`
}

type rule struct {
	ID         int64            `json:"id"`
	SiteID     int64            `json:"site_id"`
	Name       string           `json:"name"`
	Enabled    bool             `json:"enabled"`
	Position   int              `json:"position"`
	Trigger    map[string]any   `json:"trigger"`
	Conditions []map[string]any `json:"conditions"`
	Actions    []map[string]any `json:"actions"`
}

type message struct {
	Seq    int64 `json:"seq"`
	Sender struct {
		Kind string `json:"kind"`
		Name string `json:"name"`
	} `json:"sender"`
	Kind      string `json:"kind"`
	Body      string `json:"body"`
	Automated bool   `json:"automated"`
}

type agentConversation struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
	Labels []struct {
		ID int64 `json:"id"`
	} `json:"labels"`
	Team *struct {
		ID int64 `json:"id"`
	} `json:"team"`
	Assignee *struct {
		ID int64 `json:"id"`
	} `json:"assignee"`
}

// desk is a server with an admin and a site.
type desk struct {
	srv   *testkit.Server
	admin *testkit.Client
	site  site
}

func newDesk(t *testing.T, opts ...testkit.Option) *desk {
	t.Helper()
	srv := testkit.Start(t, opts...)
	d := &desk{srv: srv, admin: srv.Setup()}
	d.admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Acme"}, http.StatusCreated, &d.site)
	return d
}

// agent creates an agent in a queue.
func (d *desk) agent(name string, queueID int64) *testkit.Client {
	d.admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": name, "email": name + "@example.com",
		"password": "password-" + name, "nickname": name, "role": "agent", "verified": true}, http.StatusCreated, nil)
	a := d.srv.Login(name, "password-"+name)
	d.admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", queueID, a.UserID), map[string]int{"capacity": 3}, http.StatusNoContent, nil)
	return a
}

func (d *desk) label(name string) int64 {
	var l struct {
		ID int64 `json:"id"`
	}
	d.admin.Do("POST", "/api/v1/labels", map[string]string{"name": name, "colour": "#336699"}, http.StatusCreated, &l)
	return l.ID
}

func (d *desk) canned(siteID int64, shortcut, body string) int64 {
	var c struct {
		ID int64 `json:"id"`
	}
	d.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/canned-responses", siteID), map[string]string{"shortcut": shortcut, "body": body}, http.StatusCreated, &c)
	return c.ID
}

func (d *desk) rule(body map[string]any) rule {
	var r rule
	d.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/automation-rules", d.site.ID), body, http.StatusCreated, &r)
	return r
}

// conversation is the admin's view of a conversation.
func (d *desk) conversation(t *testing.T, id int64) agentConversation {
	t.Helper()
	var out struct {
		Items []agentConversation `json:"items"`
	}
	d.admin.Do("GET", "/api/v1/agent/conversations?view=all&limit=200", nil, http.StatusOK, &out)
	for _, c := range out.Items {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("conversation %d not in the inbox", id)
	return agentConversation{}
}

// visitorMessages is the visitor's view of a conversation's messages.
func visitorMessages(v *testkit.Visitor, id int64) []message {
	var p struct {
		Items []message `json:"items"`
	}
	v.Do("GET", fmt.Sprintf("/api/v1/widget/conversations/%d/messages?after_seq=0&limit=100", id), nil, http.StatusOK, &p)
	return p.Items
}

// firings lists the action log's entries of rules fired.
func (d *desk) firings() []map[string]any {
	var page struct {
		Items []struct {
			Actor  any            `json:"actor"`
			Detail map[string]any `json:"detail"`
		} `json:"items"`
	}
	d.admin.Do("GET", "/api/v1/admin/audit-log?action=automation.fired&limit=100", nil, http.StatusOK, &page)
	var out []map[string]any
	for _, e := range page.Items {
		if e.Actor == nil {
			out = append(out, e.Detail)
		}
	}
	return out
}

// eventually polls cond until it holds, for at most 20 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func cannedSeen(ms []message, body string) int {
	n := 0
	for _, m := range ms {
		if m.Body == body && m.Kind == "text" && m.Sender.Kind == "system" && m.Sender.Name == "Acme" && m.Automated {
			n++
		}
	}
	return n
}

func TestAutomationRulesCRUDValidationAndAccess(t *testing.T) {
	d := newDesk(t)
	var other site
	d.admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Other"}, http.StatusCreated, &other)
	otherAgent := d.agent("olga", other.Queues[0].ID)
	otherCanned := d.canned(other.ID, "hi", "Hello from Other")
	label := d.label("VIP")

	r := d.rule(map[string]any{"name": "Greet", "trigger": map[string]any{"type": "message_created"},
		"conditions": []map[string]any{{"field": "page_url", "operator": "contains", "value": "/pricing"}},
		"actions":    []map[string]any{{"type": "add_label", "label_id": label}}})
	if !r.Enabled || r.SiteID != d.site.ID || r.Trigger["from"] != "any" || len(r.Conditions) != 1 || len(r.Actions) != 1 {
		t.Fatalf("created %+v", r)
	}
	var got rule
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/automation-rules/%d", r.ID), map[string]any{"enabled": false, "name": "Greet pricing"}, http.StatusOK, &got)
	if got.Enabled || got.Name != "Greet pricing" || len(got.Actions) != 1 {
		t.Fatalf("patched %+v", got)
	}
	var page struct {
		Items []rule `json:"items"`
	}
	d.admin.Do("GET", fmt.Sprintf("/api/v1/sites/%d/automation-rules", d.site.ID), nil, http.StatusOK, &page)
	if len(page.Items) != 1 || page.Items[0].ID != r.ID || page.Items[0].Enabled {
		t.Fatalf("list %+v", page.Items)
	}

	base := func(change func(b map[string]any)) map[string]any {
		b := map[string]any{"name": "R", "trigger": map[string]any{"type": "conversation_created"},
			"actions": []map[string]any{{"type": "resolve"}}}
		change(b)
		return b
	}
	conds := func(cs ...map[string]any) func(map[string]any) {
		return func(b map[string]any) { b["conditions"] = cs }
	}
	acts := func(as ...map[string]any) func(map[string]any) {
		return func(b map[string]any) { b["actions"] = as }
	}
	many := make([]map[string]any, 21)
	for i := range many {
		many[i] = map[string]any{"field": "language", "operator": "equals", "value": "en"}
	}
	six := make([]map[string]any, 6)
	for i := range six {
		six[i] = map[string]any{"type": "resolve"}
	}
	for _, tc := range []struct {
		name, field string
		body        map[string]any
	}{
		{"no name", "name", base(func(b map[string]any) { delete(b, "name") })},
		{"unknown trigger", "trigger.type", base(func(b map[string]any) { b["trigger"] = map[string]any{"type": "sunrise"} })},
		{"idle without minutes", "trigger.minutes", base(func(b map[string]any) { b["trigger"] = map[string]any{"type": "conversation_idle"} })},
		{"idle too long", "trigger.minutes", base(func(b map[string]any) { b["trigger"] = map[string]any{"type": "conversation_idle", "minutes": 10081} })},
		{"bad sender", "trigger.from", base(func(b map[string]any) { b["trigger"] = map[string]any{"type": "message_created", "from": "bot"} })},
		{"unknown field", "conditions[0].field", base(conds(map[string]any{"field": "weather", "operator": "equals", "value": "rain"}))},
		{"unknown operator", "conditions[0].operator", base(conds(map[string]any{"field": "page_url", "operator": "matches", "value": "x"}))},
		{"queue of another site", "conditions[0].value", base(conds(map[string]any{"field": "queue_id", "operator": "is", "value": other.Queues[0].ID}))},
		{"hours neither open nor closed", "conditions[0].value", base(conds(map[string]any{"field": "business_hours", "operator": "is", "value": "maybe"}))},
		{"21 conditions", "conditions", base(conds(many...))},
		{"no action", "actions", base(acts())},
		{"6 actions", "actions", base(acts(six...))},
		{"unknown action", "actions[0].type", base(acts(map[string]any{"type": "explode"}))},
		{"canned of another site", "actions[0].canned_id", base(acts(map[string]any{"type": "send_canned", "canned_id": otherCanned}))},
		{"agent of another site", "actions[0].user_id", base(acts(map[string]any{"type": "assign_agent", "user_id": otherAgent.UserID}))},
		{"unknown label", "actions[1].label_id", base(acts(map[string]any{"type": "resolve"}, map[string]any{"type": "add_label", "label_id": 999999}))},
		{"unknown team", "actions[0].team_id", base(acts(map[string]any{"type": "assign_team", "team_id": 999999}))},
		{"webhook to loopback", "actions[0].url", base(acts(map[string]any{"type": "send_webhook", "url": "http://127.0.0.1:9/hook"}))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := d.admin.Raw("POST", fmt.Sprintf("/api/v1/sites/%d/automation-rules", d.site.ID), tc.body)
			var e struct {
				Error struct {
					Details map[string]string `json:"details"`
				} `json:"error"`
			}
			res.JSON(t, &e)
			if res.Status != http.StatusBadRequest || e.Error.Details[tc.field] == "" {
				t.Fatalf("%d %s, want 400 naming %s", res.Status, res.Body, tc.field)
			}
		})
	}
	// Errors are told in the caller's language, field by field.
	res := d.admin.Raw("POST", fmt.Sprintf("/api/v1/sites/%d/automation-rules", d.site.ID),
		base(func(b map[string]any) { b["trigger"] = map[string]any{"type": "conversation_idle", "minutes": 0} }), "Accept-Language", "zh-CN")
	if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), "1 到 10080 分钟") {
		t.Fatalf("in Chinese: %d %s", res.Status, res.Body)
	}

	// The other site's agent: neither reads nor writes this site's rules.
	if res := otherAgent.Raw("GET", fmt.Sprintf("/api/v1/sites/%d/automation-rules", d.site.ID), nil); res.Status != http.StatusForbidden {
		t.Fatalf("other site's agent lists: %d %s", res.Status, res.Body)
	}
	if res := otherAgent.Raw("GET", fmt.Sprintf("/api/v1/automation-rules/%d", r.ID), nil); res.Status != http.StatusForbidden {
		t.Fatalf("other site's agent reads: %d %s", res.Status, res.Body)
	}
	if res := otherAgent.Raw("PATCH", fmt.Sprintf("/api/v1/automation-rules/%d", r.ID), map[string]any{"enabled": true}); res.Status != http.StatusForbidden {
		t.Fatalf("other site's agent changes: %d %s", res.Status, res.Body)
	}
	// Its own site's rules it reads, and changes not.
	otherAgent.Do("GET", fmt.Sprintf("/api/v1/sites/%d/automation-rules", other.ID), nil, http.StatusOK, nil)
	if res := otherAgent.Raw("POST", fmt.Sprintf("/api/v1/sites/%d/automation-rules", other.ID), base(func(map[string]any) {})); res.Status != http.StatusForbidden {
		t.Fatalf("agent creates: %d %s", res.Status, res.Body)
	}
	if res := d.admin.Raw("GET", "/api/v1/automation-rules/999999", nil); res.Status != http.StatusNotFound || res.ErrorCode() != "automation_rule_not_found" {
		t.Fatalf("unknown rule: %d %s", res.Status, res.Body)
	}
	if res := d.admin.Raw("GET", "/api/v1/sites/999999/automation-rules", nil); res.Status != http.StatusNotFound {
		t.Fatalf("unknown site: %d %s", res.Status, res.Body)
	}

	// At most 100 rules per site.
	for i := 1; i < 100; i++ {
		d.rule(base(func(b map[string]any) { b["name"] = fmt.Sprintf("R%d", i) }))
	}
	if res := d.admin.Raw("POST", fmt.Sprintf("/api/v1/sites/%d/automation-rules", d.site.ID), base(func(map[string]any) {})); res.Status != http.StatusUnprocessableEntity || res.ErrorCode() != "too_many_automation_rules" {
		t.Fatalf("101st rule: %d %s", res.Status, res.Body)
	}

	d.admin.Do("DELETE", fmt.Sprintf("/api/v1/automation-rules/%d", r.ID), nil, http.StatusNoContent, nil)
	d.admin.Do("GET", fmt.Sprintf("/api/v1/automation-rules/%d", r.ID), nil, http.StatusNotFound, nil)

	// Every change is in the action log.
	var log struct {
		Items []struct {
			Action string `json:"action"`
		} `json:"items"`
	}
	d.admin.Do("GET", "/api/v1/admin/audit-log?limit=200", nil, http.StatusOK, &log)
	seen := map[string]bool{}
	for _, e := range log.Items {
		seen[e.Action] = true
	}
	for _, a := range []string{"automation_rule.create", "automation_rule.update", "automation_rule.delete"} {
		if !seen[a] {
			t.Errorf("no %s in the action log", a)
		}
	}
}

// A rule on new conversations from the pricing page labels them and
// greets the visitor with a canned reply; a rule on that label does not
// run on the label a rule added (no loops); each fired rule is logged
// once, however often its job runs.
func TestCreatedRuleLabelsAndRepliesOnceAndDoesNotLoop(t *testing.T) {
	d := newDesk(t)
	label := d.label("Pricing")
	body := "Hi! Our plans start at $10. An agent will be with you shortly."
	canned := d.canned(d.site.ID, "pricing", body)
	greet := d.rule(map[string]any{"name": "Pricing visitors", "trigger": map[string]any{"type": "conversation_created"},
		"conditions": []map[string]any{{"field": "page_url", "operator": "contains", "value": "/pricing"}},
		"actions":    []map[string]any{{"type": "add_label", "label_id": label}, {"type": "send_canned", "canned_id": canned}}})
	d.rule(map[string]any{"name": "Close priced", "trigger": map[string]any{"type": "label_added", "label_id": label},
		"actions": []map[string]any{{"type": "resolve"}}})

	v, _ := d.srv.NewVisitor(d.site.PublicKey, map[string]any{"page_url": "https://shop.example/pricing"})
	conv := v.Open(nil)
	eventually(t, "the visitor sees the canned reply", func() bool { return cannedSeen(visitorMessages(v, conv.ID), body) == 1 })
	c := d.conversation(t, conv.ID)
	if len(c.Labels) != 1 || c.Labels[0].ID != label {
		t.Fatalf("labels %+v", c.Labels)
	}
	// The agents see the reply marked automated.
	var page struct {
		Items []message `json:"items"`
	}
	d.admin.Do("GET", fmt.Sprintf("/api/v1/conversations/%d/messages?after_seq=0&limit=100", conv.ID), nil, http.StatusOK, &page)
	if cannedSeen(page.Items, body) != 1 {
		t.Fatalf("agents' history %+v", page.Items)
	}

	// Elsewhere on the site the rule does not fire.
	v2, _ := d.srv.NewVisitor(d.site.PublicKey, map[string]any{"page_url": "https://shop.example/about"})
	conv2 := v2.Open(nil)
	d.srv.WaitJobs(jobs.TypeAutomation)
	d.srv.WaitJobs(jobs.TypeWebhook)
	if n := cannedSeen(visitorMessages(v2, conv2.ID), body); n != 0 {
		t.Fatalf("canned reply on /about: %d", n)
	}
	// The label the rule added triggered no rule.
	if c := d.conversation(t, conv.ID); c.Status == "resolved" {
		t.Fatal("a rule ran on the label a rule added")
	}

	// The job running again fires nothing again.
	key := fmt.Sprintf("created:%d", conv.ID)
	if err := d.srv.App.Automation.Evaluate(t.Context(), jobs.AutomationPayload{Trigger: "conversation_created", ConversationID: conv.ID, Key: key}); err != nil {
		t.Fatal(err)
	}
	if n := cannedSeen(visitorMessages(v, conv.ID), body); n != 1 {
		t.Fatalf("%d canned replies after the job ran twice", n)
	}
	fired := d.firings()
	if len(fired) != 1 || fired[0]["actor"] != "automation" || fired[0]["rule_id"] != float64(greet.ID) || fired[0]["event_key"] != key {
		t.Fatalf("action log %+v", fired)
	}
	acts, _ := fired[0]["actions"].([]any)
	if len(acts) != 2 || !strings.Contains(fmt.Sprint(acts), "ok:true") {
		t.Fatalf("logged actions %+v", acts)
	}
}

// A visitor's message hands the conversation to a team, or to an agent;
// an agent's message does not trigger a rule for visitors.
func TestMessageFromVisitorAssignsToTeamAndAgent(t *testing.T) {
	d := newDesk(t)
	var q2 struct {
		ID int64 `json:"id"`
	}
	d.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/queues", d.site.ID), map[string]any{"name": "Billing"}, http.StatusCreated, &q2)
	bea := d.agent("bea", q2.ID)
	bea.Do("PUT", "/api/v1/agent/status", map[string]string{"status": "online"}, http.StatusOK, nil)
	var team struct {
		ID int64 `json:"id"`
	}
	d.admin.Do("POST", "/api/v1/teams", map[string]any{"name": "Tier 2"}, http.StatusCreated, &team)

	d.rule(map[string]any{"name": "Refunds to Bea", "trigger": map[string]any{"type": "message_created", "from": "visitor"},
		"conditions": []map[string]any{{"field": "attribute.plan", "operator": "equals", "value": "gold"}},
		"actions":    []map[string]any{{"type": "assign_agent", "user_id": bea.UserID}}})
	d.rule(map[string]any{"name": "Others to Tier 2", "trigger": map[string]any{"type": "message_created", "from": "visitor"},
		"conditions": []map[string]any{{"field": "attribute.plan", "operator": "exists"}, {"field": "attribute.plan", "operator": "equals", "value": "basic"}},
		"actions":    []map[string]any{{"type": "assign_team", "team_id": team.ID}}})

	gold, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	goldConv := gold.Open(nil)
	basic, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	basicConv := basic.Open(nil)
	for _, x := range []struct {
		v    *testkit.Visitor
		plan string
	}{{gold, "gold"}, {basic, "basic"}} {
		d.admin.Do("PATCH", fmt.Sprintf("/api/v1/support/visitors/%d", x.v.VisitorID), map[string]any{"attributes": map[string]any{"plan": x.plan}}, http.StatusOK, nil)
	}
	gold.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", goldConv.ID), map[string]string{"client_msg_id": "g1", "body": "Refund please"}, http.StatusCreated, nil)
	basic.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", basicConv.ID), map[string]string{"client_msg_id": "b1", "body": "Hello"}, http.StatusCreated, nil)
	eventually(t, "the gold visitor's conversation goes to Bea", func() bool {
		c := d.conversation(t, goldConv.ID)
		return c.Assignee != nil && c.Assignee.ID == bea.UserID
	})
	eventually(t, "the basic visitor's conversation goes to Tier 2", func() bool {
		c := d.conversation(t, basicConv.ID)
		return c.Team != nil && c.Team.ID == team.ID
	})
	if c := d.conversation(t, basicConv.ID); c.Assignee != nil {
		t.Fatalf("the basic visitor's conversation went to %+v", c.Assignee)
	}
}

// A label an agent adds resolves the conversation.
func TestLabelAddedResolves(t *testing.T) {
	d := newDesk(t)
	spam := d.label("Spam")
	d.rule(map[string]any{"name": "Spam closes", "trigger": map[string]any{"type": "label_added", "label_id": spam},
		"conditions": []map[string]any{{"field": "label", "operator": "has", "value": spam}},
		"actions":    []map[string]any{{"type": "resolve"}}})
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv := v.Open(nil)
	d.admin.Do("PUT", fmt.Sprintf("/api/v1/support/conversations/%d/labels", conv.ID), map[string]any{"label_ids": []int64{spam}}, http.StatusOK, nil)
	eventually(t, "the conversation is resolved", func() bool { return d.conversation(t, conv.ID).Status == "resolved" })
	// The firing is logged once its actions ran.
	d.srv.WaitJobs(jobs.TypeAutomation)
	if f := d.firings(); len(f) != 1 || f[0]["event"] != "label_added" {
		t.Fatalf("action log %+v", f)
	}
}

// A conversation silent for the rule's minutes gets the canned reply; one
// that spoke meanwhile waits until it was silent that long.
func TestIdleConversationGetsTheCannedReply(t *testing.T) {
	d := newDesk(t, testkit.WithFakeClock())
	body := "Are you still there? Reply any time."
	canned := d.canned(d.site.ID, "still", body)
	d.rule(map[string]any{"name": "Nudge", "trigger": map[string]any{"type": "conversation_idle", "minutes": 5},
		"actions": []map[string]any{{"type": "send_canned", "canned_id": canned}}})
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv := v.Open(nil)
	send := func(id, text string) {
		v.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv.ID), map[string]string{"client_msg_id": id, "body": text}, http.StatusCreated, nil)
	}
	send("m1", "Hello?")
	d.srv.Advance(3 * time.Minute)
	send("m2", "Anyone?")
	d.srv.Advance(3 * time.Minute) // the first check: spoken 3 minutes ago
	ran := d.srv.App.Metrics.JobsProcessed.WithLabelValues(jobs.TypeAutomationIdle, "ok")
	eventually(t, "the first idle check runs", func() bool { return counted(ran) >= 1 })
	if n := cannedSeen(visitorMessages(v, conv.ID), body); n != 0 {
		t.Fatalf("nudged after 3 silent minutes: %d", n)
	}
	d.srv.Advance(3 * time.Minute)
	eventually(t, "the visitor is nudged", func() bool { return cannedSeen(visitorMessages(v, conv.ID), body) == 1 })
	d.srv.WaitJobs(jobs.TypeAutomationIdle)
	if n := cannedSeen(visitorMessages(v, conv.ID), body); n != 1 {
		t.Fatalf("%d nudges", n)
	}
}

// A rule's webhook reaches the host site signed with the site's secret.
func TestWebhookActionIsSignedWithTheSiteSecret(t *testing.T) {
	type hit struct {
		valid bool
		body  map[string]any
	}
	got := make(chan hit, 4)
	d := newDesk(t, testkit.WithOutboundAllow("127.0.0.1/32"))
	recv := newReceiver(t, func(valid bool, body []byte) {
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		got <- hit{valid, m}
	}, d.site.Secret)
	r := d.rule(map[string]any{"name": "Tell the CRM", "trigger": map[string]any{"type": "conversation_created"},
		"actions": []map[string]any{{"type": "send_webhook", "url": recv.URL + "/parley"}}})
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv := v.Open(nil)
	select {
	case h := <-got:
		data, _ := h.body["data"].(map[string]any)
		rl, _ := data["rule"].(map[string]any)
		cv, _ := data["conversation"].(map[string]any)
		if !h.valid || h.body["event"] != "automation.rule_fired" || rl["id"] != float64(r.ID) || cv["id"] != float64(conv.ID) {
			t.Fatalf("webhook %+v (signature valid: %v)", h.body, h.valid)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no webhook within 20s")
	}
	// The rule's endpoint is not one of the admins' webhooks.
	var hooks struct {
		Items []any `json:"items"`
	}
	d.admin.Do("GET", fmt.Sprintf("/api/v1/sites/%d/webhooks", d.site.ID), nil, http.StatusOK, &hooks)
	if len(hooks.Items) != 0 {
		t.Fatalf("webhooks %+v", hooks.Items)
	}
}

// newReceiver starts a host site's endpoint that checks each request's
// signature with the secret it is told.
func newReceiver(t *testing.T, got func(valid bool, body []byte), secret string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts, v1, _ := strings.Cut(strings.TrimPrefix(r.Header.Get("X-Parley-Signature"), "t="), ",v1=")
		got(webhooks.Verify(secret, ts, v1, body, time.Now()) == nil, body)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// counted reads a counter's value.
func counted(c interface{ Write(*dto.Metric) error }) float64 {
	var m dto.Metric
	_ = c.Write(&m)
	return m.GetCounter().GetValue()
}
