package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/internal/testkit"
)

// floodResult is what one flooding socket saw.
type floodResult struct {
	written     int // frames the socket took before the server closed it
	rateLimited int // rate_limited error frames received
	closeCode   int // the close code received, 0 if none
	closed      bool
}

// flood writes n copies of frame to conn as fast as it can, stopping when
// the server has closed the socket, then reads what the server answered
// until the socket ends. It runs on its own goroutine: it never fails the
// test itself.
func flood(conn *websocket.Conn, frame []byte, n int) floodResult {
	var r floodResult
	for ; r.written < n; r.written++ {
		if conn.WriteMessage(websocket.TextMessage, frame) != nil {
			break
		}
	}
	for {
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, b, err := conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				r.closeCode = ce.Code
			}
			var ne interface{ Timeout() bool }
			r.closed = !errors.As(err, &ne) || !ne.Timeout()
			return r
		}
		var f struct{ Type, Code string }
		if json.Unmarshal(b, &f) == nil && f.Type == "error" && f.Code == "rate_limited" {
			r.rateLimited++
		}
	}
}

// TestTypingFloodFromAVisitorKeepsTheAgentOnline: a visitor with four
// sockets writes 10,000 typing frames as fast as it can, while the agent's
// two sockets read nothing. The flooder's sockets are closed, the agent's
// stay open, and the visitor's next real message reaches both within 1 s.
func TestTypingFloodFromAVisitorKeepsTheAgentOnline(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	var st struct {
		PublicKey string `json:"public_key"`
		Queues    []struct {
			ID int64 `json:"id"`
		} `json:"queues"`
	}
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Acme"}, http.StatusCreated, &st)
	admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": "ana", "email": "ana@example.com",
		"password": "password-ana", "nickname": "Ana", "role": "agent", "verified": true}, http.StatusCreated, nil)
	agent := srv.Login("ana", "password-ana")
	admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", st.Queues[0].ID, agent.UserID), map[string]int{"capacity": 3}, http.StatusNoContent, nil)
	agent.Do("PUT", "/api/v1/agent/status", map[string]string{"status": "online"}, http.StatusOK, nil)
	visitor, _ := srv.NewVisitor(st.PublicKey, nil)
	conv := visitor.Open(nil)
	if conv.AssigneeID() != agent.UserID {
		t.Fatalf("conversation %+v, want it assigned to the agent", conv)
	}
	agentSockets := []*testkit.WS{agent.Dial(), agent.Dial()}

	const frames, sockets = 10000, 4
	typing, _ := json.Marshal(map[string]any{"type": "typing", "conversation_id": conv.ID, "state": "start"})
	results := make([]floodResult, sockets)
	var wg sync.WaitGroup
	for i := range sockets {
		ws := visitor.Dial()
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = flood(ws.Conn, typing, frames/sockets)
		}()
	}
	wg.Wait()
	written, limited := 0, 0
	for i, r := range results {
		written += r.written
		limited += r.rateLimited
		if !r.closed {
			t.Errorf("flooding socket %d is still open after %d frames", i, r.written)
		}
	}
	if limited == 0 {
		t.Error("the flooder never got a rate_limited frame")
	}
	if n := srv.App.Hub.LocalSessions(fmt.Sprintf("u:%d", agent.UserID)); n != 2 {
		t.Fatalf("the agent has %d sockets open after the flood, want 2", n)
	}

	// The visitor comes back with a real message: both agent sockets get it
	// within a second, behind whatever typing got through.
	deadline := time.Now().Add(time.Second)
	visitor.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv.ID),
		map[string]string{"client_msg_id": "after-flood", "body": "are you there?"}, http.StatusCreated, nil)
	reached := 0
	for i, ws := range agentSockets {
		var f struct {
			Message testkit.Message `json:"message"`
		}
		for f.Message.ClientMsgID != "after-flood" {
			left := time.Until(deadline)
			if left <= 0 {
				t.Fatalf("agent socket %d: the visitor's message did not arrive within 1 s", i)
			}
			frame, err := ws.TryRead(left)
			if err != nil {
				t.Fatalf("agent socket %d: %v", i, err)
			}
			switch frame.Type() {
			case "message":
				frame.Decode(t, &f)
			case "typing":
				reached++
			}
		}
	}
	metrics := string(srv.Client().Do("GET", "/metrics", nil, http.StatusOK, nil).Body)
	t.Logf("flooder wrote %d typing frames on %d sockets, all %d closed; the server read %s of them, refused %s (%d rate_limited answers read), "+
		"%d typing frames reached the agent's sockets; agent sockets open: 2 of 2",
		written, sockets, sockets, metricValue(metrics, `parley_ws_frames_total{direction="in",type="typing"}`),
		metricValue(metrics, "parley_ws_frames_rate_limited_total"), limited, reached)
}

// metricValue returns the value of one series in a /metrics body.
func metricValue(body, series string) string {
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return "?"
}

// TestGroupMemberFloodingTypingIsClosedNotTheOthers: a member who floods a
// group with typing frames gets rate_limited error frames, then is closed
// with 1008; the other members stay connected and keep receiving.
func TestGroupMemberFloodingTypingIsClosedNotTheOthers(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	flooder, bob, carol := srv.NewUser(admin, "mallory"), srv.NewUser(admin, "bob"), srv.NewUser(admin, "carol")
	g := openGroup(admin, flooder, bob, carol)
	bobWS, carolWS := bob.Dial(), carol.Dial()
	ws := flooder.Dial()

	typing, _ := json.Marshal(map[string]any{"type": "typing", "conversation_id": g.ConversationID, "state": "start"})
	r := flood(ws.Conn, typing, 500)
	if r.rateLimited == 0 || r.closeCode != websocket.ClosePolicyViolation {
		t.Fatalf("flooder after %d frames: %d rate_limited frames, close code %d; want some, then 1008", r.written, r.rateLimited, r.closeCode)
	}

	admin.SendText(g.ConversationID, "still-here", "everyone still here?")
	for _, w := range []*testkit.WS{bobWS, carolWS} {
		var f struct {
			Message testkit.Message `json:"message"`
		}
		for f.Message.ClientMsgID != "still-here" {
			w.ReadType("message", 5*time.Second).Decode(t, &f)
		}
	}
	for _, u := range []*testkit.Client{bob, carol} {
		if n := srv.App.Hub.LocalSessions(fmt.Sprintf("u:%d", u.UserID)); n != 1 {
			t.Fatalf("user %d has %d sockets open, want 1", u.UserID, n)
		}
	}
	metrics := string(srv.Client().Do("GET", "/metrics", nil, http.StatusOK, nil).Body)
	for _, want := range []string{"parley_ws_slow_consumers_closed_total 0", "parley_ws_flooders_closed_total 1"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// TestBlockedUsersTypingAndReadsDoNotReachTheBlocker: once Alice blocks
// Bob, his typing and read marks reach neither her group nor their direct
// conversation, while the other members still get them.
func TestBlockedUsersTypingAndReadsDoNotReachTheBlocker(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	alice, bob, carol := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob"), srv.NewUser(admin, "carol")
	srv.MakeFriends(alice, bob)
	direct := alice.OpenDirect(bob.UserID)
	d1 := alice.SendText(direct.ID, "d1", "hi bob")
	g := openGroup(carol, alice, bob)
	g1 := carol.SendText(g.ConversationID, "g1", "hello group")
	alice.Do("PUT", fmt.Sprintf("/api/v1/blocks/%d", bob.UserID), nil, http.StatusNoContent, nil)
	aliceWS, carolWS, bobWS := alice.Dial(), carol.Dial(), bob.Dial()

	for _, m := range []testkit.Message{d1, g1} {
		bobWS.Send(map[string]any{"type": "typing", "conversation_id": m.ConversationID, "state": "start"})
		bobWS.Send(map[string]any{"type": "read", "conversation_id": m.ConversationID, "seq": m.Seq})
	}
	// Bob's frames are handled in order, so his group message comes after
	// anything his typing and reading would have sent.
	bobWS.Send(map[string]any{"type": "send", "client_msg_id": "marker", "conversation_id": g.ConversationID, "body": "me again"})
	bobWS.ReadType("ack", 5*time.Second)

	fromBob := func(f testkit.Frame) bool {
		var v struct {
			UserID int64 `json:"user_id"`
			From   struct {
				ID int64 `json:"id"`
			} `json:"from"`
		}
		f.Decode(t, &v)
		return v.UserID == bob.UserID || v.From.ID == bob.UserID
	}
	seen := map[string]bool{}
	for {
		f := carolWS.Read(5 * time.Second)
		if (f.Type() == "typing" || f.Type() == "read") && fromBob(f) {
			seen[f.Type()] = true
		}
		if f.Type() == "message" {
			break
		}
	}
	if !seen["typing"] || !seen["read"] {
		t.Fatalf("carol, who blocked nobody, got bob's frames %v; want typing and read", seen)
	}
	for {
		f := aliceWS.Read(5 * time.Second)
		if (f.Type() == "typing" || f.Type() == "read") && fromBob(f) {
			t.Fatalf("alice, who blocked bob, got his %s frame %v", f.Type(), f)
		}
		if f.Type() == "message" {
			break
		}
	}
}

type group struct {
	ID             int64 `json:"id"`
	Number         int64 `json:"number"`
	ConversationID int64 `json:"conversation_id"`
}

// openGroup has owner create an open group that members join by number.
func openGroup(owner *testkit.Client, members ...*testkit.Client) group {
	var g group
	owner.Do("POST", "/api/v1/groups", map[string]string{"name": "Team", "join_policy": "open"}, http.StatusCreated, &g)
	for _, m := range members {
		m.Do("POST", "/api/v1/groups/join", map[string]any{"number": g.Number}, http.StatusOK, nil)
	}
	return g
}

// bigTyping is an ephemeral frame big enough to fill a socket's buffers
// in a few hundred copies: a typing frame with a very long name.
type bigTyping struct {
	Type           string `json:"type"`
	ConversationID int64  `json:"conversation_id"`
	From           struct {
		Kind string `json:"kind"`
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"from"`
	State string `json:"state"`
}

func (bigTyping) Ephemeral() bool { return true }

// TestEphemeralFramesAreDroppedForAReceiverThatIsBehind: a receiver that
// reads nothing while far more ephemeral frames than its queue holds are
// published to it, from its own node and from another, stays connected:
// what it missed was only ephemeral, and the next message still arrives.
func TestEphemeralFramesAreDroppedForAReceiverThatIsBehind(t *testing.T) {
	nodes := testkit.StartCluster(t, 2)
	admin := nodes[0].Setup()
	idle, sender := nodes[0].NewUser(admin, "idle"), nodes[0].NewUser(admin, "sender")
	nodes[0].MakeFriends(idle, sender)
	conv := sender.OpenDirect(idle.UserID)
	ws := idle.On(nodes[1]).Dial()
	key := fmt.Sprintf("u:%d", idle.UserID)
	big := bigTyping{Type: "typing", ConversationID: conv.ID, State: "start"}
	big.From.Kind, big.From.ID, big.From.Name = "user", sender.UserID, strings.Repeat("z", 60*1024)
	ctx := context.Background()
	for range 300 {
		if err := nodes[0].App.Hub.Publish(ctx, []string{key}, big); err != nil {
			t.Fatal(err)
		}
		if err := nodes[1].App.Hub.Publish(ctx, []string{key}, big); err != nil {
			t.Fatal(err)
		}
	}
	// The message goes through the broker after the remote frames, on the
	// same channel, so it is delivered after all of them.
	sender.SendText(conv.ID, "after-typing", "still there?")
	typing := 0
	for {
		f := ws.Read(10 * time.Second)
		if f.Type() == "typing" {
			typing++
			continue
		}
		var m struct {
			Message testkit.Message `json:"message"`
		}
		if f.Type() == "message" {
			if f.Decode(t, &m); m.Message.ClientMsgID == "after-typing" {
				break
			}
		}
	}
	if typing == 0 || typing >= 600 {
		t.Fatalf("the idle receiver got %d of 600 ephemeral frames; want some dropped, not all", typing)
	}
	metrics := string(nodes[1].Client().Do("GET", "/metrics", nil, http.StatusOK, nil).Body)
	if !strings.Contains(metrics, "parley_ws_slow_consumers_closed_total 0") {
		t.Error("a receiver was closed as a slow consumer for ephemeral frames")
	}
	t.Logf("idle receiver got %d of 600 ephemeral frames and stayed connected", typing)
}
