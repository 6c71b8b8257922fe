package realtime

import (
	"context"

	"github.com/olahol/melody"
)

// Handler takes the events of a session served by ServeWith. Its methods
// run as the hub's callbacks do: Message on the session's own reading
// order, one frame at a time.
type Handler interface {
	Connected(s *Session)
	Message(s *Session, data []byte)
	Disconnected(s *Session)
}

// exceptMarker starts a broker payload that is delivered to every session
// of its key but one: "\x00except\x00<session id>\x00<frame>". Frames are
// JSON objects, so they never start with a NUL byte.
var exceptMarker = []byte("\x00except\x00")

// Join adds the session to key's sessions, on top of its recipient: what
// is published to key reaches it from now on, from any node, until Leave
// or its close.
func (h *Hub) Join(s *Session, key string) {
	st := s.state()
	h.mu.Lock()
	if st.joined == nil {
		st.joined = map[string]struct{}{}
	}
	st.joined[key] = struct{}{}
	set := h.sessions[key]
	if set == nil {
		set = map[*melody.Session]*state{}
		h.sessions[key] = set
	}
	set[s.s] = st
	h.mu.Unlock()
	h.syncSubscription(key)
}

// Leave removes the session from key's sessions.
func (h *Hub) Leave(s *Session, key string) {
	st := s.state()
	h.mu.Lock()
	if _, ok := st.joined[key]; !ok {
		h.mu.Unlock()
		return
	}
	delete(st.joined, key)
	h.removeLocked(s.s, key)
	h.mu.Unlock()
	h.syncSubscription(key)
}

// removeLocked drops s from key's sessions; the caller holds h.mu.
func (h *Hub) removeLocked(s *melody.Session, key string) {
	if set := h.sessions[key]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(h.sessions, key)
		}
	}
}

// Write sends an encoded frame to this session as it is. A full buffer
// closes the session.
func (s *Session) Write(payload []byte) {
	st := s.state()
	st.hub.write(s.s, st, payload, false)
}

// CloseWith closes the session with a close frame msg (see
// websocket.FormatCloseMessage).
func (s *Session) CloseWith(msg []byte) { _ = s.s.CloseWithMsg(msg) }

// PublishRaw sends an encoded frame to every session of each key, on every
// node, except the session whose id is except ("" for none). The frame is
// durable: a full queue closes the session.
func (h *Hub) PublishRaw(ctx context.Context, keys []string, payload []byte, except string) error {
	for _, k := range keys {
		h.deliverTo(k, payload, false, except)
	}
	b := payload
	if except != "" {
		b = make([]byte, 0, len(exceptMarker)+len(except)+1+len(payload))
		b = append(append(append(append(b, exceptMarker...), except...), 0), payload...)
	}
	if err := h.broker.PublishMany(ctx, keys, b); err != nil {
		h.metrics.PublishFailures.Inc()
		return err
	}
	return nil
}

// DisconnectWith closes every session of key on every node with the close
// frame msg.
func (h *Hub) DisconnectWith(ctx context.Context, key string, msg []byte) error {
	h.closeLocal(key, msg)
	return h.broker.Publish(ctx, key, append(append([]byte{}, closeMarker...), msg...))
}
