package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/internal/testkit"
)

func TestBadFramesGetAnErrorAndTheSocketStaysOpen(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	alice, bob := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob")
	srv.MakeFriends(alice, bob)
	srv.MakeFriends(bob, admin)
	conv := alice.OpenDirect(bob.UserID)
	private := bob.OpenDirect(admin.UserID) // alice is not in it
	ws := alice.Dial()
	tests := []struct {
		name, frame, code, cid string
	}{
		{"malformed json", `{"type":"send",`, "bad_json", ""},
		{"not an object", `[1,2]`, "bad_json", ""},
		{"unknown type", `{"type":"teleport"}`, "unknown_type", ""},
		{"wrong field type", fmt.Sprintf(`{"type":"send","client_msg_id":"w1","conversation_id":"%d"}`, conv.ID), "invalid_frame", "w1"},
		{"unknown field", `{"type":"ping","colour":"red"}`, "invalid_frame", ""},
		{"send without client id", fmt.Sprintf(`{"type":"send","conversation_id":%d,"body":"x"}`, conv.ID), "invalid_frame", ""},
		{"empty body", fmt.Sprintf(`{"type":"send","client_msg_id":"e1","conversation_id":%d,"body":"  "}`, conv.ID), "invalid_input", "e1"},
		{"unknown kind", fmt.Sprintf(`{"type":"send","client_msg_id":"k1","conversation_id":%d,"kind":"hologram","body":"x"}`, conv.ID), "invalid_input", "k1"},
		{"someone else's conversation", fmt.Sprintf(`{"type":"send","client_msg_id":"o1","conversation_id":%d,"body":"hi"}`, private.ID), "conversation_not_found", "o1"},
		{"no such conversation", `{"type":"send","client_msg_id":"n1","conversation_id":999999,"body":"hi"}`, "conversation_not_found", "n1"},
		{"read beyond the end", fmt.Sprintf(`{"type":"read","conversation_id":%d,"seq":50}`, conv.ID), "invalid_input", ""},
		{"presence nobody knows", `{"type":"presence","status":"invisible"}`, "invalid_frame", ""},
		{"typing elsewhere", fmt.Sprintf(`{"type":"typing","conversation_id":%d,"state":"start"}`, private.ID), "conversation_not_found", ""},
		{"binary frame", "", "bad_json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "binary frame" {
				if err := ws.Conn.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3}); err != nil {
					t.Fatal(err)
				}
			} else {
				ws.Send(tt.frame)
			}
			var e struct {
				ClientMsgID string `json:"client_msg_id"`
				Code        string `json:"code"`
				Message     string `json:"message"`
			}
			ws.ReadType("error", 5*time.Second).Decode(t, &e)
			if e.Code != tt.code || e.ClientMsgID != tt.cid || e.Message == "" {
				t.Fatalf("error frame %+v, want code %s client_msg_id %q", e, tt.code, tt.cid)
			}
			ws.Send(`{"type":"ping"}`)
			ws.ReadType("pong", 5*time.Second)
		})
	}
}

func TestFrameOver64KiBClosesWith1009(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	ws := admin.Dial()
	ws.Send(`{"type":"send","client_msg_id":"big","conversation_id":1,"body":"` + strings.Repeat("x", 70*1024) + `"}`)
	_, err := ws.TryRead(5 * time.Second)
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseMessageTooBig {
		t.Fatalf("read after oversize frame: %v, want close 1009", err)
	}
}

func TestRealtimeNeedsAFreshTicketAndAnAllowedOrigin(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	anon := srv.Client()
	if r := anon.Raw("POST", "/api/v1/realtime/ticket", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("ticket without token: %d", r.Status)
	}
	for _, ticket := range []string{"", "wst_forged"} {
		_, resp, err := anon.DialRaw(ticket, nil)
		if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("dial with ticket %q: %v %v", ticket, err, resp)
		}
	}
	ticket := admin.Ticket()
	conn, _, err := admin.DialRaw(ticket, http.Header{"Origin": {srv.URL}})
	if err != nil {
		t.Fatalf("dial from the console's origin: %v", err)
	}
	conn.Close()
	if _, resp, err := admin.DialRaw(ticket, nil); err == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a ticket worked twice: %v", err)
	}
	_, resp, err := admin.DialRaw(admin.Ticket(), http.Header{"Origin": {"https://evil.example"}})
	if err == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("dial from a foreign origin: %v %v", err, resp)
	}
}

// TestATicketLivesThirtySeconds moves the server's clock past a ticket's
// lifetime: the ticket no longer opens a socket, and a fresh one does.
func TestATicketLivesThirtySeconds(t *testing.T) {
	srv := testkit.Start(t, testkit.WithFakeClock())
	admin := srv.Setup()
	within, stale := admin.Ticket(), admin.Ticket()
	srv.Advance(29 * time.Second)
	conn, _, err := admin.DialRaw(within, nil)
	if err != nil {
		t.Fatalf("dial with a ticket 29 s old: %v", err)
	}
	conn.Close()
	srv.Advance(2 * time.Second)
	if _, resp, err := admin.DialRaw(stale, nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("dial with a ticket 31 s old: %v %v", err, resp)
	}
	admin.Dial()
}

func TestHelloAndHeartbeat(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	ws := admin.Dial()
	if ws.Hello["session_id"] == "" || ws.Hello["heartbeat_s"].(float64) <= 0 {
		t.Fatalf("hello %v", ws.Hello)
	}
	id := ws.Hello["identity"].(map[string]any)
	if id["kind"] != "user" || int64(id["id"].(float64)) != admin.UserID {
		t.Fatalf("hello identity %v", id)
	}
	ws.Send(`{"type":"ping"}`)
	ws.ReadType("pong", 5*time.Second)
}

func TestSlowConsumerIsClosedAndOthersKeepReceiving(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	slow, fast := srv.NewUser(admin, "slow"), srv.NewUser(admin, "fast")
	srv.MakeFriends(admin, fast)
	slowWS, fastWS := slow.Dial(), fast.Dial()
	// The slow client never reads. Flood it until its buffer overflows.
	big := map[string]any{"type": "event", "name": "flood", "data": strings.Repeat("z", 60*1024)}
	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	for srv.App.Hub.LocalSessions(fmt.Sprintf("u:%d", slow.UserID)) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the slow session was never closed")
		}
		for i := 0; i < 100; i++ {
			_ = srv.App.Hub.Publish(ctx, []string{fmt.Sprintf("u:%d", slow.UserID)}, big)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Meanwhile the other user is served at once.
	conv := admin.OpenDirect(fast.UserID)
	admin.SendText(conv.ID, "x", "still flowing")
	fastWS.ReadType("message", 5*time.Second)
	// The slow client, once it reads, finds its socket closed.
	for {
		if _, err := slowWS.TryRead(5 * time.Second); err != nil {
			break
		}
	}
	metrics := srv.Client().Do("GET", "/metrics", nil, http.StatusOK, nil)
	if !strings.Contains(string(metrics.Body), "parley_ws_slow_consumers_closed_total 1") {
		t.Fatalf("metrics do not count the closed slow consumer")
	}
}

func TestShutdownClosesSocketsWith1012(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	ws := admin.Dial()
	srv.Stop()
	_, err := ws.TryRead(10 * time.Second)
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseServiceRestart {
		t.Fatalf("read during shutdown: %v, want close 1012", err)
	}
}
