package chat_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/testkit/smtpd"
)

// A digest job that claimed its mail and died before sending it sends it
// when it runs again; another job in the window folds into that mail.
func TestOfflineDigestClaimedByADeadRunIsSentByItsRetry(t *testing.T) {
	mail := smtpd.Start(t)
	srv := testkit.Start(t, testkit.WithSMTP(mail.URL()), testkit.WithConfig(func(c *config.Config) {
		c.OfflineNotifyDelay = time.Hour // no scheduled digest runs during the test
	}))
	admin := srv.Setup()
	alice := srv.NewUser(admin, "alice")
	bob := srv.NewUser(admin, "bob") // offline, never reads
	srv.MakeFriends(alice, bob)
	toBob := alice.OpenDirect(bob.UserID)
	alice.SendText(toBob.ID, "b1", "lost once, found again")

	ctx, st, svc := t.Context(), srv.App.Store, srv.App.Chat
	// Job 7001 claims the mail, and its node dies before sending.
	now := time.Now().UTC()
	claimed, err := st.ClaimDigest(ctx, toBob.ID, bob.UserID, "7001", now, now.Add(-time.Hour))
	if err != nil || !claimed {
		t.Fatalf("claim as job 7001: %v, %v", claimed, err)
	}
	// Job 7001 runs again: the mail goes out, once.
	if err := svc.SendOfflineDigest(ctx, "7001", bob.UserID, toBob.ID); err != nil {
		t.Fatal(err)
	}
	msgs := mail.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d mails after the retry of the claiming job, want 1", len(msgs))
	}
	got := msgs[0].Parse(t)
	if got.To[0] != "bob@example.com" || !strings.Contains(got.Text, "lost once, found again") {
		t.Fatalf("digest to %v: %q", got.To, got.Text)
	}
	u, _ := url.Parse(srv.URL)
	if id, want := got.Header.Get("Message-ID"), "<parley.job.7001@"+u.Hostname()+">"; id != want {
		t.Fatalf("Message-ID %q, want %q", id, want)
	}
	// Another job within the window folds: nothing more is sent.
	if err := svc.SendOfflineDigest(ctx, "7002", bob.UserID, toBob.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(mail.Messages()); n != 1 {
		t.Fatalf("%d mails after another job in the window, want 1", n)
	}
}
