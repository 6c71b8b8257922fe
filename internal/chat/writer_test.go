package chat_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/testkit"
)

// restSend is one send over REST as a test issues it from a goroutine.
type restSend struct {
	from *testkit.Client
	body map[string]any
	conv int64 // the batch's conversation when 0
}

type restResult struct {
	status int
	msg    testkit.Message
	code   string
}

// sendInOneBatch holds the group-commit writer, issues every send at once,
// waits until queued of them reached the writer (the others are refused
// before), then lets the writer commit them together, and returns each
// answer in the order of sends.
func sendInOneBatch(t *testing.T, srv *testkit.Server, conv int64, queued int, sends []restSend) []restResult {
	t.Helper()
	release := srv.Sends.Hold()
	defer release()
	out := make([]restResult, len(sends))
	var wg sync.WaitGroup
	for i, s := range sends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			to := conv
			if s.conv != 0 {
				to = s.conv
			}
			r := s.from.Raw("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", to), s.body)
			out[i].status = r.Status
			if r.Status == http.StatusCreated {
				_ = json.Unmarshal(r.Body, &out[i].msg)
				return
			}
			var e struct {
				Error struct {
					Code string `json:"code"`
				} `json:"error"`
			}
			_ = json.Unmarshal(r.Body, &e)
			out[i].code = e.Error.Code
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for srv.App.Chat.QueuedSends() < queued {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d sends reached the writer", srv.App.Chat.QueuedSends(), queued)
		}
		time.Sleep(5 * time.Millisecond)
	}
	release()
	wg.Wait()
	return out
}

func text(cid, body string) map[string]any {
	return map[string]any{"client_msg_id": cid, "kind": "text", "body": body}
}

func TestSendsCommittedTogetherGetContiguousUniqueSeqs(t *testing.T) {
	srv, alice, bob, conv := pair(t)
	var sends []restSend
	for i := range 6 {
		sends = append(sends, restSend{from: alice, body: text(fmt.Sprintf("a%d", i), fmt.Sprintf("from alice %d", i))})
		sends = append(sends, restSend{from: bob, body: text(fmt.Sprintf("b%d", i), fmt.Sprintf("from bob %d", i))})
	}
	res := sendInOneBatch(t, srv, conv.ID, len(sends), sends)
	var seqs []int64
	for i, r := range res {
		if r.status != http.StatusCreated || r.msg.Body != sends[i].body["body"] {
			t.Fatalf("send %d answered %d %q with %+v", i, r.status, r.code, r.msg)
		}
		seqs = append(seqs, r.msg.Seq)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("seqs %v, want 1..%d each once", seqs, len(sends))
		}
	}
	page := bob.History(conv.ID, "after_seq=0")
	if len(page.Items) != len(sends) {
		t.Fatalf("history holds %d messages, want %d", len(page.Items), len(sends))
	}
	for i, m := range page.Items {
		if m.Seq != int64(i+1) {
			t.Fatalf("history out of order at %d: %+v", i, m)
		}
	}
}

func TestPipelinedSendsOfSeveralSendersKeepEachSendersOrder(t *testing.T) {
	_, alice, bob, conv := pair(t)
	const n = 25
	senders := map[string]*testkit.WS{"alice": alice.Dial(), "bob": bob.Dial()}
	for name, ws := range senders {
		go func() {
			for i := range n {
				ws.Send(sendFrame(conv.ID, fmt.Sprintf("%s-%d", name, i), fmt.Sprintf("%s %d", name, i)))
			}
		}()
	}
	all := map[int64]string{}
	for name, ws := range senders {
		last := int64(0)
		for i := range n {
			var a struct {
				ClientMsgID string          `json:"client_msg_id"`
				Message     testkit.Message `json:"message"`
			}
			ws.ReadType("ack", 10*time.Second).Decode(t, &a)
			if want := fmt.Sprintf("%s-%d", name, i); a.ClientMsgID != want || a.Message.Seq <= last {
				t.Fatalf("%s's ack %d is %q seq %d after seq %d, want %q with a higher seq", name, i, a.ClientMsgID, a.Message.Seq, last, want)
			}
			last = a.Message.Seq
			if other, dup := all[last]; dup {
				t.Fatalf("seq %d given to %q and %q", last, other, a.ClientMsgID)
			}
			all[last] = a.ClientMsgID
		}
	}
	for seq := int64(1); seq <= 2*n; seq++ {
		if _, ok := all[seq]; !ok {
			t.Fatalf("seq %d missing: seqs are not contiguous (%d acks)", seq, len(all))
		}
	}
}

func TestAFailingSendInABatchLeavesTheOthersStored(t *testing.T) {
	srv, alice, bob, conv := pair(t)
	admin := srv.Login("admin", "admin-password")
	carol := srv.NewUser(admin, "carol")
	reply := text("bad-reply", "answers nothing")
	reply["reply_to_seq"] = 50
	// carol is refused inside the batch (not a member); the bad reply
	// fails after the batch took the seqs, which must not leave a gap.
	res := sendInOneBatch(t, srv, conv.ID, 5, []restSend{
		{from: alice, body: text("ok-1", "first")},
		{from: bob, body: reply},
		{from: carol, body: text("stranger", "let me in")},
		{from: alice, body: text("ok-2", "second")},
		{from: bob, body: text("ok-3", "third")},
	})
	want := []struct {
		status int
		code   string
	}{{201, ""}, {400, "invalid_input"}, {404, ""}, {201, ""}, {201, ""}}
	seqs := map[int64]bool{}
	for i, w := range want {
		if res[i].status != w.status || (w.code != "" && res[i].code != w.code) {
			t.Fatalf("send %d answered %d %q, want %d %q", i, res[i].status, res[i].code, w.status, w.code)
		}
		if w.status == 201 {
			seqs[res[i].msg.Seq] = true
		}
	}
	if !seqs[1] || !seqs[2] || !seqs[3] {
		t.Fatalf("stored sends got seqs %v, want 1, 2 and 3 (no gap for the refused ones)", seqs)
	}
	page := alice.History(conv.ID, "after_seq=0")
	if len(page.Items) != 3 {
		t.Fatalf("history holds %d messages, want the 3 accepted", len(page.Items))
	}
	// The conversation goes on from seq 4.
	if m := alice.SendText(conv.ID, "after", "after the batch"); m.Seq != 4 {
		t.Fatalf("next message got seq %d, want 4", m.Seq)
	}
}

func TestDuplicateClientMsgIDInOneBatchIsStoredOnce(t *testing.T) {
	srv, alice, bob, conv := pair(t)
	res := sendInOneBatch(t, srv, conv.ID, 4, []restSend{
		{from: alice, body: text("same", "only once")},
		{from: alice, body: text("same", "only once")},
		{from: bob, body: text("same", "bob's own")},
		{from: alice, body: text("same", "only once")},
	})
	var aliceIDs []int64
	for i, r := range res {
		if r.status != http.StatusCreated {
			t.Fatalf("send %d answered %d %q", i, r.status, r.code)
		}
		if i != 2 {
			aliceIDs = append(aliceIDs, r.msg.ID)
		}
	}
	if aliceIDs[0] != aliceIDs[1] || aliceIDs[0] != aliceIDs[2] {
		t.Fatalf("alice's retries made different messages: %v", aliceIDs)
	}
	if res[2].msg.ID == aliceIDs[0] {
		t.Fatal("bob's message with the same client id collapsed into alice's")
	}
	page := bob.History(conv.ID, "after_seq=0")
	if len(page.Items) != 2 || page.Items[0].Seq != 1 || page.Items[1].Seq != 2 {
		t.Fatalf("history %+v, want alice's message once and bob's", page.Items)
	}
}

func TestOneBatchJudgesEachSendByItsOwnConversation(t *testing.T) {
	srv, alice, bob, conv := pair(t)
	admin := srv.Login("admin", "admin-password")
	carol, dave := srv.NewUser(admin, "carol"), srv.NewUser(admin, "dave")
	srv.MakeFriends(carol, dave)
	blocked := carol.OpenDirect(dave.UserID)
	dave.Do("PUT", fmt.Sprintf("/api/v1/blocks/%d", carol.UserID), nil, http.StatusNoContent, nil)
	var g struct {
		ID             int64 `json:"id"`
		ConversationID int64 `json:"conversation_id"`
	}
	alice.Do("POST", "/api/v1/groups", map[string]string{"name": "Batch", "join_policy": "open"}, http.StatusCreated, &g)
	var inv struct {
		Token string `json:"token"`
	}
	alice.Do("POST", fmt.Sprintf("/api/v1/groups/%d/invites", g.ID), map[string]int{"max_uses": 1}, http.StatusCreated, &inv)
	bob.Do("POST", "/api/v1/invites/"+inv.Token+"/accept", nil, http.StatusOK, nil)
	alice.Do("PATCH", fmt.Sprintf("/api/v1/groups/%d/members/%d", g.ID, bob.UserID),
		map[string]any{"muted_until": time.Now().Add(time.Hour)}, http.StatusOK, nil)
	early := alice.SendText(conv.ID, "early", "sent before")

	res := sendInOneBatch(t, srv, conv.ID, 6, []restSend{
		{from: alice, body: text("early", "sent before")},
		{from: alice, body: text("a1", "to bob")},
		{from: carol, body: text("c1", "to dave"), conv: blocked.ID},
		{from: bob, body: text("muted", "let me speak"), conv: g.ConversationID},
		{from: alice, body: text("owner", "the owner speaks"), conv: g.ConversationID},
		{from: bob, body: text("b1", "to alice")},
	})
	want := []struct {
		status int
		code   string
	}{{201, ""}, {201, ""}, {422, "blocked"}, {422, "muted"}, {201, ""}, {201, ""}}
	for i, w := range want {
		if res[i].status != w.status || res[i].code != w.code {
			t.Fatalf("send %d answered %d %q, want %d %q", i, res[i].status, res[i].code, w.status, w.code)
		}
	}
	if res[0].msg.ID != early.ID {
		t.Fatalf("the retry of a stored client id made message %d, want %d", res[0].msg.ID, early.ID)
	}
	if res[4].msg.Sender.Name != "Alice" {
		t.Fatalf("the group message %+v, want its sender's name", res[4].msg)
	}
	page := bob.History(conv.ID, "after_seq=0")
	if len(page.Items) != 3 || page.Items[0].ID != early.ID || page.Items[1].Seq != 2 || page.Items[2].Seq != 3 {
		t.Fatalf("direct history %+v, want the early message and the two of the batch", page.Items)
	}
	if page := dave.History(blocked.ID, "after_seq=0"); len(page.Items) != 0 {
		t.Fatalf("the blocked send was stored: %+v", page.Items)
	}
	var said []string
	for _, m := range alice.History(g.ConversationID, "after_seq=0").Items {
		if m.Sender.Kind == "user" {
			said = append(said, m.Body)
		}
	}
	if len(said) != 1 || said[0] != "the owner speaks" {
		t.Fatalf("group members' messages %q, want only the owner's", said)
	}
}
