package chat_test

import (
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/testkit"
)

// pair starts a server with two friends who share a direct conversation.
func pair(t *testing.T, opts ...testkit.Option) (*testkit.Server, *testkit.Client, *testkit.Client, testkit.Conversation) {
	t.Helper()
	srv := testkit.Start(t, opts...)
	admin := srv.Setup()
	alice := srv.NewUser(admin, "alice")
	bob := srv.NewUser(admin, "bob")
	srv.MakeFriends(alice, bob)
	conv := alice.OpenDirect(bob.UserID)
	return srv, alice, bob, conv
}

func sendFrame(conv int64, cid, body string) map[string]any {
	return map[string]any{"type": "send", "client_msg_id": cid, "conversation_id": conv, "kind": "text", "body": body}
}

func TestSendOverWebSocketIsAckedInSeqOrderAndDelivered(t *testing.T) {
	_, alice, bob, conv := pair(t)
	aws, bws := alice.Dial(), bob.Dial()
	for i := 1; i <= 3; i++ {
		aws.Send(sendFrame(conv.ID, fmt.Sprintf("c%d", i), fmt.Sprintf("hello %d", i)))
		ack := aws.ReadType("ack", 5*time.Second)
		var a struct {
			ClientMsgID string          `json:"client_msg_id"`
			Message     testkit.Message `json:"message"`
		}
		ack.Decode(t, &a)
		if a.ClientMsgID != fmt.Sprintf("c%d", i) || a.Message.Seq != int64(i) {
			t.Fatalf("ack %d = %+v", i, a)
		}
	}
	for i := 1; i <= 3; i++ {
		var f struct {
			Message testkit.Message `json:"message"`
		}
		bws.ReadType("message", 5*time.Second).Decode(t, &f)
		if f.Message.Seq != int64(i) || f.Message.Body != fmt.Sprintf("hello %d", i) || f.Message.Sender.Name != "Alice" {
			t.Fatalf("bob got %+v as message %d", f.Message, i)
		}
	}
}

func TestRetriedClientMsgIDYieldsTheSameMessageStoredOnce(t *testing.T) {
	_, alice, bob, conv := pair(t)
	aws := alice.Dial()
	var first, second struct {
		Message testkit.Message `json:"message"`
	}
	aws.Send(sendFrame(conv.ID, "retry-1", "only once"))
	aws.ReadType("ack", 5*time.Second).Decode(t, &first)
	aws.Send(sendFrame(conv.ID, "retry-1", "only once"))
	aws.ReadType("ack", 5*time.Second).Decode(t, &second)
	viaREST := alice.SendText(conv.ID, "retry-1", "only once")
	if first.Message.ID != second.Message.ID || first.Message.ID != viaREST.ID || viaREST.Seq != 1 {
		t.Fatalf("retries made different messages: %+v %+v %+v", first.Message, second.Message, viaREST)
	}
	// The same client id from another sender is another message.
	other := bob.SendText(conv.ID, "retry-1", "mine")
	if other.ID == viaREST.ID || other.Seq != 2 {
		t.Fatalf("bob's message %+v collided with alice's", other)
	}
	if page := bob.History(conv.ID, "after_seq=0"); len(page.Items) != 2 {
		t.Fatalf("history has %d messages, want 2", len(page.Items))
	}
}

func TestOfflineReceiverGetsEveryMissedMessageInOrder(t *testing.T) {
	_, alice, bob, conv := pair(t)
	for i := 1; i <= 5; i++ {
		alice.SendText(conv.ID, fmt.Sprintf("m%d", i), fmt.Sprintf("missed %d", i))
	}
	var list struct {
		Items []testkit.Conversation `json:"items"`
	}
	bob.Do("GET", "/api/v1/conversations", nil, http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0].LastSeq != 5 || list.Items[0].Unread != 5 || list.Items[0].LastMessage.Body != "missed 5" {
		t.Fatalf("bob's conversation list: %+v", list.Items)
	}
	// Page through the gap two at a time, as a reconnecting client does.
	var got []string
	after := int64(0)
	for {
		page := bob.History(conv.ID, fmt.Sprintf("after_seq=%d&limit=2", after))
		for _, m := range page.Items {
			got = append(got, m.Body)
			after = m.Seq
		}
		if page.NextCursor == nil {
			break
		}
	}
	want := []string{"missed 1", "missed 2", "missed 3", "missed 4", "missed 5"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("caught up %v, want %v", got, want)
	}
	// And backwards from the newest.
	newest := bob.History(conv.ID, "limit=2")
	if len(newest.Items) != 2 || newest.Items[0].Seq != 4 || newest.Items[1].Seq != 5 || newest.NextCursor == nil || *newest.NextCursor != 4 {
		t.Fatalf("newest page %+v", newest)
	}
	older := bob.History(conv.ID, "before_seq=4&limit=10")
	if len(older.Items) != 3 || older.Items[0].Seq != 1 || older.NextCursor != nil {
		t.Fatalf("older page %+v", older)
	}
}

func TestMessagesSurviveARestart(t *testing.T) {
	srv, alice, bob, conv := pair(t)
	alice.SendText(conv.ID, "a", "before restart")
	srv.Restart()
	alice.Base, bob.Base = srv.URL, srv.URL
	bob.SendText(conv.ID, "b", "after restart")
	page := alice.History(conv.ID, "after_seq=0")
	if len(page.Items) != 2 || page.Items[0].Body != "before restart" || page.Items[1].Seq != 2 {
		t.Fatalf("after restart: %+v", page.Items)
	}
}

func TestConcurrentSendersGetGaplessUniqueSeqs(t *testing.T) {
	_, alice, bob, conv := pair(t)
	const senders = 50
	var wg sync.WaitGroup
	seqs := make([]int64, senders)
	for i := 0; i < senders; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := alice
			if i%2 == 1 {
				c = bob
			}
			seqs[i] = c.SendText(conv.ID, fmt.Sprintf("conc-%d", i), fmt.Sprintf("n%d", i)).Seq
		}(i)
	}
	wg.Wait()
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("seqs %v: want 1..%d with no gap or duplicate", seqs, senders)
		}
	}
	page := alice.History(conv.ID, "after_seq=0&limit=200")
	if len(page.Items) != senders {
		t.Fatalf("stored %d messages, want %d", len(page.Items), senders)
	}
}

func TestReadMarksUnreadCountsAndReadFrames(t *testing.T) {
	_, alice, bob, conv := pair(t)
	aws := alice.Dial()
	alice.SendText(conv.ID, "1", "one")
	alice.SendText(conv.ID, "2", "two")
	bob.Do("POST", fmt.Sprintf("/api/v1/conversations/%d/read", conv.ID), map[string]int64{"seq": 1}, http.StatusNoContent, nil)
	var rf struct {
		ConversationID int64 `json:"conversation_id"`
		UserID         int64 `json:"user_id"`
		Seq            int64 `json:"seq"`
	}
	aws.ReadType("read", 5*time.Second).Decode(t, &rf)
	if rf.UserID != bob.UserID || rf.Seq != 1 || rf.ConversationID != conv.ID {
		t.Fatalf("read frame %+v", rf)
	}
	var c testkit.Conversation
	bob.Do("GET", fmt.Sprintf("/api/v1/conversations/%d", conv.ID), nil, http.StatusOK, &c)
	if c.ReadSeq != 1 || c.Unread != 1 {
		t.Fatalf("after reading 1 of 2: %+v", c)
	}
	// Read marks never go backwards, and can't pass the last message.
	bws := bob.Dial()
	bws.Send(map[string]any{"type": "read", "conversation_id": conv.ID, "seq": 2})
	aws.ReadType("read", 5*time.Second)
	bob.Do("POST", fmt.Sprintf("/api/v1/conversations/%d/read", conv.ID), map[string]int64{"seq": 1}, http.StatusNoContent, nil)
	bob.Do("GET", fmt.Sprintf("/api/v1/conversations/%d", conv.ID), nil, http.StatusOK, &c)
	if c.ReadSeq != 2 || c.Unread != 0 {
		t.Fatalf("after reading all: %+v", c)
	}
	r := bob.Raw("POST", fmt.Sprintf("/api/v1/conversations/%d/read", conv.ID), map[string]int64{"seq": 9})
	if r.Status != http.StatusBadRequest {
		t.Fatalf("read beyond last: %d %s", r.Status, r.Body)
	}
}

func TestTypingReachesTheOtherMember(t *testing.T) {
	_, alice, bob, conv := pair(t)
	aws, bws := alice.Dial(), bob.Dial()
	aws.Send(map[string]any{"type": "typing", "conversation_id": conv.ID, "state": "start"})
	var tf struct {
		ConversationID int64 `json:"conversation_id"`
		From           struct {
			ID int64 `json:"id"`
		} `json:"from"`
		State string `json:"state"`
	}
	bws.ReadType("typing", 5*time.Second).Decode(t, &tf)
	if tf.From.ID != alice.UserID || tf.State != "start" || tf.ConversationID != conv.ID {
		t.Fatalf("typing frame %+v", tf)
	}
}

func TestRecallWithinTwoMinutesLeavesATombstone(t *testing.T) {
	srv, alice, bob, conv := pair(t)
	bws := bob.Dial()
	m := alice.SendText(conv.ID, "r1", "oops")
	bws.ReadType("message", 5*time.Second)
	if r := bob.Raw("POST", fmt.Sprintf("/api/v1/messages/%d/recall", m.ID), nil); r.Status != http.StatusForbidden {
		t.Fatalf("bob recalling alice's message: %d %s", r.Status, r.Body)
	}
	var rec testkit.Message
	alice.Do("POST", fmt.Sprintf("/api/v1/messages/%d/recall", m.ID), nil, http.StatusOK, &rec)
	if rec.RecalledAt == nil || rec.Body != "" {
		t.Fatalf("recalled message %+v", rec)
	}
	var rf struct {
		Seq int64 `json:"seq"`
	}
	bws.ReadType("recall", 5*time.Second).Decode(t, &rf)
	if rf.Seq != m.Seq {
		t.Fatalf("recall frame seq %d, want %d", rf.Seq, m.Seq)
	}
	if h := bob.History(conv.ID, "after_seq=0"); h.Items[0].Body != "" || h.Items[0].RecalledAt == nil {
		t.Fatalf("history still shows %+v", h.Items[0])
	}
	// A message older than the window can no longer be recalled.
	old := alice.SendText(conv.ID, "r2", "too late")
	srv.App.Store.Gorm().Exec("UPDATE messages SET created_at = ? WHERE id = ?", time.Now().UTC().Add(-3*time.Minute), old.ID)
	r := alice.Raw("POST", fmt.Sprintf("/api/v1/messages/%d/recall", old.ID), nil)
	if r.Status != http.StatusUnprocessableEntity || r.ErrorCode() != "recall_window_passed" {
		t.Fatalf("late recall: %d %s", r.Status, r.Body)
	}
}
