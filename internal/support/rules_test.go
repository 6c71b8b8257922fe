package support_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/testkit/smtpd"
)

func claimPath(id int64) string { return fmt.Sprintf("/api/v1/support/conversations/%d/claim", id) }

func TestClaimRespectsTheAssigneeTheCapacityAndLogsTakeovers(t *testing.T) {
	d := newDesk(t, 2, 1) // nobody online: every conversation waits to be claimed
	a0, a1 := d.agents[0], d.agents[1]
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv := v.Open(nil)
	a0.Do("POST", claimPath(conv.ID), nil, http.StatusOK, nil)
	a0.Do("POST", claimPath(conv.ID), nil, http.StatusOK, nil) // their own already: nothing changes

	for _, c := range []struct {
		name   string
		who    *testkit.Client
		body   any
		status int
		code   string
	}{
		{"another agent", a1, nil, http.StatusConflict, "already_assigned"},
		{"another agent asking to take over", a1, map[string]bool{"takeover": true}, http.StatusForbidden, "takeover_admin_only"},
		{"an admin without takeover", d.admin, nil, http.StatusConflict, "already_assigned"},
		{"an admin with takeover false", d.admin, map[string]bool{"takeover": false}, http.StatusConflict, "already_assigned"},
		{"an unknown field", d.admin, map[string]bool{"take_over": true}, http.StatusBadRequest, "invalid_input"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if r := c.who.Raw("POST", claimPath(conv.ID), c.body); r.Status != c.status || r.ErrorCode() != c.code {
				t.Fatalf("%d %s, want %d %s", r.Status, r.Body, c.status, c.code)
			}
		})
	}
	if got := d.conversation(d.admin, conv.ID); got.AssigneeID() != a0.UserID {
		t.Fatalf("after refused claims the conversation is %+v, want still agent 0's", got)
	}

	// An admin's explicit takeover: the conversation changes hands, the
	// history says so, and the action log names who took it from whom.
	var taken testkit.SupportConversation
	d.admin.Do("POST", claimPath(conv.ID), map[string]bool{"takeover": true}, http.StatusOK, &taken)
	if taken.AssigneeID() != d.admin.UserID {
		t.Fatalf("after the takeover %+v", taken)
	}
	if h := bodiesOf(d.admin.History(conv.ID, "after_seq=0")); !strings.Contains(h, "took over the conversation from Agent 0") {
		t.Fatalf("history lacks the takeover:\n%s", h)
	}
	var log struct {
		Items []struct {
			Actor      struct{ ID int64 } `json:"actor"`
			TargetType string             `json:"target_type"`
			TargetID   int64              `json:"target_id"`
			Detail     map[string]any     `json:"detail"`
		} `json:"items"`
	}
	d.admin.Do("GET", "/api/v1/admin/audit-log?action=conversation.takeover", nil, http.StatusOK, &log)
	if len(log.Items) != 1 || log.Items[0].Actor.ID != d.admin.UserID || log.Items[0].TargetType != "conversation" ||
		log.Items[0].TargetID != conv.ID || log.Items[0].Detail["from_agent_id"] != float64(a0.UserID) {
		t.Fatalf("action log %+v", log.Items)
	}

	// Capacity 1: agent 0 has room again after the takeover, takes one
	// waiting conversation, and is refused a second.
	v2, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	c2 := v2.Open(nil)
	v3, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	c3 := v3.Open(nil)
	a0.Do("POST", claimPath(c2.ID), nil, http.StatusOK, nil)
	if r := a0.Raw("POST", claimPath(c3.ID), nil); r.Status != http.StatusConflict || r.ErrorCode() != "at_capacity" {
		t.Fatalf("claim over capacity: %d %s", r.Status, r.Body)
	}
	if got := d.conversation(d.admin, c3.ID); got.Status != "queued" {
		t.Fatalf("the refused conversation is %+v, want still queued", got)
	}
}

// claimAll has every client claim the conversation at once and returns the
// statuses and error codes, in client order.
func claimAll(t *testing.T, clients []*testkit.Client, convIDs []int64) ([]int, []string) {
	t.Helper()
	statuses, codes := make([]int, len(clients)), make([]string, len(clients))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range clients {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			r := clients[i].Raw("POST", claimPath(convIDs[i]), nil)
			statuses[i], codes[i] = r.Status, r.ErrorCode()
		}(i)
	}
	close(start)
	wg.Wait()
	return statuses, codes
}

func TestConcurrentClaimsHaveExactlyOneWinner(t *testing.T) {
	const agents = 12
	d := newDesk(t, agents, 5)
	for round := 0; round < 3; round++ {
		v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
		conv := v.Open(nil)
		ids := make([]int64, agents)
		for i := range ids {
			ids[i] = conv.ID
		}
		statuses, codes := claimAll(t, d.agents, ids)
		winner := int64(0)
		for i, st := range statuses {
			switch {
			case st == http.StatusOK && winner == 0:
				winner = d.agents[i].UserID
			case st == http.StatusConflict && codes[i] == "already_assigned":
			default:
				t.Fatalf("round %d: claims answered %v %v, want one 200 and 409 already_assigned for the rest", round, statuses, codes)
			}
		}
		if got := d.conversation(d.admin, conv.ID); winner == 0 || got.AssigneeID() != winner {
			t.Fatalf("round %d: winner %d, conversation %+v", round, winner, got)
		}
	}

	// One agent of capacity 1 claiming five waiting conversations of five
	// queues at once gets exactly one.
	solo := d.agents[0]
	var mine struct {
		Items []testkit.SupportConversation `json:"items"`
	}
	solo.Do("GET", "/api/v1/agent/conversations?view=mine&limit=200", nil, http.StatusOK, &mine)
	for _, c := range mine.Items { // agent 0 may have won a round above
		if c.Status == "assigned" {
			solo.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/resolve", c.ID), nil, http.StatusOK, nil)
		}
	}
	var clients []*testkit.Client
	var ids []int64
	for i := 0; i < 5; i++ {
		q := d.queue
		if i > 0 {
			var created struct {
				ID int64 `json:"id"`
			}
			d.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/queues", d.site.ID), map[string]string{"name": fmt.Sprint("Queue ", i)}, http.StatusCreated, &created)
			q = created.ID
		}
		d.admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", q, solo.UserID), map[string]int{"capacity": 1}, http.StatusNoContent, nil)
		v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
		clients, ids = append(clients, solo), append(ids, v.Open(map[string]any{"queue_id": q}).ID)
	}
	statuses, codes := claimAll(t, clients, ids)
	won := 0
	for i, st := range statuses {
		switch {
		case st == http.StatusOK:
			won++
		case st == http.StatusConflict && codes[i] == "at_capacity":
		default:
			t.Fatalf("claims of one agent answered %v %v", statuses, codes)
		}
	}
	if won != 1 {
		t.Fatalf("an agent of capacity 1 won %d of 5 simultaneous claims (%v)", won, statuses)
	}
}

func TestTwentyConcurrentRatingsStoreOne(t *testing.T) {
	d := newDesk(t, 1, 3)
	d.online(d.agents[0])
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv := v.Open(nil)
	d.agents[0].Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/resolve", conv.ID), nil, http.StatusOK, nil)
	const n = 20
	statuses, codes := make([]int, n), make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			r := v.Raw("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/rating", conv.ID), map[string]any{"score": i%5 + 1, "comment": fmt.Sprint("try ", i)})
			statuses[i], codes[i] = r.Status, r.ErrorCode()
		}(i)
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, st := range statuses {
		switch {
		case st == http.StatusOK && winner < 0:
			winner = i
		case st == http.StatusConflict && codes[i] == "already_rated":
		default:
			t.Fatalf("ratings answered %v %v, want one 200 and 409 already_rated for the rest", statuses, codes)
		}
	}
	if winner < 0 {
		t.Fatalf("no rating was stored: %v %v", statuses, codes)
	}
	if got := d.conversation(d.admin, conv.ID); got.Rating == nil || *got.Rating != winner%5+1 {
		t.Fatalf("stored rating %v, want the winner's %d", got.Rating, winner%5+1)
	}
	var report struct {
		Totals struct {
			Ratings int `json:"ratings"`
		} `json:"totals"`
	}
	d.admin.Do("GET", fmt.Sprintf("/api/v1/sites/%d/reports", d.site.ID), nil, http.StatusOK, &report)
	if report.Totals.Ratings != 1 {
		t.Fatalf("the report counts %d ratings, want 1", report.Totals.Ratings)
	}
}

func TestPageURLsOutsideTheSiteOriginsAreNeverStoredOrMailed(t *testing.T) {
	mail := smtpd.Start(t)
	d := newDesk(t, 1, 3, testkit.WithSMTP(mail.URL()), testkit.WithConfig(func(c *config.Config) {
		c.VisitorNotifyDelay = time.Second
	}))
	d.online(d.agents[0])
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/sites/%d", d.site.ID), map[string]any{"allowed_origins": []string{"https://shop.example"}}, http.StatusOK, nil)
	c := d.srv.Client()
	var sess testkit.VisitorSession
	c.Raw("POST", "/api/v1/widget/session", map[string]any{"site_key": d.site.PublicKey, "page_url": "https://shop.example/cart?item=7"},
		"Origin", "https://shop.example").JSON(t, &sess)
	if sess.Visitor.PageURL != "https://shop.example/cart?item=7" {
		t.Fatalf("allowed page: %+v", sess.Visitor)
	}
	for _, page := range []string{
		"https://phish.example/login",
		"http://shop.example.phish.example/",
		"https://user:pw@shop.example/",
		"javascript:alert(1)",
		"//phish.example/",
		"not a url",
	} {
		t.Run(page, func(t *testing.T) {
			r := c.Raw("POST", "/api/v1/widget/session", map[string]any{"site_key": d.site.PublicKey, "visitor_token": sess.VisitorToken, "page_url": page},
				"Origin", "https://shop.example")
			var e struct {
				Error struct {
					Details map[string]string `json:"details"`
				} `json:"error"`
			}
			r.JSON(t, &e)
			if r.Status != http.StatusBadRequest || r.ErrorCode() != "invalid_input" || e.Error.Details["page_url"] == "" {
				t.Fatalf("%d %s, want 400 invalid_input naming page_url", r.Status, r.Body)
			}
		})
	}
	// None of the refused pages was stored: the agent sees the shop's page,
	// and the mail of an unseen reply links back to it.
	vic := visitorWithEmail(t, d, sess.VisitorToken, "vic@example.com")
	if page := pageSeenByAgent(t, d, vic); page != "https://shop.example/cart?item=7" {
		t.Fatalf("the agent sees page %q", page)
	}
	d.agents[0].SendText(vic, "r1", "It ships today.")
	got := mail.WaitFor(t, 1, 15*time.Second)[0].Parse(t)
	if !strings.Contains(got.Text, "https://shop.example/cart?item=7&parley=open") || strings.Contains(got.Text, "phish") {
		t.Fatalf("visitor's mail:\n%s", got.Text)
	}

	// A page stored while its origin was allowed is no longer linked from
	// mail once the site drops the origin.
	var other testkit.VisitorSession
	c.Raw("POST", "/api/v1/widget/session", map[string]any{"site_key": d.site.PublicKey, "page_url": "https://shop.example/other"},
		"Origin", "https://shop.example").JSON(t, &other)
	walt := visitorWithEmail(t, d, other.VisitorToken, "walt@example.com")
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/sites/%d", d.site.ID), map[string]any{"allowed_origins": []string{"https://store.example"}}, http.StatusOK, nil)
	d.agents[0].SendText(walt, "r2", "Tracking number follows.")
	got = mail.WaitFor(t, 2, 15*time.Second)[1].Parse(t)
	if got.To[0] != "walt@example.com" || !strings.Contains(got.Text, "Tracking number follows.") || strings.Contains(got.Text, "shop.example") {
		t.Fatalf("mail after the origin was dropped, to %v:\n%s", got.To, got.Text)
	}
}

// visitorWithEmail leaves an e-mail address as the visitor with this token
// and opens their conversation.
func visitorWithEmail(t *testing.T, d *desk, token, email string) int64 {
	t.Helper()
	v := d.srv.Client()
	v.Token, v.Scheme = token, "Visitor"
	v.Do("PATCH", "/api/v1/widget/visitor", map[string]string{"email": email}, http.StatusOK, nil)
	var opened struct {
		Conversation testkit.SupportConversation `json:"conversation"`
	}
	v.Do("POST", "/api/v1/widget/conversations", map[string]any{}, http.StatusCreated, &opened)
	return opened.Conversation.ID
}

// pageSeenByAgent is the visitor page the admin's inbox shows for a conversation.
func pageSeenByAgent(t *testing.T, d *desk, convID int64) string {
	t.Helper()
	var out struct {
		Items []struct {
			ID      int64 `json:"id"`
			Visitor struct {
				PageURL string `json:"page_url"`
			} `json:"visitor"`
		} `json:"items"`
	}
	d.admin.Do("GET", "/api/v1/agent/conversations?view=all&limit=200", nil, http.StatusOK, &out)
	for _, c := range out.Items {
		if c.ID == convID {
			return c.Visitor.PageURL
		}
	}
	t.Fatalf("conversation %d is not in the inbox", convID)
	return ""
}
