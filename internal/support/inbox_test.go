package support_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/parley-chat/parley/internal/testkit"
)

type inboxPage struct {
	Items      []testkit.SupportConversation `json:"items"`
	NextCursor *string                       `json:"next_cursor"`
}

// inboxIDs lists the ids of the inbox query's first page, sorted.
func inboxIDs(t *testing.T, c *testkit.Client, query string) []int64 {
	t.Helper()
	var p inboxPage
	c.Do("GET", "/api/v1/agent/conversations?"+query, nil, http.StatusOK, &p)
	ids := make([]int64, 0, len(p.Items))
	for _, it := range p.Items {
		ids = append(ids, it.ID)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func visitorSays(t *testing.T, v *testkit.Visitor, convID int64, id, body string) {
	t.Helper()
	v.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", convID), map[string]string{"client_msg_id": id, "body": body}, http.StatusCreated, nil)
}

func sameIDs(a []int64, b ...int64) bool {
	sort.Slice(b, func(i, j int) bool { return b[i] < b[j] })
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// TestInboxFiltersAndSearch: status, queue and site filters and a search
// over messages (notes included) and visitor details, only over the sites
// the agent serves, with hostile search text taken literally.
func TestInboxFiltersAndSearch(t *testing.T) {
	d := newDesk(t, 2, 5)
	a0, a1 := d.agents[0], d.agents[1]
	d.online(a0)
	d.online(a1)
	var other site
	d.admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Other"}, http.StatusCreated, &other)
	d.admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", other.Queues[0].ID, a1.UserID), map[string]int{"capacity": 5}, http.StatusNoContent, nil)
	var sales struct {
		ID int64 `json:"id"`
	}
	d.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/queues", d.site.ID), map[string]string{"name": "Sales"}, http.StatusCreated, &sales)
	d.admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", sales.ID, a0.UserID), map[string]int{"capacity": 5}, http.StatusNoContent, nil)

	v1, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	c1 := v1.Open(nil)
	visitorSays(t, v1, c1.ID, "m1", "My parcel is late")
	var c1Now testkit.SupportConversation
	d.admin.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/notes", c1.ID), map[string]string{"client_msg_id": "n1", "body": "refund approved: 50% off"}, http.StatusCreated, nil)

	v2, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	v2.Do("PATCH", "/api/v1/widget/visitor", map[string]string{"email": "zoë.ångström@example.com"}, http.StatusOK, nil)
	c2 := v2.Open(nil)
	visitorSays(t, v2, c2.ID, "m1", "Ñandú größe 😀 hello!!")

	v3, _ := d.srv.NewVisitor(other.PublicKey, nil)
	c3 := v3.Open(nil)
	visitorSays(t, v3, c3.ID, "m1", "parcel broken")

	v4, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	c4 := v4.Open(map[string]any{"queue_id": sales.ID})
	visitorSays(t, v4, c4.ID, "m1", "a quote please")

	q := func(s string) string { return url.QueryEscape(s) }
	cases := []struct {
		name  string
		who   *testkit.Client
		query string
		want  []int64
	}{
		{"a word, only over the agent's sites", a0, "view=all&q=parcel", []int64{c1.ID}},
		{"case does not matter", a1, "view=all&q=PARCEL", []int64{c1.ID, c3.ID}},
		{"private notes are searched", a0, "view=all&q=" + q("refund approved"), []int64{c1.ID}},
		{"percent is literal", a0, "view=all&q=" + q("%"), []int64{c1.ID}},
		{"underscore is literal", a0, "view=all&q=" + q("_"), nil},
		{"the escape character is literal", a0, "view=all&q=" + q("!!"), []int64{c2.ID}},
		{"quotes and SQL are text", a0, "view=all&q=" + q("'; DROP TABLE messages;--"), nil},
		{"a backslash is text", a0, "view=all&q=" + q(`\`), nil},
		{"unicode", a0, "view=all&q=" + q("größe 😀"), []int64{c2.ID}},
		{"visitor e-mail", a0, "view=all&q=" + q("zoë.ångström@"), []int64{c2.ID}},
		{"long text finds nothing", a0, "view=all&q=" + strings.Repeat("é", 200), nil},
		{"queue filter", a0, fmt.Sprintf("view=all&queue_id=%d", sales.ID), []int64{c4.ID}},
		{"site filter", a1, fmt.Sprintf("view=all&site_id=%d", other.ID), []int64{c3.ID}},
		{"site filter and search", a1, fmt.Sprintf("view=all&site_id=%d&q=parcel", d.site.ID), []int64{c1.ID}},
		{"the queued view holds only queued ones", a0, "view=queued&status=resolved", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := inboxIDs(t, tc.who, tc.query); !sameIDs(got, tc.want...) {
				t.Fatalf("%s: got %v, want %v", tc.query, got, tc.want)
			}
		})
	}
	// The hostile search changed nothing.
	if h := v1.History(c1.ID, ""); len(h.Items) == 0 {
		t.Fatal("messages gone after a hostile search")
	}

	// Status: resolve c1, then filter.
	d.admin.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/resolve", c1.ID), nil, http.StatusOK, &c1Now)
	if got := inboxIDs(t, a0, "view=all&status=resolved"); !sameIDs(got, c1.ID) {
		t.Fatalf("resolved: %v", got)
	}
	if got := inboxIDs(t, a0, "view=all&status=resolved&q=quote"); len(got) != 0 {
		t.Fatalf("resolved and quote: %v", got)
	}

	// Pages through the search with the cursor.
	var p1, p2 inboxPage
	a1.Do("GET", "/api/v1/agent/conversations?view=all&q=parcel&limit=1", nil, http.StatusOK, &p1)
	if len(p1.Items) != 1 || p1.Items[0].ID != c3.ID || p1.NextCursor == nil {
		t.Fatalf("first page %+v", p1)
	}
	a1.Do("GET", "/api/v1/agent/conversations?view=all&q=parcel&limit=1&cursor="+*p1.NextCursor, nil, http.StatusOK, &p2)
	if len(p2.Items) != 1 || p2.Items[0].ID != c1.ID {
		t.Fatalf("second page %+v", p2)
	}

	bad := []struct {
		query  string
		status int
		code   string
	}{
		{"view=all&q=" + strings.Repeat("a", 201), http.StatusBadRequest, "invalid_input"},
		{"view=all&status=lost", http.StatusBadRequest, "invalid_input"},
		{"view=all&site_id=abc", http.StatusBadRequest, "invalid_input"},
		{"view=all&queue_id=-1", http.StatusBadRequest, "invalid_input"},
		{fmt.Sprintf("view=all&site_id=%d", other.ID), http.StatusForbidden, "forbidden"},
		{fmt.Sprintf("view=all&queue_id=%d", other.Queues[0].ID), http.StatusForbidden, "forbidden"},
		{"view=all&site_id=99999999", http.StatusNotFound, "site_not_found"},
		{"view=all&queue_id=99999999", http.StatusNotFound, "queue_not_found"},
		{fmt.Sprintf("view=all&site_id=%d&queue_id=%d", d.site.ID, other.Queues[0].ID), http.StatusBadRequest, "invalid_input"},
	}
	for _, b := range bad {
		r := a0.Raw("GET", "/api/v1/agent/conversations?"+b.query, nil)
		if r.Status != b.status || r.ErrorCode() != b.code {
			t.Errorf("%.60s: %d %s, want %d %s", b.query, r.Status, r.ErrorCode(), b.status, b.code)
		}
	}
}

// TestVisitorsEarlierConversations: the agents of the visitor's site list
// the visitor's conversations, newest first; others get 403, unknown 404.
func TestVisitorsEarlierConversations(t *testing.T) {
	d := newDesk(t, 2, 5)
	a0, outsider := d.agents[0], d.agents[1]
	d.online(a0)
	var other site
	d.admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Other"}, http.StatusCreated, &other)
	// The outsider serves only the other site.
	d.admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", d.queue, outsider.UserID), map[string]int{"capacity": 0}, http.StatusNoContent, nil)
	d.admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", other.Queues[0].ID, outsider.UserID), map[string]int{"capacity": 5}, http.StatusNoContent, nil)

	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	first := v.Open(nil)
	visitorSays(t, v, first.ID, "m1", "first question")
	a0.SendText(first.ID, "r1", "first answer")
	a0.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/resolve", first.ID), nil, http.StatusOK, nil)
	second := v.Open(nil)
	if second.ID == first.ID {
		t.Fatal("a new conversation after the first was resolved")
	}
	visitorSays(t, v, second.ID, "m2", "second question")
	someoneElse, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	someoneElse.Open(nil)

	var page struct {
		Items []struct {
			ID          int64   `json:"id"`
			Status      string  `json:"status"`
			CreatedAt   string  `json:"created_at"`
			ResolvedAt  *string `json:"resolved_at"`
			LastMessage *struct {
				Body string `json:"body"`
			} `json:"last_message"`
			Assignee *struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
			} `json:"assignee"`
		} `json:"items"`
		NextCursor *string `json:"next_cursor"`
	}
	path := fmt.Sprintf("/api/v1/support/visitors/%d/conversations", v.VisitorID)
	a0.Do("GET", path, nil, http.StatusOK, &page)
	if len(page.Items) != 2 || page.Items[0].ID != second.ID || page.Items[1].ID != first.ID {
		t.Fatalf("conversations %+v", page.Items)
	}
	old := page.Items[1]
	if old.Status != "resolved" || old.ResolvedAt == nil || old.CreatedAt == "" || old.LastMessage == nil || old.LastMessage.Body != "Agent 0 resolved the conversation" ||
		old.Assignee == nil || old.Assignee.ID != a0.UserID || old.Assignee.Name != "Agent 0" {
		t.Fatalf("earlier conversation %+v %+v %+v", old, old.LastMessage, old.Assignee)
	}
	var one struct {
		Items      []struct{ ID int64 } `json:"items"`
		NextCursor *string              `json:"next_cursor"`
	}
	a0.Do("GET", path+"?limit=1", nil, http.StatusOK, &one)
	if len(one.Items) != 1 || one.NextCursor == nil {
		t.Fatalf("first page %+v", one)
	}
	a0.Do("GET", path+"?limit=1&cursor="+*one.NextCursor, nil, http.StatusOK, &one)
	if len(one.Items) != 1 || one.Items[0].ID != first.ID {
		t.Fatalf("second page %+v", one)
	}
	if r := outsider.Raw("GET", path, nil); r.Status != http.StatusForbidden {
		t.Fatalf("an agent of another site: %d", r.Status)
	}
	if r := a0.Raw("GET", "/api/v1/support/visitors/99999999/conversations", nil); r.Status != http.StatusNotFound || r.ErrorCode() != "visitor_not_found" {
		t.Fatalf("unknown visitor: %d %s", r.Status, r.ErrorCode())
	}
	if r := v.Raw("GET", path, nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("the visitor themselves: %d", r.Status)
	}
}
