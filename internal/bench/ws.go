package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// inFrame is the part of a server frame the workloads look at.
type inFrame struct {
	Type         string        `json:"type"`
	ClientMsgID  string        `json:"client_msg_id"`
	Code         string        `json:"code"`
	Message      *message      `json:"message"`
	Conversation *conversation `json:"conversation"`
}

// message is the part of a message the workloads look at.
type message struct {
	ID             int64  `json:"id"`
	ConversationID int64  `json:"conversation_id"`
	Seq            int64  `json:"seq"`
	ClientMsgID    string `json:"client_msg_id"`
	Sender         struct {
		Kind string `json:"kind"`
		ID   int64  `json:"id"`
	} `json:"sender"`
	Body string `json:"body"`
}

// conversation is a support conversation as the API returns it.
type conversation struct {
	ID            int64  `json:"id"`
	Status        string `json:"status"`
	QueueID       int64  `json:"queue_id"`
	QueuePosition *int   `json:"queue_position"`
	Assignee      *struct {
		ID int64 `json:"id"`
	} `json:"assignee"`
}

// decodeMessage returns the message of an ack or message frame. The frame
// is decoded in one pass, message included: decoding it again from raw
// bytes was a fifth of the load generator's CPU in W3, which the server
// waits for on a shared machine.
func (f *inFrame) decodeMessage() (*message, error) {
	if f.Message == nil {
		return nil, errors.New("frame has no message")
	}
	return f.Message, nil
}

// wsConn is one WebSocket. Frames are handed to a handler on the reading
// goroutine, with the time they arrived.
type wsConn struct {
	conn   *websocket.Conn
	wmu    sync.Mutex
	done   chan struct{}
	closed sync.Once
}

var dialer = &websocket.Dialer{
	HandshakeTimeout: 15 * time.Second,
	ReadBufferSize:   2048,
	WriteBufferSize:  2048,
}

// dial fetches a ticket for c and opens /ws. handle may be nil (frames are
// read and dropped, which keeps the heartbeat answered).
func dial(ctx context.Context, c *client, handle func(f *inFrame, at time.Time)) (*wsConn, error) {
	var t struct {
		Ticket string `json:"ticket"`
	}
	if err := c.do(ctx, "POST", "/api/v1/realtime/ticket", nil, &t); err != nil {
		return nil, err
	}
	u := "ws" + strings.TrimPrefix(c.base, "http") + "/ws?ticket=" + t.Ticket
	conn, resp, err := dialer.DialContext(ctx, u, http.Header{})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial /ws: %w (HTTP %d)", err, resp.StatusCode)
		}
		return nil, fmt.Errorf("dial /ws: %w", err)
	}
	// hello should come first, but with the Redis broker a frame published
	// to the user (a friend's presence) can overtake it: such frames are
	// handed on, and only a missing hello is an error.
	_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	for {
		_, b, err := conn.ReadMessage()
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("read hello: %w", err)
		}
		var f inFrame
		if err := json.Unmarshal(b, &f); err != nil {
			conn.Close()
			return nil, fmt.Errorf("frame %q: %w", b, err)
		}
		if f.Type == "hello" {
			break
		}
		if handle != nil {
			handle(&f, time.Now())
		}
	}
	_ = conn.SetReadDeadline(time.Time{})
	w := &wsConn{conn: conn, done: make(chan struct{})}
	go w.read(handle)
	return w, nil
}

func (w *wsConn) read(handle func(f *inFrame, at time.Time)) {
	defer w.Close()
	for {
		_, b, err := w.conn.ReadMessage()
		if err != nil {
			return
		}
		if handle == nil {
			continue
		}
		at := time.Now()
		var f inFrame
		if json.Unmarshal(b, &f) == nil {
			handle(&f, at)
		}
	}
}

// send writes one frame.
func (w *wsConn) send(frame any) error {
	b, err := json.Marshal(frame)
	if err != nil {
		return err
	}
	w.wmu.Lock()
	defer w.wmu.Unlock()
	_ = w.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
	return w.conn.WriteMessage(websocket.TextMessage, b)
}

// Close closes the socket; the reader ends.
func (w *wsConn) Close() {
	w.closed.Do(func() {
		w.wmu.Lock()
		_ = w.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		w.wmu.Unlock()
		w.conn.Close()
		close(w.done)
	})
}

// drop closes the socket at once, without a close frame, as a failing
// network or a node that died would leave it.
func (w *wsConn) drop() {
	w.closed.Do(func() {
		w.conn.Close()
		close(w.done)
	})
}

// alive reports whether the socket is still open.
func (w *wsConn) alive() bool {
	select {
	case <-w.done:
		return false
	default:
		return true
	}
}

// sendFrame is the client's send frame.
type sendFrame struct {
	Type           string `json:"type"`
	ClientMsgID    string `json:"client_msg_id"`
	ConversationID int64  `json:"conversation_id"`
	Kind           string `json:"kind"`
	Body           string `json:"body"`
}
