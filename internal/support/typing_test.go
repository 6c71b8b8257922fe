package support_test

import (
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/testkit"
)

type typingFrame struct {
	ConversationID int64 `json:"conversation_id"`
	From           struct {
		Kind string `json:"kind"`
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"from"`
	State string `json:"state"`
}

// The visitor and the assigned agent see each other type; nobody hears
// their own typing, and a visitor types only in their own conversations.
func TestVisitorAndAgentSeeEachOtherType(t *testing.T) {
	d := newDesk(t, 1, 3)
	agent := d.agents[0]
	d.online(agent)
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv := v.Open(nil)
	if got := d.conversation(agent, conv.ID).AssigneeID(); got != agent.UserID {
		t.Fatalf("conversation assigned to %d, want %d", got, agent.UserID)
	}
	vws, aws := v.Dial(), agent.Dial()

	vws.Send(map[string]any{"type": "typing", "conversation_id": conv.ID, "state": "start"})
	var tf typingFrame
	aws.ReadType("typing", 5*time.Second).Decode(t, &tf)
	if tf.ConversationID != conv.ID || tf.From.Kind != "visitor" || tf.From.ID != v.VisitorID || tf.From.Name == "" || tf.State != "start" {
		t.Fatalf("agent got typing frame %+v", tf)
	}

	aws.Send(map[string]any{"type": "typing", "conversation_id": conv.ID, "state": "stop"})
	tf = typingFrame{}
	vws.ReadType("typing", 5*time.Second).Decode(t, &tf)
	if tf.ConversationID != conv.ID || tf.From.Kind != "user" || tf.From.ID != agent.UserID || tf.State != "stop" {
		t.Fatalf("visitor got typing frame %+v", tf)
	}
	// Each typist's own frame would have come before the other's: the
	// first typing frame each read was the other's.

	other, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	theirs := other.Open(nil)
	vws.Send(map[string]any{"type": "typing", "conversation_id": theirs.ID, "state": "start"})
	var e struct {
		Code string `json:"code"`
	}
	vws.ReadType("error", 5*time.Second).Decode(t, &e)
	if e.Code != "conversation_not_found" {
		t.Fatalf("typing in another visitor's conversation: %+v", e)
	}
	// Each then types in their own conversation: those frames are the
	// barriers that prove nothing came of the refused one.
	vws.Send(map[string]any{"type": "typing", "conversation_id": conv.ID, "state": "stop"})
	aws.Send(map[string]any{"type": "typing", "conversation_id": conv.ID, "state": "start"})
	aws.NoFrameBefore(testkit.OfType("typing"), typingBy("visitor", conv.ID))
	vws.NoFrameBefore(testkit.OfType("typing"), typingBy("user", conv.ID))
}

// typingBy matches the typing frames of a kind of sender in a conversation.
func typingBy(kind string, conversationID int64) func(testkit.Frame) bool {
	return func(f testkit.Frame) bool {
		from, _ := f["from"].(map[string]any)
		id, _ := f["conversation_id"].(float64)
		return f.Type() == "typing" && from["kind"] == kind && int64(id) == conversationID
	}
}
