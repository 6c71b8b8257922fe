package support_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/testkit/smtpd"
)

// A follow-up job that claimed its mail and died before sending it sends
// it when it runs again; another job folds into that mail.
func TestFollowUpClaimedByADeadRunIsSentByItsRetry(t *testing.T) {
	mail := smtpd.Start(t)
	d := newDesk(t, 1, 3, testkit.WithSMTP(mail.URL()), testkit.WithConfig(func(c *config.Config) {
		// No scheduled follow-up runs during the test.
		c.AgentNotifyDelay, c.VisitorNotifyDelay = time.Hour, time.Hour
	}))
	d.online(d.agents[0])
	v, conv := d.vera(d.srv.URL + "/demo")
	v.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv.ID), map[string]string{"client_msg_id": "v1", "body": "Is it in stock?"}, http.StatusCreated, nil)

	ctx, st, svc := t.Context(), d.srv.App.Store, d.srv.App.FollowUps
	u, _ := url.Parse(d.srv.URL)
	check := func(what, to, text, job string, n int) {
		t.Helper()
		msgs := mail.Messages()
		if len(msgs) != n {
			t.Fatalf("%s: %d mails, want %d", what, len(msgs), n)
		}
		got := msgs[n-1].Parse(t)
		if got.To[0] != to || !strings.Contains(got.Text, text) {
			t.Fatalf("%s: mail to %v: %q", what, got.To, got.Text)
		}
		if id, want := got.Header.Get("Message-ID"), "<parley.job."+job+"@"+u.Hostname()+">"; id != want {
			t.Fatalf("%s: Message-ID %q, want %q", what, id, want)
		}
	}

	// The agents' mail: job 8001 claims it and dies before sending.
	seq, err := st.LastSeqFrom(ctx, conv.ID, store.SenderVisitor)
	if err != nil {
		t.Fatal(err)
	}
	if claimed, err := st.ClaimAgentsNotified(ctx, conv.ID, "8001", 0, seq); err != nil || !claimed {
		t.Fatalf("claim as job 8001: %v, %v", claimed, err)
	}
	if err := svc.NotifyAgents(ctx, "8001", conv.ID); err != nil {
		t.Fatal(err)
	}
	check("the agents' mail, retried by its job", "agent0@example.com", "Is it in stock?", "8001", 1)
	if err := svc.NotifyAgents(ctx, "8002", conv.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(mail.Messages()); n != 1 {
		t.Fatalf("%d mails after another agents' job, want 1", n)
	}

	// The visitor's mail: job 8003 claims it and dies before sending.
	d.agents[0].SendText(conv.ID, "r1", "Yes, and it ships tomorrow.")
	now := time.Now().UTC()
	if claimed, err := st.ClaimVisitorNotify(ctx, conv.ID, "8003", now, now.Add(-time.Hour)); err != nil || !claimed {
		t.Fatalf("claim as job 8003: %v, %v", claimed, err)
	}
	if err := svc.NotifyVisitor(ctx, "8003", conv.ID); err != nil {
		t.Fatal(err)
	}
	check("the visitor's mail, retried by its job", "vera@example.com", "Yes, and it ships tomorrow.", "8003", 2)
	if err := svc.NotifyVisitor(ctx, "8004", conv.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(mail.Messages()); n != 2 {
		t.Fatalf("%d mails after another visitor's job in the window, want 2", n)
	}
}
