package wallet_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

func TestSendDebitsOncePerClientMsgID(t *testing.T) {
	srv := start(t)
	admin := srv.Setup()
	ann, bob := srv.NewUser(admin, "ann"), srv.NewUser(admin, "bob")
	srv.MakeFriends(ann, bob)
	conv := ann.OpenDirect(bob.UserID)
	credit(admin, ann, 1000)

	first := send(ann, conv.ID, 300, 1, "equal", "rp-1")
	if first.RedPacket.TotalCents != 300 || first.RedPacket.Count != 1 || first.RedPacket.RemainingCount != 1 || first.RedPacket.Status != "open" {
		t.Fatalf("packet %+v", first.RedPacket)
	}
	m := first.Message
	if m.Kind != "red_packet" || m.Body != "Happy new year" || m.RedPacket == nil || m.RedPacket.ID != first.RedPacket.ID || m.RedPacket.Greeting != "Happy new year" {
		t.Fatalf("message %+v (red packet %+v)", m, m.RedPacket)
	}
	// Retries, one after another and all at once, return the same packet.
	again := send(ann, conv.ID, 300, 1, "equal", "rp-1")
	if again.RedPacket.ID != first.RedPacket.ID || again.Message.ID != m.ID {
		t.Fatalf("retry made packet %d / message %d, want %d / %d", again.RedPacket.ID, again.Message.ID, first.RedPacket.ID, m.ID)
	}
	var wg sync.WaitGroup
	ids := make([]int64, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := ann.Raw("POST", fmt.Sprintf("/api/v1/conversations/%d/red-packets", conv.ID), redPacket(300, 1, "equal", "rp-2"))
			if r.Status == http.StatusCreated {
				var s sent
				r.JSON(t, &s)
				ids[i] = s.RedPacket.ID
			}
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id == 0 || id != ids[0] {
			t.Fatalf("concurrent retries answered packets %v", ids)
		}
	}
	w := wallet(ann)
	if w.BalanceCents != 400 {
		t.Fatalf("balance %d after two packets of 300 sent with retries, want 400", w.BalanceCents)
	}
	sends := 0
	for _, e := range w.Entries {
		if e.Reason == "red_packet_send" {
			sends++
			if e.AmountCents != -300 {
				t.Fatalf("send entry %+v", e)
			}
		}
	}
	if sends != 2 {
		t.Fatalf("%d send entries, want 2: %+v", sends, w.Entries)
	}
	// The history shows each packet once, with its live state.
	var page struct {
		Items []message `json:"items"`
	}
	bob.Do("GET", fmt.Sprintf("/api/v1/conversations/%d/messages?after_seq=0", conv.ID), nil, http.StatusOK, &page)
	if len(page.Items) != 2 || page.Items[0].RedPacket == nil || page.Items[1].RedPacket == nil {
		t.Fatalf("history %+v", page.Items)
	}
	if r := grab(bob, first.RedPacket.ID); r.Status != http.StatusOK {
		t.Fatalf("grab %d %s", r.Status, r.Body)
	}
	bob.Do("GET", fmt.Sprintf("/api/v1/conversations/%d/messages?after_seq=0", conv.ID), nil, http.StatusOK, &page)
	if p := page.Items[0].RedPacket; p.RemainingCount != 0 || p.Status != "exhausted" {
		t.Fatalf("grabbed packet in history %+v", p)
	}
	if balance(bob) != 300 {
		t.Fatalf("bob's balance %d, want 300", balance(bob))
	}
	// Clients can't post a red_packet message themselves, nor recall one.
	r := ann.Raw("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", conv.ID), map[string]string{"client_msg_id": "fake", "kind": "red_packet", "body": "free money"})
	if r.Status != http.StatusUnprocessableEntity || r.ErrorCode() != "unsupported_kind" {
		t.Fatalf("red_packet through messages: %d %s", r.Status, r.Body)
	}
	if r := ann.Raw("POST", fmt.Sprintf("/api/v1/messages/%d/recall", m.ID), nil); r.Status != http.StatusUnprocessableEntity || r.ErrorCode() != "not_recallable" {
		t.Fatalf("recall of a red packet: %d %s", r.Status, r.Body)
	}
	audit(t, srv)
}

func TestSendRefusesBadInput(t *testing.T) {
	srv := start(t, testkit.WithConfig(func(c *config.Config) { c.RedPacketMaxCents = 5000 }))
	admin := srv.Setup()
	ann, bob, cy, dee, eve := srv.NewUser(admin, "ann"), srv.NewUser(admin, "bob"), srv.NewUser(admin, "cyd"), srv.NewUser(admin, "dee"), srv.NewUser(admin, "eve")
	srv.MakeFriends(ann, bob)
	srv.MakeFriends(ann, eve)
	direct := ann.OpenDirect(bob.UserID)
	exFriend := ann.OpenDirect(eve.UserID)
	ann.Do("DELETE", fmt.Sprintf("/api/v1/friends/%d", eve.UserID), nil, http.StatusNoContent, nil)
	g := openGroup(ann, bob, cy) // three members
	ann.Do("PATCH", fmt.Sprintf("/api/v1/groups/%d/members/%d", g.ID, cy.UserID), map[string]any{"muted_until": time.Now().Add(time.Hour)}, http.StatusOK, nil)
	for _, c := range []*testkit.Client{ann, cy, dee} {
		credit(admin, c, 10000)
	}
	ann.SendText(direct.ID, "text-1", "hello")
	poor := srv.NewUser(admin, "poor")
	srv.MakeFriends(poor, bob)
	poorConv := poor.OpenDirect(bob.UserID)
	credit(admin, poor, 99)

	long := strings.Repeat("福", 101)
	cases := []struct {
		name   string
		sender string
		conv   int64
		body   map[string]any
		status int
		code   string
		field  string
	}{
		{"two shares in a direct chat", "ann", direct.ID, redPacket(100, 2, "lucky", "a"), 400, "invalid_input", "count"},
		{"no shares", "ann", g.ConversationID, redPacket(100, 0, "lucky", "b"), 400, "invalid_input", "count"},
		{"101 shares", "ann", g.ConversationID, redPacket(1000, 101, "lucky", "c"), 400, "invalid_input", "count"},
		{"more shares than members", "ann", g.ConversationID, redPacket(100, 4, "lucky", "d"), 400, "invalid_input", "count"},
		{"nothing in it", "ann", g.ConversationID, redPacket(0, 1, "lucky", "e"), 400, "invalid_input", "total_cents"},
		{"over the maximum", "ann", g.ConversationID, redPacket(5001, 2, "lucky", "f"), 400, "invalid_input", "total_cents"},
		{"less than a cent a share", "ann", g.ConversationID, redPacket(2, 3, "equal", "g"), 400, "invalid_input", "total_cents"},
		{"unknown kind", "ann", g.ConversationID, redPacket(100, 2, "big", "h"), 400, "invalid_input", "kind"},
		{"no client_msg_id", "ann", g.ConversationID, redPacket(100, 2, "lucky", ""), 400, "invalid_input", "client_msg_id"},
		{"greeting too long", "ann", g.ConversationID, map[string]any{"total_cents": 100, "count": 1, "kind": "lucky", "greeting": long, "client_msg_id": "i"}, 413, "greeting_too_long", ""},
		{"client_msg_id of a text", "ann", direct.ID, redPacket(100, 1, "lucky", "text-1"), 409, "client_msg_id_taken", ""},
		{"insufficient funds", "poor", poorConv.ID, redPacket(100, 1, "lucky", "j"), 422, "insufficient_funds", ""},
		{"not friends", "ann", exFriend.ID, redPacket(100, 1, "lucky", "k"), 422, "not_friends", ""},
		{"muted", "cy", g.ConversationID, redPacket(100, 1, "lucky", "l"), 422, "muted", ""},
		{"not a member", "dee", g.ConversationID, redPacket(100, 1, "lucky", "m"), 404, "conversation_not_found", ""},
		{"no such conversation", "ann", 999999, redPacket(100, 1, "lucky", "n"), 404, "conversation_not_found", ""},
	}
	byName := map[string]*testkit.Client{"ann": ann, "cy": cy, "dee": dee, "poor": poor}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := byName[tc.sender].Raw("POST", fmt.Sprintf("/api/v1/conversations/%d/red-packets", tc.conv), tc.body)
			if r.Status != tc.status || r.ErrorCode() != tc.code {
				t.Fatalf("%d %s, want %d %s", r.Status, r.Body, tc.status, tc.code)
			}
			if tc.field != "" && !strings.Contains(string(r.Body), `"`+tc.field+`"`) {
				t.Fatalf("error does not name %s: %s", tc.field, r.Body)
			}
		})
	}
	for name, want := range map[string]int64{"ann": 10000, "cy": 10000, "dee": 10000, "poor": 99} {
		if got := balance(byName[name]); got != want {
			t.Fatalf("%s's balance %d after refused sends, want %d", name, got, want)
		}
	}
	// The limits themselves pass: one share per member, the maximum, a
	// cent per share.
	send(ann, g.ConversationID, 5000, 3, "lucky", "max")
	send(ann, g.ConversationID, 3, 3, "equal", "cent-each")
	send(poor, poorConv.ID, 99, 1, "lucky", "all-in")
	if balance(ann) != 10000-5003 || balance(poor) != 0 {
		t.Fatalf("balances %d and %d", balance(ann), balance(poor))
	}
	audit(t, srv)
}
