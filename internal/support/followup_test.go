package support_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/jobs"
	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/testkit/smtpd"
)

func TestOfflineFollowUpMailsGoOutOnceAndOnlyWhenNeeded(t *testing.T) {
	mail := smtpd.Start(t)
	d := newDesk(t, 2, 3, testkit.WithSMTP(mail.URL()), testkit.WithFakeClock(), testkit.WithConfig(func(c *config.Config) {
		c.AgentNotifyDelay, c.VisitorNotifyDelay = time.Minute, 5*time.Minute
	}))
	d.online(d.agents[0])
	// 1. Unanswered visitor messages: one mail to the assignee with both;
	//    then an unseen reply: one mail to the visitor with a link back.
	v, conv := d.vera(d.srv.URL + "/demo?product=42")
	for i, body := range []string{"Is it in stock?", "I need it by Friday"} {
		v.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv.ID), map[string]string{"client_msg_id": fmt.Sprint("v", i), "body": body}, http.StatusCreated, nil)
	}
	d.srv.Advance(time.Minute)
	got := mail.WaitFor(t, 1, 15*time.Second)[0].Parse(t)
	if got.To[0] != "agent0@example.com" || !strings.Contains(got.Text, "Is it in stock?") || !strings.Contains(got.Text, "I need it by Friday") ||
		!strings.Contains(got.Text, "vera@example.com") || !strings.Contains(got.Subject, "Vera") {
		t.Fatalf("agents' mail to %v: %s\n%s", got.To, got.Subject, got.Text)
	}
	d.agents[0].SendText(conv.ID, "r1", "Yes, and it ships tomorrow.")
	d.srv.Advance(5 * time.Minute)
	got = mail.WaitFor(t, 2, 15*time.Second)[1].Parse(t)
	if got.To[0] != "vera@example.com" || !strings.Contains(got.Text, "Yes, and it ships tomorrow.") ||
		!strings.Contains(got.Text, d.srv.URL+"/demo?parley=open&product=42") {
		t.Fatalf("visitor's mail to %v:\n%s", got.To, got.Text)
	}

	// 2. Answered and seen in time: no mail at all.
	w, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	w.Do("PATCH", "/api/v1/widget/visitor", map[string]string{"email": "walt@example.com"}, http.StatusOK, nil)
	conv2 := w.Open(nil)
	ws := w.Dial()
	w.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv2.ID), map[string]string{"client_msg_id": "w1", "body": "hello?"}, http.StatusCreated, nil)
	reply := d.agents[0].SendText(conv2.ID, "r2", "Hi Walt!")
	ws.Send(map[string]any{"type": "read", "conversation_id": conv2.ID, "seq": reply.Seq})
	ws.Send(map[string]any{"type": "ping"})
	ws.ReadType("pong", 5*time.Second)

	// 3. Nobody online: the queue's agents are all mailed.
	d.agents[0].Do("PUT", "/api/v1/agent/status", map[string]string{"status": "offline"}, http.StatusOK, nil)
	x, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv3 := x.Open(nil)
	x.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv3.ID), map[string]string{"client_msg_id": "x1", "body": "anyone there?"}, http.StatusCreated, nil)
	d.srv.Advance(5 * time.Minute) // Walt's follow-ups come due too
	got = mail.WaitFor(t, 3, 15*time.Second)[2].Parse(t)
	sort.Strings(got.To)
	if strings.Join(got.To, ",") != "agent0@example.com,agent1@example.com" || !strings.Contains(got.Text, "anyone there?") {
		t.Fatalf("mail for a queued conversation to %v:\n%s", got.To, got.Text)
	}
	// Every follow-up due has run: no other mail is on its way.
	d.srv.WaitJobs(jobs.TypeNotifyAgents)
	d.srv.WaitJobs(jobs.TypeNotifyVisitor)
	if n := len(mail.Messages()); n != 3 {
		var to []string
		for _, m := range mail.Messages() {
			to = append(to, m.To...)
		}
		t.Fatalf("%d mails (to %v), want 3", n, to)
	}
}

func TestAgentStaysRoutableThroughTheGracePeriod(t *testing.T) {
	d := newDesk(t, 1, 5, testkit.WithFakeClock(), testkit.WithConfig(func(c *config.Config) { c.AgentGrace = 1500 * time.Millisecond }))
	a := d.agents[0]
	d.online(a)
	ws := a.Dial()
	ws.Conn.Close()
	waitSessions(t, d, a.UserID, 0)
	v1, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	if c := v1.Open(nil); c.AssigneeID() != a.UserID {
		t.Fatalf("within the grace period: %+v", c)
	}
	d.srv.Advance(1600 * time.Millisecond)
	v2, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	c2 := v2.Open(nil)
	if c2.Status != "queued" {
		t.Fatalf("after the grace period: %+v", c2)
	}
	a.Dial()
	deadline := time.Now().Add(5 * time.Second)
	for d.conversation(d.admin, c2.ID).AssigneeID() != a.UserID {
		if time.Now().After(deadline) {
			t.Fatalf("the reconnected agent did not take the waiting conversation: %+v", d.conversation(d.admin, c2.ID))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitSessions(t *testing.T, d *desk, userID int64, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for d.srv.App.Hub.LocalSessions(fmt.Sprintf("u:%d", userID)) != n {
		if time.Now().After(deadline) {
			t.Fatalf("user %d still has %d sessions", userID, d.srv.App.Hub.LocalSessions(fmt.Sprintf("u:%d", userID)))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
