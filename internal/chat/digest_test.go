package chat_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/jobs"
	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/testkit/smtpd"
)

func TestOfflineDigestIsMailedOnceAndNotWhenReadInTime(t *testing.T) {
	mail := smtpd.Start(t)
	srv := testkit.Start(t, testkit.WithSMTP(mail.URL()), testkit.WithFakeClock(), testkit.WithConfig(func(c *config.Config) {
		c.OfflineNotifyDelay = 2 * time.Minute
	}))
	admin := srv.Setup()
	alice := srv.NewUser(admin, "alice")
	bob := srv.NewUser(admin, "bob")     // offline, never reads
	carol := srv.NewUser(admin, "carol") // offline, reads in time
	dave := srv.NewUser(admin, "dave")   // online
	for _, peer := range []*testkit.Client{bob, carol, dave} {
		srv.MakeFriends(alice, peer)
	}
	dave.Dial()
	toBob, toCarol, toDave := alice.OpenDirect(bob.UserID), alice.OpenDirect(carol.UserID), alice.OpenDirect(dave.UserID)

	alice.SendText(toBob.ID, "b1", "first for bob")
	alice.SendText(toBob.ID, "b2", "second for bob")
	m := alice.SendText(toCarol.ID, "c1", "for carol")
	carol.Do("POST", fmt.Sprintf("/api/v1/conversations/%d/read", toCarol.ID), map[string]int64{"seq": m.Seq}, http.StatusNoContent, nil)
	alice.SendText(toDave.ID, "d1", "for dave")
	srv.Advance(2 * time.Minute)

	got := mail.WaitFor(t, 1, 15*time.Second)[0].Parse(t)
	if got.To[0] != "bob@example.com" || !strings.Contains(got.Text, "first for bob") || !strings.Contains(got.Text, "second for bob") {
		t.Fatalf("digest to %v: %q", got.To, got.Text)
	}
	if !strings.Contains(got.Text, fmt.Sprintf("%s/console/#/c/%d", srv.URL, toBob.ID)) {
		t.Fatalf("digest lacks a link to the conversation: %q", got.Text)
	}
	// Every digest due has run: no other mail is on its way.
	srv.WaitJobs(jobs.TypeOfflineDigest)
	if msgs := mail.Messages(); len(msgs) != 1 {
		var to []string
		for _, m := range msgs {
			to = append(to, m.To...)
		}
		t.Fatalf("%d mails sent (to %v), want only bob's digest", len(msgs), to)
	}
}
