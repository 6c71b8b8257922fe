package chat_test

import (
	"encoding/json"
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

type muteView struct {
	ID         int64      `json:"id"`
	Unread     int64      `json:"unread"`
	Muted      bool       `json:"muted"`
	MutedUntil *time.Time `json:"muted_until"`
}

// listed returns the conversation as the client's list shows it.
func listed(t *testing.T, c *testkit.Client, id int64) muteView {
	t.Helper()
	var page struct {
		Items []muteView `json:"items"`
	}
	c.Do("GET", "/api/v1/conversations", nil, http.StatusOK, &page)
	for _, v := range page.Items {
		if v.ID == id {
			return v
		}
	}
	t.Fatalf("conversation %d not listed", id)
	return muteView{}
}

func mutePath(id int64) string { return fmt.Sprintf("/api/v1/conversations/%d/notifications", id) }

// signIn signs c's user in again: after the fake clock moved hours on,
// their access token has expired.
func signIn(srv *testkit.Server, c *testkit.Client) *testkit.Client {
	return srv.Login(c.Username, "password-"+c.Username)
}

func friendsWithChat(t *testing.T, srv *testkit.Server, admin *testkit.Client) (alice, bob *testkit.Client, conv testkit.Conversation) {
	t.Helper()
	alice = srv.NewUser(admin, "alice")
	bob = srv.NewUser(admin, "bob")
	srv.MakeFriends(alice, bob)
	return alice, bob, alice.OpenDirect(bob.UserID)
}

func TestMuteForATimeEndsByItselfAndStillCountsUnread(t *testing.T) {
	srv := testkit.Start(t, testkit.WithFakeClock())
	alice, bob, conv := friendsWithChat(t, srv, srv.Setup())
	until := srv.Clock.Now().Add(time.Hour).UTC().Truncate(time.Second)

	var st muteView
	bob.Do("PUT", mutePath(conv.ID), map[string]any{"muted_until": until.Format(time.RFC3339)}, http.StatusOK, &st)
	if !st.Muted || st.MutedUntil == nil || !st.MutedUntil.Equal(until) {
		t.Fatalf("answer %+v, want muted until %s", st, until)
	}
	alice.SendText(conv.ID, "m1", "hello")
	if v := listed(t, bob, conv.ID); !v.Muted || v.MutedUntil == nil || !v.MutedUntil.Equal(until) || v.Unread != 1 {
		t.Fatalf("bob's list shows %+v, want muted until %s with 1 unread", v, until)
	}
	var one muteView
	bob.Do("GET", fmt.Sprintf("/api/v1/conversations/%d", conv.ID), nil, http.StatusOK, &one)
	if !one.Muted {
		t.Fatalf("bob's conversation shows %+v, want muted", one)
	}
	if v := listed(t, alice, conv.ID); v.Muted {
		t.Fatal("alice sees bob's mute as hers")
	}

	srv.Advance(time.Hour)
	bob = signIn(srv, bob)
	if v := listed(t, bob, conv.ID); v.Muted || v.MutedUntil != nil {
		t.Fatalf("after the hour bob's list shows %+v, want unmuted", v)
	}
}

func TestMuteForEverAndUnmute(t *testing.T) {
	srv := testkit.Start(t, testkit.WithFakeClock())
	_, bob, conv := friendsWithChat(t, srv, srv.Setup())
	var st muteView
	bob.Do("PUT", mutePath(conv.ID), map[string]any{"muted_forever": true}, http.StatusOK, &st)
	if !st.Muted || st.MutedUntil != nil {
		t.Fatalf("answer %+v, want muted for ever", st)
	}
	srv.Advance(400 * 24 * time.Hour)
	bob = signIn(srv, bob)
	if v := listed(t, bob, conv.ID); !v.Muted || v.MutedUntil != nil {
		t.Fatalf("a year on, bob's list shows %+v, want muted for ever", v)
	}
	bob.Do("PUT", mutePath(conv.ID), map[string]any{"muted_until": nil}, http.StatusOK, &st)
	if st.Muted {
		t.Fatalf("unmute answered %+v", st)
	}
	if v := listed(t, bob, conv.ID); v.Muted {
		t.Fatalf("after unmuting bob's list shows %+v", v)
	}
}

func TestMuteTellsTheUsersOtherSessions(t *testing.T) {
	srv := testkit.Start(t)
	alice, bob, conv := friendsWithChat(t, srv, srv.Setup())
	tab1, tab2 := bob.Dial(), bob.Dial()
	aliceWS := alice.Dial()
	bob.Do("PUT", mutePath(conv.ID), map[string]any{"muted_forever": true}, http.StatusOK, nil)
	for i, ws := range []*testkit.WS{tab1, tab2} {
		var f struct {
			ConversationID int64      `json:"conversation_id"`
			Muted          bool       `json:"muted"`
			MutedUntil     *time.Time `json:"muted_until"`
		}
		ws.ReadType("conversation_mute", 10*time.Second).Decode(t, &f)
		if f.ConversationID != conv.ID || !f.Muted || f.MutedUntil != nil {
			t.Fatalf("tab %d got %+v", i+1, f)
		}
	}
	// Alice hears nothing of it: her next frame is her own message's ack.
	aliceWS.Send(map[string]any{"type": "send", "client_msg_id": "after", "conversation_id": conv.ID, "kind": "text", "body": "hi"})
	aliceWS.NoFrameBefore(testkit.OfType("conversation_mute"), testkit.OfType("ack"))
}

func TestMuteRefusesBadInputNamingTheField(t *testing.T) {
	srv := testkit.Start(t, testkit.WithFakeClock())
	_, bob, conv := friendsWithChat(t, srv, srv.Setup())
	now := srv.Clock.Now().UTC()
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"past", map[string]any{"muted_until": now.Add(-time.Minute).Format(time.RFC3339)}, "muted_until"},
		{"beyond a year", map[string]any{"muted_until": now.Add(400 * 24 * time.Hour).Format(time.RFC3339)}, "muted_until"},
		{"not a time", map[string]any{"muted_until": "tomorrow"}, "muted_until"},
		{"both", map[string]any{"muted_until": now.Add(time.Hour).Format(time.RFC3339), "muted_forever": true}, "muted_until"},
		{"forever not a bool", map[string]any{"muted_forever": "yes"}, "muted_forever"},
		{"unknown field", map[string]any{"mute": true}, "mute"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := bob.Raw("PUT", mutePath(conv.ID), tc.body)
			if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"`+tc.field+`"`) {
				t.Fatalf("got %d %s, want 400 naming %s", r.Status, r.Body, tc.field)
			}
		})
	}
}

func TestMuteOfAConversationOneCannotReadIsNotFound(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	_, _, conv := friendsWithChat(t, srv, admin)
	carol := srv.NewUser(admin, "carol")
	for _, id := range []int64{conv.ID, conv.ID + 1000} {
		r := carol.Raw("PUT", mutePath(id), map[string]any{"muted_forever": true})
		if r.Status != http.StatusNotFound {
			t.Fatalf("carol muting conversation %d: %d %s, want 404", id, r.Status, r.Body)
		}
	}
}

type settings struct {
	DND *struct {
		Start    string `json:"start"`
		End      string `json:"end"`
		TimeZone string `json:"time_zone"`
	} `json:"dnd"`
	DNDActive bool `json:"dnd_active"`
}

// advanceTo moves the fake clock forward to the next hh:mm in zone.
func advanceTo(t *testing.T, srv *testkit.Server, zone string, hh, mm int) {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	now := srv.Clock.Now().In(loc)
	next := time.Date(now.Year(), now.Month(), now.Day(), hh, mm, 0, 0, loc)
	if !next.After(now) {
		next = next.AddDate(0, 0, 1)
	}
	srv.Advance(next.Sub(now))
}

func TestDoNotDisturbHoursCrossMidnightInTheirZone(t *testing.T) {
	srv := testkit.Start(t, testkit.WithFakeClock())
	admin := srv.Setup()
	bob := srv.NewUser(admin, "bob")
	var got settings
	bob.Do("GET", "/api/v1/me/notifications", nil, http.StatusOK, &got)
	if got.DND != nil || got.DNDActive {
		t.Fatalf("a new user has quiet hours: %+v", got)
	}
	dnd := map[string]any{"dnd": map[string]any{"start": "22:00", "end": "08:00", "time_zone": "Asia/Shanghai"}}
	bob.Do("PUT", "/api/v1/me/notifications", dnd, http.StatusOK, &got)
	if got.DND == nil || got.DND.Start != "22:00" || got.DND.TimeZone != "Asia/Shanghai" {
		t.Fatalf("saved %+v", got)
	}
	for _, step := range []struct {
		hh, mm int
		active bool
	}{
		{21, 59, false}, {22, 0, true}, {23, 30, true}, {0, 30, true}, {7, 59, true}, {8, 0, false}, {12, 0, false},
	} {
		advanceTo(t, srv, "Asia/Shanghai", step.hh, step.mm)
		bob = signIn(srv, bob)
		bob.Do("GET", "/api/v1/me/notifications", nil, http.StatusOK, &got)
		if got.DNDActive != step.active {
			t.Fatalf("at %02d:%02d Shanghai (%s UTC) dnd_active = %v, want %v", step.hh, step.mm,
				srv.Clock.Now().UTC().Format("15:04"), got.DNDActive, step.active)
		}
	}
	bob.Do("PUT", "/api/v1/me/notifications", map[string]any{"dnd": nil}, http.StatusOK, &got)
	if got.DND != nil {
		t.Fatalf("turning off answered %+v", got)
	}
}

func TestDoNotDisturbRefusesBadInputNamingTheField(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	bob := srv.NewUser(admin, "bob")
	dnd := func(start, end, zone string) map[string]any {
		return map[string]any{"dnd": map[string]any{"start": start, "end": end, "time_zone": zone}}
	}
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"bad start", dnd("25:00", "08:00", "UTC"), "dnd.start"},
		{"start without minutes", dnd("22", "08:00", "UTC"), "dnd.start"},
		{"bad end", dnd("22:00", "8:00", "UTC"), "dnd.end"},
		{"empty hours", dnd("22:00", "22:00", "UTC"), "dnd.end"},
		{"unknown zone", dnd("22:00", "08:00", "Mars/Olympus"), "dnd.time_zone"},
		{"no zone", dnd("22:00", "08:00", ""), "dnd.time_zone"},
		{"server's local zone", dnd("22:00", "08:00", "Local"), "dnd.time_zone"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := bob.Raw("PUT", "/api/v1/me/notifications", tc.body)
			var e struct {
				Error struct {
					Details map[string]string `json:"details"`
				} `json:"error"`
			}
			_ = json.Unmarshal(r.Body, &e)
			if r.Status != http.StatusBadRequest || e.Error.Details[tc.field] == "" {
				t.Fatalf("got %d %s, want 400 naming %s", r.Status, r.Body, tc.field)
			}
		})
	}
}

func TestOfflineDigestIsHeldBackByMuteAndQuietHours(t *testing.T) {
	mail := smtpd.Start(t)
	srv := testkit.Start(t, testkit.WithSMTP(mail.URL()), testkit.WithFakeClock(), testkit.WithConfig(func(c *config.Config) {
		c.OfflineNotifyDelay = 2 * time.Minute
	}))
	admin := srv.Setup()
	alice := srv.NewUser(admin, "alice")
	bob := srv.NewUser(admin, "bob")     // mutes after the digest was scheduled
	carol := srv.NewUser(admin, "carol") // in quiet hours
	dave := srv.NewUser(admin, "dave")   // hears everything
	for _, peer := range []*testkit.Client{bob, carol, dave} {
		srv.MakeFriends(alice, peer)
	}
	toBob, toCarol, toDave := alice.OpenDirect(bob.UserID), alice.OpenDirect(carol.UserID), alice.OpenDirect(dave.UserID)

	// Carol's quiet hours hold for the next three hours, in Sydney's time.
	syd, _ := time.LoadLocation("Australia/Sydney")
	local := srv.Clock.Now().In(syd)
	hours := map[string]any{"dnd": map[string]any{
		"start": local.Add(-time.Hour).Format("15:04"), "end": local.Add(3 * time.Hour).Format("15:04"), "time_zone": "Australia/Sydney",
	}}
	carol.Do("PUT", "/api/v1/me/notifications", hours, http.StatusOK, nil)

	alice.SendText(toBob.ID, "b1", "for bob")
	alice.SendText(toCarol.ID, "c1", "for carol")
	alice.SendText(toDave.ID, "d1", "for dave")
	bob.Do("PUT", mutePath(toBob.ID), map[string]any{"muted_until": srv.Clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, http.StatusOK, nil)
	srv.Advance(2 * time.Minute)

	got := mail.WaitFor(t, 1, 15*time.Second)[0].Parse(t)
	if got.To[0] != "dave@example.com" || !strings.Contains(got.Text, "for dave") {
		t.Fatalf("digest to %v: %q", got.To, got.Text)
	}
	srv.WaitJobs(jobs.TypeOfflineDigest)
	if msgs := mail.Messages(); len(msgs) != 1 {
		var to []string
		for _, m := range msgs {
			to = append(to, m.To...)
		}
		t.Fatalf("%d mails sent (to %v), want only dave's digest", len(msgs), to)
	}
	// Muted and quiet conversations still count their messages unread.
	if v := listed(t, bob, toBob.ID); !v.Muted || v.Unread != 1 {
		t.Fatalf("bob's muted chat shows %+v", v)
	}
}
