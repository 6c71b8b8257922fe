package realtime

import (
	"bytes"
	"context"

	"github.com/gorilla/websocket"
	"github.com/olahol/melody"
)

// closeMarker starts a broker payload that asks every node to close a
// recipient's sessions instead of delivering a frame to them. Frames are
// JSON objects, so they never start with a NUL byte.
var closeMarker = []byte("\x00close\x00")

// CloseCodeRevoked is the WebSocket close code sent to sessions whose
// account changed under them (disabled, or given another role).
const CloseCodeRevoked = 4001

// Disconnect closes every session of recipient on every node with
// CloseCodeRevoked and reason (at most 120 bytes).
func (h *Hub) Disconnect(ctx context.Context, recipient, reason string) error {
	msg := websocket.FormatCloseMessage(CloseCodeRevoked, reason)
	h.closeLocal(recipient, msg)
	return h.broker.Publish(ctx, recipient, append(append([]byte{}, closeMarker...), msg...))
}

// closeControl handles a payload of Disconnect from another node; it
// reports whether payload was one.
func (h *Hub) closeControl(recipient string, payload []byte) bool {
	if !bytes.HasPrefix(payload, closeMarker) {
		return false
	}
	h.closeLocal(recipient, payload[len(closeMarker):])
	return true
}

func (h *Hub) closeLocal(recipient string, msg []byte) {
	h.mu.RLock()
	targets := make([]*melody.Session, 0, len(h.sessions[recipient]))
	for s := range h.sessions[recipient] {
		targets = append(targets, s)
	}
	h.mu.RUnlock()
	for _, s := range targets {
		_ = s.CloseWithMsg(msg)
	}
}
