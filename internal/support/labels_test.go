package support_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/testkit"
)

type labelRef struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Colour string `json:"colour"`
}

type labelled struct {
	ID      int64       `json:"id"`
	Labels  *[]labelRef `json:"labels"`
	Visitor *struct {
		ID     int64       `json:"id"`
		Labels *[]labelRef `json:"labels"`
	} `json:"visitor"`
	SLA *struct {
		FirstResponseDueAt    *time.Time `json:"first_response_due_at"`
		ResolutionDueAt       *time.Time `json:"resolution_due_at"`
		FirstResponseBreached bool       `json:"first_response_breached"`
		ResolutionBreached    bool       `json:"resolution_breached"`
	} `json:"sla"`
}

func names(ls *[]labelRef) string {
	if ls == nil {
		return "<none>"
	}
	var out []string
	for _, l := range *ls {
		out = append(out, l.Name)
	}
	return strings.Join(out, ",")
}

func (d *desk) label(name, colour string) labelRef {
	var l labelRef
	d.admin.Do("POST", "/api/v1/labels", map[string]string{"name": name, "colour": colour}, http.StatusCreated, &l)
	return l
}

func TestLabelAdministration(t *testing.T) {
	d := newDesk(t, 1, 1)
	agent := d.agents[0]
	vip := d.label("VIP", "#FF0000")
	if vip.Colour != "#ff0000" || vip.Name != "VIP" {
		t.Fatalf("created %+v", vip)
	}
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"no name", map[string]any{"colour": "#000000"}, 400, "invalid_input"},
		{"long name", map[string]any{"name": strings.Repeat("x", 51), "colour": "#000000"}, 400, "invalid_input"},
		{"bad colour", map[string]any{"name": "Bug", "colour": "red"}, 400, "invalid_input"},
		{"taken whatever the case", map[string]any{"name": "vip", "colour": "#000000"}, 409, "label_name_taken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := d.admin.Raw("POST", "/api/v1/labels", tc.body)
			if r.Status != tc.status || r.ErrorCode() != tc.code {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	}
	if r := agent.Raw("POST", "/api/v1/labels", map[string]any{"name": "Mine", "colour": "#000000"}); r.Status != 403 {
		t.Fatalf("agent creates: %d %s", r.Status, r.Body)
	}
	user := d.srv.NewUser(d.admin, "plain")
	if r := user.Raw("GET", "/api/v1/labels", nil); r.Status != 403 {
		t.Fatalf("user lists: %d %s", r.Status, r.Body)
	}
	bug := d.label("Bug", "#00ff00")
	var list struct{ Items []labelRef }
	agent.Do("GET", "/api/v1/labels", nil, http.StatusOK, &list)
	if len(list.Items) != 2 || list.Items[0].Name != "Bug" || list.Items[1].Name != "VIP" {
		t.Fatalf("list %+v", list.Items)
	}
	if r := d.admin.Raw("PATCH", fmt.Sprintf("/api/v1/labels/%d", bug.ID), map[string]any{"name": "Vip"}); r.Status != 409 {
		t.Fatalf("rename onto taken: %d %s", r.Status, r.Body)
	}
	var renamed labelRef
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/labels/%d", bug.ID), map[string]any{"name": "Defect", "colour": "#123456"}, http.StatusOK, &renamed)
	if renamed.Name != "Defect" || renamed.Colour != "#123456" {
		t.Fatalf("renamed %+v", renamed)
	}
	if r := d.admin.Raw("PATCH", "/api/v1/labels/999999", map[string]any{"name": "X"}); r.Status != 404 || r.ErrorCode() != "label_not_found" {
		t.Fatalf("patch unknown: %d %s", r.Status, r.Body)
	}
	if r := agent.Raw("DELETE", fmt.Sprintf("/api/v1/labels/%d", bug.ID), nil); r.Status != 403 {
		t.Fatalf("agent deletes: %d", r.Status)
	}
	d.admin.Do("DELETE", fmt.Sprintf("/api/v1/labels/%d", bug.ID), nil, http.StatusNoContent, nil)
	if r := d.admin.Raw("DELETE", fmt.Sprintf("/api/v1/labels/%d", bug.ID), nil); r.Status != 404 {
		t.Fatalf("delete twice: %d", r.Status)
	}
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
	if !seen["label.create"] || !seen["label.update"] || !seen["label.delete"] {
		t.Fatalf("audit log %+v", log.Items)
	}
}

func TestLabelsOnConversationsAndVisitors(t *testing.T) {
	d := newDesk(t, 1, 5)
	agent := d.agents[0]
	d.online(agent)
	ws := agent.Dial()
	vip, bug := d.label("VIP", "#ff0000"), d.label("Bug", "#00ff00")
	v1, c1 := d.vera("https://acme.example/a")
	_, c2 := d.vera("https://acme.example/b")

	var got labelled
	agent.Do("PUT", fmt.Sprintf("/api/v1/support/conversations/%d/labels", c1.ID), map[string]any{"label_ids": []int64{vip.ID, bug.ID, vip.ID}}, http.StatusOK, &got)
	if names(got.Labels) != "Bug,VIP" {
		t.Fatalf("labels %s", names(got.Labels))
	}
	// The agents hear the new labels in a conversation frame.
	for {
		f := ws.ReadType("conversation", 5*time.Second)
		var fr struct {
			Event        string   `json:"event"`
			Conversation labelled `json:"conversation"`
		}
		f.Decode(t, &fr)
		if fr.Event == "labels" && fr.Conversation.ID == c1.ID {
			if names(fr.Conversation.Labels) != "Bug,VIP" {
				t.Fatalf("frame labels %s", names(fr.Conversation.Labels))
			}
			break
		}
	}
	// The visitor never sees labels.
	r := v1.Raw("GET", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", c1.ID), nil)
	if strings.Contains(string(r.Body), "VIP") {
		t.Fatalf("visitor sees labels: %s", r.Body)
	}

	for _, tc := range []struct {
		name   string
		method string
		path   string
		body   any
		status int
		code   string
	}{
		{"unknown label", "PUT", fmt.Sprintf("/api/v1/support/conversations/%d/labels", c1.ID), map[string]any{"label_ids": []int64{999999}}, 422, "unknown_label"},
		{"no list", "PUT", fmt.Sprintf("/api/v1/support/conversations/%d/labels", c1.ID), map[string]any{}, 400, "invalid_input"},
		{"unknown conversation", "PUT", "/api/v1/support/conversations/999999/labels", map[string]any{"label_ids": []int64{}}, 404, "conversation_not_found"},
		{"bulk too many", "POST", "/api/v1/support/conversations/labels", map[string]any{"conversation_ids": make([]int64, 101), "add": []int64{vip.ID}}, 400, "invalid_input"},
		{"bulk nothing to do", "POST", "/api/v1/support/conversations/labels", map[string]any{"conversation_ids": []int64{c1.ID}}, 400, "invalid_input"},
		{"bulk unknown conversation", "POST", "/api/v1/support/conversations/labels", map[string]any{"conversation_ids": []int64{c2.ID, 999999}, "add": []int64{vip.ID}}, 404, "conversation_not_found"},
		{"inbox unknown label", "GET", "/api/v1/agent/conversations?view=all&label_id=999999", nil, 404, "label_not_found"},
		{"inbox bad label", "GET", "/api/v1/agent/conversations?view=all&label_id=x", nil, 400, "invalid_input"},
		{"visitor unknown", "PUT", "/api/v1/support/visitors/999999/labels", map[string]any{"label_ids": []int64{}}, 404, "visitor_not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := agent.Raw(tc.method, tc.path, tc.body)
			if r.Status != tc.status || r.ErrorCode() != tc.code {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	}
	// All or nothing: the 404 above left c2 without labels.
	if got := d.label2(agent, c2.ID); names(got.Labels) != "" {
		t.Fatalf("c2 after a failed bulk: %s", names(got.Labels))
	}

	var bulk struct{ Items []labelled }
	agent.Do("POST", "/api/v1/support/conversations/labels", map[string]any{"conversation_ids": []int64{c1.ID, c2.ID}, "add": []int64{vip.ID}, "remove": []int64{bug.ID}}, http.StatusOK, &bulk)
	if len(bulk.Items) != 2 || names(bulk.Items[0].Labels) != "VIP" || names(bulk.Items[1].Labels) != "VIP" {
		t.Fatalf("bulk %+v", bulk.Items)
	}
	var inbox struct{ Items []labelled }
	agent.Do("GET", fmt.Sprintf("/api/v1/agent/conversations?view=all&label_id=%d", vip.ID), nil, http.StatusOK, &inbox)
	if len(inbox.Items) != 2 {
		t.Fatalf("filtered by VIP: %+v", inbox.Items)
	}
	agent.Do("GET", fmt.Sprintf("/api/v1/agent/conversations?view=all&label_id=%d", bug.ID), nil, http.StatusOK, &inbox)
	if len(inbox.Items) != 0 {
		t.Fatalf("filtered by Bug: %+v", inbox.Items)
	}

	// Contacts.
	var vis struct {
		ID     int64       `json:"id"`
		Labels *[]labelRef `json:"labels"`
	}
	visitorID := got.Visitor.ID
	agent.Do("PUT", fmt.Sprintf("/api/v1/support/visitors/%d/labels", visitorID), map[string]any{"label_ids": []int64{bug.ID}}, http.StatusOK, &vis)
	if names(vis.Labels) != "Bug" {
		t.Fatalf("visitor labels %s", names(vis.Labels))
	}
	if c := d.label2(agent, c1.ID); c.Visitor == nil || names(c.Visitor.Labels) != "Bug" {
		t.Fatalf("conversation's visitor %+v", c.Visitor)
	}
	// The contact's profile, alone and in its site's list, carries them.
	var contact struct {
		Labels *[]labelRef `json:"labels"`
	}
	agent.Do("GET", fmt.Sprintf("/api/v1/support/visitors/%d", visitorID), nil, http.StatusOK, &contact)
	if names(contact.Labels) != "Bug" {
		t.Fatalf("contact labels %s", names(contact.Labels))
	}
	var contacts struct {
		Items []struct {
			ID     int64       `json:"id"`
			Labels *[]labelRef `json:"labels"`
		} `json:"items"`
	}
	agent.Do("GET", fmt.Sprintf("/api/v1/sites/%d/contacts", d.site.ID), nil, http.StatusOK, &contacts)
	if len(contacts.Items) == 0 {
		t.Fatal("no contacts listed")
	}
	for _, c := range contacts.Items {
		if want := map[bool]string{true: "Bug", false: ""}[c.ID == visitorID]; names(c.Labels) != want {
			t.Fatalf("contact %d in the list: labels %s, want %q", c.ID, names(c.Labels), want)
		}
	}

	// Someone who no longer serves the site is refused, one by one and in bulk.
	d.admin.Do("DELETE", fmt.Sprintf("/api/v1/queues/%d/agents/%d", d.queue, agent.UserID), nil, http.StatusNoContent, nil)
	for _, path := range []string{fmt.Sprintf("/api/v1/support/conversations/%d/labels", c1.ID), fmt.Sprintf("/api/v1/support/visitors/%d/labels", visitorID)} {
		if r := agent.Raw("PUT", path, map[string]any{"label_ids": []int64{}}); r.Status != 403 {
			t.Fatalf("%s after leaving: %d %s", path, r.Status, r.Body)
		}
	}
	if r := agent.Raw("POST", "/api/v1/support/conversations/labels", map[string]any{"conversation_ids": []int64{c1.ID}, "add": []int64{bug.ID}}); r.Status != 403 {
		t.Fatalf("bulk after leaving: %d %s", r.Status, r.Body)
	}
	// Deleting a label takes it off everything.
	d.admin.Do("DELETE", fmt.Sprintf("/api/v1/labels/%d", vip.ID), nil, http.StatusNoContent, nil)
	if c := d.label2(d.admin, c1.ID); names(c.Labels) != "" {
		t.Fatalf("after delete: %s", names(c.Labels))
	}
}

// label2 reads a conversation as c sees it in the inbox.
func (d *desk) label2(c *testkit.Client, id int64) labelled {
	var out struct{ Items []labelled }
	c.Do("GET", "/api/v1/agent/conversations?view=all&limit=200", nil, http.StatusOK, &out)
	for _, sc := range out.Items {
		if sc.ID == id {
			return sc
		}
	}
	d.srv.Config()
	return labelled{}
}

func TestLabelLimit(t *testing.T) {
	d := newDesk(t, 0, 1)
	for i := 0; i < 500; i++ {
		d.label(fmt.Sprintf("L%03d", i), "#000000")
	}
	if r := d.admin.Raw("POST", "/api/v1/labels", map[string]any{"name": "one more", "colour": "#000000"}); r.Status != 422 || r.ErrorCode() != "too_many_labels" {
		t.Fatalf("501st: %d %s", r.Status, r.Body)
	}
}
