package chat_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/testkit"
)

// TestBadTextNeverRollsBackItsBatch holds the group-commit writer while good
// sends queue up and sends that are not text (NUL, invalid UTF-8) arrive
// beside them, over REST and straight into the service (the path both REST
// and frames share). The bad ones are refused while the writer is held, so
// they never joined the batch; once it commits, every good send is stored.
func TestBadTextNeverRollsBackItsBatch(t *testing.T) {
	srv, alice, bob, conv := pair(t)
	release := srv.Sends.Hold()
	defer release()

	const good = 12
	goodStatus := make([]int, good)
	var goods sync.WaitGroup
	for i := range good {
		from := alice
		if i%2 == 1 {
			from = bob
		}
		goods.Add(1)
		go func() {
			defer goods.Done()
			r := from.Raw("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", conv.ID), text(fmt.Sprintf("good-%d", i), fmt.Sprintf("good %d", i)))
			goodStatus[i] = r.Status
		}()
	}

	bad := []struct {
		name string
		send func() (status int, code string)
	}{
		{"REST NUL body", restBad(alice, conv.ID, `{"client_msg_id":"bad-1","kind":"text","body":"a\u0000b"}`)},
		{"REST NUL client_msg_id", restBad(bob, conv.ID, `{"client_msg_id":"bad-2\u0000","kind":"text","body":"hi"}`)},
		{"REST invalid UTF-8 body", restBad(alice, conv.ID, "{\"client_msg_id\":\"bad-3\",\"kind\":\"text\",\"body\":\"\xff\"}")},
		{"service NUL body", serviceBad(srv.App.Chat, alice.UserID, chat.SendInput{ConversationID: conv.ID, ClientMsgID: "bad-4", Kind: "text", Body: "a\x00b"})},
		{"service NUL client_msg_id", serviceBad(srv.App.Chat, bob.UserID, chat.SendInput{ConversationID: conv.ID, ClientMsgID: "bad-5\x00", Kind: "text", Body: "hi"})},
		{"service invalid UTF-8 body", serviceBad(srv.App.Chat, alice.UserID, chat.SendInput{ConversationID: conv.ID, ClientMsgID: "bad-6", Kind: "text", Body: "\xc3("})},
	}
	var bads sync.WaitGroup
	for _, b := range bad {
		bads.Add(1)
		go func() {
			defer bads.Done()
			if status, code := b.send(); status != http.StatusBadRequest || code != "invalid_input" {
				t.Errorf("%s answered %d %s, want 400 invalid_input", b.name, status, code)
			}
		}()
	}
	bads.Wait() // answered while the writer is held: they never reached it

	deadline := time.Now().Add(10 * time.Second)
	for srv.App.Chat.QueuedSends() < good {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d good sends reached the writer", srv.App.Chat.QueuedSends(), good)
		}
		time.Sleep(5 * time.Millisecond)
	}
	release()
	goods.Wait()
	for i, st := range goodStatus {
		if st != http.StatusCreated {
			t.Fatalf("good send %d answered %d, want 201", i, st)
		}
	}
	if page := bob.History(conv.ID, "after_seq=0"); len(page.Items) != good {
		t.Fatalf("history holds %d messages, want the %d good ones", len(page.Items), good)
	}
}

func restBad(c *testkit.Client, conv int64, body string) func() (int, string) {
	return func() (int, string) {
		r := c.Raw("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", conv), body)
		return r.Status, r.ErrorCode()
	}
}

func serviceBad(svc *chat.Service, userID int64, in chat.SendInput) func() (int, string) {
	return func() (int, string) {
		_, err := svc.Send(context.Background(), userID, in)
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid {
			return 0, fmt.Sprint(err)
		}
		return http.StatusBadRequest, e.PublicCode()
	}
}
