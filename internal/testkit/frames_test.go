package testkit

import (
	"strings"
	"testing"
)

func TestCheckFrameFollowsTheAsyncAPIDocument(t *testing.T) {
	tests := []struct {
		name       string
		frame      string
		fromServer bool
		want       string // "" for a match, else a part of the complaint
	}{
		{"hello", `{"type":"hello","session_id":"s1","identity":{"kind":"user","id":3,"role":"agent","name":"Ann"},"heartbeat_s":25}`, true, ""},
		{"hello without session", `{"type":"hello","identity":{"kind":"user","id":3},"heartbeat_s":25}`, true, "session_id"},
		{"unknown server type", `{"type":"teleport"}`, true, `"teleport" is not in the AsyncAPI document`},
		{"extra field", `{"type":"pong","colour":"red"}`, true, "colour"},
		{"error with details", `{"type":"error","client_msg_id":"c1","code":"invalid_input","message":"body: has a NUL","details":{"body":"has a NUL"}}`, true, ""},
		{"presence with a null last_seen_at", `{"type":"presence","user_id":7,"status":"online","last_seen_at":null}`, true, ""},
		{"typing in a wrong state", `{"type":"typing","conversation_id":1,"from":{"kind":"user","id":2,"name":"b"},"state":"maybe"}`, true, "state"},
		{"read by the visitor", `{"type":"read","conversation_id":1,"visitor_id":4,"seq":2}`, true, ""},
		{"read by nobody", `{"type":"read","conversation_id":1,"seq":2}`, true, "oneOf"},
		{"client send", `{"type":"send","client_msg_id":"c1","conversation_id":5,"body":"hi"}`, false, ""},
		{"client send without an id", `{"type":"send","conversation_id":5,"body":"hi"}`, false, "client_msg_id"},
		{"client presence offline", `{"type":"presence","status":"offline"}`, false, "status"},
		{"server-only type from a client", `{"type":"ack"}`, false, "not in the AsyncAPI document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkFrame([]byte(tt.frame), tt.fromServer)
			if tt.want == "" && got != "" {
				t.Fatalf("want a match, got: %s", got)
			}
			if tt.want != "" && !strings.Contains(got, tt.want) {
				t.Fatalf("want a complaint naming %q, got %q", tt.want, got)
			}
		})
	}
}
