package httpapi_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

// TestShutdownAnswersEveryQueuedSend shuts the server down while ten
// sockets each have a send waiting in the writer and more behind it. Each
// send the server took in gets its ack (stored) or unavailable (not
// stored) before the socket closes with 1012; a frame it never read gets
// nothing and is not stored either, so a client that resends every
// unanswered message with its id loses nothing and doubles nothing.
func TestShutdownAnswersEveryQueuedSend(t *testing.T) {
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) { c.SendLimitPerMinute = 100000 }))
	admin := srv.Setup()
	alice, bob := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob")
	srv.MakeFriends(alice, bob)
	conv := alice.OpenDirect(bob.UserID)

	const sockets, perSocket = 10, 5
	var sockList []*testkit.WS
	for i := 0; i < sockets; i++ {
		sockList = append(sockList, alice.Dial())
	}
	release := srv.Sends.Hold()
	for i, ws := range sockList {
		for j := 0; j < perSocket; j++ {
			ws.Send(map[string]any{"type": "send", "client_msg_id": fmt.Sprintf("s%d-%d", i, j),
				"conversation_id": conv.ID, "kind": "text", "body": "burst"})
		}
	}
	// One send of each socket waits in the writer (a socket's frames are
	// handled one at a time); the others wait behind it.
	waitFor(t, "every socket's first send queued", func() bool { return srv.App.Chat.QueuedSends() == sockets })
	stopped := make(chan struct{})
	go func() { defer close(stopped); srv.Stop() }()
	waitFor(t, "the shutdown to begin", func() bool { return strings.Contains(srv.Logs(), `"shutting down"`) })
	release()

	var (
		mu                 sync.Mutex
		acked, unavailable = map[string]bool{}, map[string]bool{}
		closeCodes         []int
		wg                 sync.WaitGroup
	)
	for _, ws := range sockList {
		wg.Add(1)
		go func(ws *testkit.WS) {
			defer wg.Done()
			for {
				f, err := ws.TryRead(20 * time.Second)
				if err != nil {
					mu.Lock()
					if ce, ok := err.(*websocket.CloseError); ok {
						closeCodes = append(closeCodes, ce.Code)
					} else {
						closeCodes = append(closeCodes, -1)
					}
					mu.Unlock()
					return
				}
				id, _ := f["client_msg_id"].(string)
				mu.Lock()
				switch {
				case f.Type() == "ack":
					acked[id] = true
				case f.Type() == "error" && f["code"] == "unavailable":
					unavailable[id] = true
				case f.Type() == "error":
					t.Errorf("send %s answered %v", id, f)
				}
				mu.Unlock()
			}
		}(ws)
	}
	wg.Wait()
	<-stopped
	for _, code := range closeCodes {
		if code != websocket.CloseServiceRestart {
			t.Errorf("socket closed with %d, want 1012 (service restart)", code)
		}
	}
	for i := 0; i < sockets; i++ {
		if id := fmt.Sprintf("s%d-0", i); !acked[id] {
			t.Errorf("queued send %s not acked (unavailable: %v)", id, unavailable[id])
		}
	}

	srv.Restart()
	stored := map[string]bool{}
	for _, m := range alice.On(srv).History(conv.ID, "after_seq=0&limit=200").Items {
		stored[m.ClientMsgID] = true
	}
	for id := range acked {
		if !stored[id] {
			t.Errorf("acked send %s is not stored", id)
		}
	}
	for id := range stored {
		if !acked[id] {
			t.Errorf("send %s was stored but never acked", id)
		}
	}
	for id := range unavailable {
		if stored[id] {
			t.Errorf("send %s was answered unavailable but stored", id)
		}
	}
	t.Logf("%d sends: %d acked, %d unavailable, %d never read (no answer, not stored)",
		sockets*perSocket, len(acked), len(unavailable), sockets*perSocket-len(acked)-len(unavailable))
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
