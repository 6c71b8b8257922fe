package social_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/testkit"
)

type presenceFrame struct {
	UserID     int64      `json:"user_id"`
	Status     string     `json:"status"`
	LastSeenAt *time.Time `json:"last_seen_at"`
}

func readPresence(t *testing.T, ws *testkit.WS) presenceFrame {
	t.Helper()
	var f presenceFrame
	ws.ReadType("presence", 5*time.Second).Decode(t, &f)
	return f
}

func presenceOf(t *testing.T, viewer *testkit.Client, userID int64) presence {
	t.Helper()
	for _, f := range friendsOf(viewer) {
		if f.User.ID == userID {
			return f.Presence
		}
	}
	t.Fatalf("%d is not a friend of %s", userID, viewer.Username)
	return presence{}
}

func TestPresenceReachesFriendsOnly(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	alice := srv.NewUser(admin, "alice")
	bob := srv.NewUser(admin, "bob")     // friend
	carol := srv.NewUser(admin, "carol") // stranger
	dave := srv.NewUser(admin, "dave")   // friend who blocked alice
	erin := srv.NewUser(admin, "erin")   // friend whom alice blocked
	for _, f := range []*testkit.Client{bob, dave, erin} {
		srv.MakeFriends(alice, f)
	}

	dave.Do("PUT", fmt.Sprintf("/api/v1/blocks/%d", alice.UserID), nil, http.StatusNoContent, nil)
	alice.Do("PUT", fmt.Sprintf("/api/v1/blocks/%d", erin.UserID), nil, http.StatusNoContent, nil)
	bws, cws, dws, ews := bob.Dial(), carol.Dial(), dave.Dial(), erin.Dial()

	if p := presenceOf(t, bob, alice.UserID); p.Status != "offline" || p.LastSeenAt != nil {
		t.Fatalf("alice before she ever connected: %+v", p)
	}

	first := alice.Dial()
	if f := readPresence(t, bws); f.UserID != alice.UserID || f.Status != "online" || f.LastSeenAt != nil {
		t.Fatalf("bob got %+v, want alice online", f)
	}
	if p := presenceOf(t, bob, alice.UserID); p.Status != "online" {
		t.Fatalf("bob's list shows alice %+v", p)
	}
	// Blocks hide presence either way, in lists as in frames.
	if p := presenceOf(t, dave, alice.UserID); p.Status != "offline" || p.LastSeenAt != nil {
		t.Fatalf("dave, who blocked alice, sees %+v", p)
	}
	if p := presenceOf(t, alice, dave.UserID); p.Status != "offline" {
		t.Fatalf("alice sees dave, who blocked her, %+v", p)
	}
	if p := presenceOf(t, alice, erin.UserID); p.Status != "offline" {
		t.Fatalf("alice sees erin, whom she blocked, %+v", p)
	}

	first.Send(map[string]any{"type": "presence", "status": "away"})
	if f := readPresence(t, bws); f.Status != "away" {
		t.Fatalf("bob got %+v, want away", f)
	}
	first.Send(map[string]any{"type": "presence", "status": "away"}) // no change, no frame
	first.Send(map[string]any{"type": "presence", "status": "online"})
	if f := readPresence(t, bws); f.Status != "online" {
		t.Fatalf("bob got %+v, want online", f)
	}

	// A second session changes nothing; closing one of two neither.
	second := alice.Dial()
	first.Conn.Close()
	waitSessions(t, srv, alice.UserID, 1)
	second.Send(map[string]any{"type": "presence", "status": "away"})
	if f := readPresence(t, bws); f.Status != "away" {
		t.Fatalf("bob got %+v, want away (and no offline before it)", f)
	}
	before := time.Now().Add(-time.Second)
	second.Conn.Close()
	f := readPresence(t, bws)
	if f.Status != "offline" || f.LastSeenAt == nil || f.LastSeenAt.Before(before) {
		t.Fatalf("bob got %+v, want offline with last_seen_at", f)
	}
	if p := presenceOf(t, bob, alice.UserID); p.Status != "offline" || p.LastSeenAt == nil || p.LastSeenAt.Sub(*f.LastSeenAt).Abs() > time.Millisecond {
		t.Fatalf("bob's list shows alice %+v, frame said %v", p, f.LastSeenAt)
	}
	if p := presenceOf(t, dave, alice.UserID); p.LastSeenAt != nil {
		t.Fatalf("dave learns when alice was last seen: %+v", p)
	}

	// Bob becomes everyone's friend and goes away: his presence, sent
	// after alice's last change, is the barrier that proves the others
	// never heard of hers.
	for _, f := range []*testkit.Client{carol, dave, erin} {
		srv.MakeFriends(bob, f)
	}
	bws.Send(map[string]any{"type": "presence", "status": "away"})
	for _, ws := range []*testkit.WS{cws, dws, ews} {
		ws.NoFrameBefore(presenceAbout(alice.UserID), presenceAbout(bob.UserID))
	}
}

// presenceAbout matches the presence frames of one user.
func presenceAbout(userID int64) func(testkit.Frame) bool {
	return func(f testkit.Frame) bool {
		id, _ := f["user_id"].(float64)
		return f.Type() == "presence" && int64(id) == userID
	}
}

func waitSessions(t *testing.T, srv *testkit.Server, userID int64, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for srv.App.Hub.LocalSessions(fmt.Sprintf("u:%d", userID)) != n {
		if time.Now().After(deadline) {
			t.Fatalf("user %d never had %d sessions", userID, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestNewFriendsLearnEachOthersPresence(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	alice, bob := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob")
	aws := alice.Dial()
	bws := bob.Dial()
	req := ask(bob, alice, http.StatusCreated)
	alice.Do("POST", fmt.Sprintf("/api/v1/friend-requests/%d/accept", req.ID), nil, http.StatusOK, nil)
	var fr struct {
		User     publicUser `json:"user"`
		Presence presence   `json:"presence"`
	}
	aws.ReadType("friend", 5*time.Second).Decode(t, &fr)
	if fr.User.ID != bob.UserID || fr.Presence.Status != "online" {
		t.Fatalf("alice was told %+v", fr)
	}
	bws.ReadType("friend", 5*time.Second).Decode(t, &fr)
	if fr.User.ID != alice.UserID || fr.Presence.Status != "online" {
		t.Fatalf("bob was told %+v", fr)
	}
	// Now friends, they hear each other's changes.
	aws.Send(map[string]any{"type": "presence", "status": "away"})
	if f := readPresence(t, bws); f.UserID != alice.UserID || f.Status != "away" {
		t.Fatalf("bob got %+v", f)
	}
}

func TestBlockingHidesPresenceAtOnce(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	ana, ben := srv.NewUser(admin, "ana"), srv.NewUser(admin, "ben")
	srv.MakeFriends(ana, ben)
	ana.Dial()
	bws := ben.Dial()
	ana.Do("PUT", fmt.Sprintf("/api/v1/blocks/%d", ben.UserID), nil, http.StatusNoContent, nil)
	deadline := time.Now().Add(5 * time.Second)
	for {
		var f struct {
			UserID int64  `json:"user_id"`
			Status string `json:"status"`
		}
		bws.ReadType("presence", time.Until(deadline)).Decode(t, &f)
		if f.UserID == ana.UserID && f.Status == "offline" {
			return
		}
	}
}
