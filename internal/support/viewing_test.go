package support_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/testkit"
)

type viewersFrame struct {
	ConversationID int64 `json:"conversation_id"`
	Viewers        []struct {
		UserID int64  `json:"user_id"`
		Name   string `json:"name"`
		Typing bool   `json:"typing"`
	} `json:"viewers"`
}

// describeViewers writes the viewers as "Name" or "Name*" (typing), in order.
func (f viewersFrame) String() string {
	var parts []string
	for _, v := range f.Viewers {
		s := v.Name
		if v.Typing {
			s += "*"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ",")
}

// waitViewers reads viewers frames of the conversation until one lists want.
func waitViewers(t *testing.T, ws *testkit.WS, convID int64, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		f, err := ws.TryRead(time.Until(deadline))
		if err != nil {
			break
		}
		if f.Type() != "viewers" {
			continue
		}
		var vf viewersFrame
		f.Decode(t, &vf)
		if vf.ConversationID != convID {
			continue
		}
		if last = vf.String(); last == want {
			return
		}
	}
	t.Fatalf("viewers of %d: never %q (last %q)", convID, want, last)
}

func viewing(convID int64, state string) map[string]any {
	return map[string]any{"type": "viewing", "conversation_id": convID, "state": state}
}

// TestCollisionDetectionAcrossNodes: two agents on two nodes open the same
// conversation and each learns about the other, typing included; a viewer
// goes on stop and on disconnect; strangers and visitors get errors, not
// frames, and their sockets stay open.
func TestCollisionDetectionAcrossNodes(t *testing.T) {
	nodes := testkit.StartCluster(t, 2)
	n0, n1 := nodes[0], nodes[1]
	admin := n0.Setup()
	var st site
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Acme"}, http.StatusCreated, &st)
	var other site
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Other"}, http.StatusCreated, &other)
	agent := func(name, nick string, queue int64) *testkit.Client {
		admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": name, "email": name + "@example.com",
			"password": "password-" + name, "nickname": nick, "role": "agent", "verified": true}, http.StatusCreated, nil)
		c := n0.Login(name, "password-"+name)
		admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", queue, c.UserID), map[string]int{"capacity": 3}, http.StatusNoContent, nil)
		return c
	}
	ana := agent("ana", "Ana", st.Queues[0].ID)
	ben := agent("ben", "Ben", st.Queues[0].ID)
	carl := agent("carl", "Carl", other.Queues[0].ID)
	ana.Do("PUT", "/api/v1/agent/status", map[string]string{"status": "online"}, http.StatusOK, nil)

	v, _ := n1.NewVisitor(st.PublicKey, nil)
	conv := v.Open(nil)
	vws := v.Dial()

	aws := ana.Dial()
	bws := ben.On(n1).Dial()

	aws.Send(viewing(conv.ID, "start"))
	waitViewers(t, aws, conv.ID, "Ana")
	waitViewers(t, bws, conv.ID, "Ana") // Ben sees Ana before opening it himself
	bws.Send(viewing(conv.ID, "start"))
	waitViewers(t, aws, conv.ID, "Ana,Ben")
	waitViewers(t, bws, conv.ID, "Ana,Ben")

	// Ben is not a member of the conversation (Ana has it), yet his typing shows.
	bws.Send(map[string]any{"type": "typing", "conversation_id": conv.ID, "state": "start"})
	waitViewers(t, aws, conv.ID, "Ana,Ben*")
	bws.Send(map[string]any{"type": "typing", "conversation_id": conv.ID, "state": "stop"})
	waitViewers(t, aws, conv.ID, "Ana,Ben")

	bws.Send(viewing(conv.ID, "stop"))
	waitViewers(t, aws, conv.ID, "Ana")

	// A second socket of Ben's views it, then drops without a stop.
	bws2 := ben.On(n1).Dial()
	bws2.Send(viewing(conv.ID, "start"))
	waitViewers(t, aws, conv.ID, "Ana,Ben")
	bws2.Conn.Close()
	waitViewers(t, aws, conv.ID, "Ana")

	// Errors, not dropped sockets.
	errCode := func(ws *testkit.WS) string {
		f := ws.ReadType("error", 5*time.Second)
		code, _ := f["code"].(string)
		ws.Send(map[string]string{"type": "ping"})
		ws.ReadType("pong", 5*time.Second)
		return code
	}
	aws.Send(viewing(99999999, "start"))
	if c := errCode(aws); c != "conversation_not_found" {
		t.Fatalf("unknown conversation: %q", c)
	}
	cws := carl.On(n1).Dial()
	cws.Send(viewing(conv.ID, "start"))
	if c := errCode(cws); c != "forbidden" {
		t.Fatalf("an agent of another site: %q", c)
	}
	aws.SendUnchecked(map[string]any{"type": "viewing", "conversation_id": conv.ID, "state": "peek"})
	if c := errCode(aws); c != "invalid_frame" {
		t.Fatalf("bad state: %q", c)
	}
	vws.Send(viewing(conv.ID, "start"))
	if c := errCode(vws); c != "unknown_type" {
		t.Fatalf("a visitor's viewing frame: %q", c)
	}
	// The visitor never hears about viewers, though agents came and went.
	aws.Send(viewing(conv.ID, "stop"))
	waitViewers(t, bws, conv.ID, "")
	// The agent's reply reaches the visitor after every viewers frame.
	ana.SendText(conv.ID, "after-viewing", "still here")
	vws.NoFrameBefore(testkit.OfType("viewers"), testkit.OfType("message"))
}
