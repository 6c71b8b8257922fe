package testkit

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// WS is a WebSocket client connected as one user.
type WS struct {
	Conn  *websocket.Conn
	Hello map[string]any
	tb    testing.TB
}

// Frame is a decoded server frame.
type Frame map[string]any

// Type returns the frame's type.
func (f Frame) Type() string { s, _ := f["type"].(string); return s }

// Decode re-decodes the frame into v.
func (f Frame) Decode(tb testing.TB, v any) {
	tb.Helper()
	b, _ := json.Marshal(f)
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatal(err)
	}
}

// Ticket fetches a realtime ticket.
func (c *Client) Ticket() string {
	c.tb.Helper()
	t, err := c.tryTicket()
	if err != nil {
		c.tb.Fatal(err)
	}
	return t
}

// tryTicket asks for a ticket and tells when it is refused.
func (c *Client) tryTicket() (string, error) {
	c.tb.Helper()
	r := c.Raw("POST", "/api/v1/realtime/ticket", nil)
	if r.Status != http.StatusOK {
		return "", fmt.Errorf("ticket: %d %s", r.Status, r.Body)
	}
	var t struct {
		Ticket string `json:"ticket"`
	}
	r.JSON(c.tb, &t)
	return t.Ticket, nil
}

// Dial opens a WebSocket for the client's user and reads the hello frame.
func (c *Client) Dial() *WS {
	c.tb.Helper()
	return c.DialWith(nil)
}

// DialWith is Dial with headers on the upgrade request (Accept-Language,
// say).
func (c *Client) DialWith(h http.Header) *WS {
	c.tb.Helper()
	w, err := c.dial(h)
	if err != nil {
		c.tb.Fatal(err)
	}
	return w
}

// TryDial is Dial that tells instead of failing the test when the ticket
// is refused or the socket is closed before its hello: while Redis fails
// over, say, or when a node closes every socket with 1012.
func (c *Client) TryDial() (*WS, error) {
	c.tb.Helper()
	return c.dial(nil)
}

func (c *Client) dial(h http.Header) (*WS, error) {
	c.tb.Helper()
	ticket, err := c.tryTicket()
	if err != nil {
		return nil, err
	}
	conn, resp, err := c.DialRaw(ticket, h)
	if err != nil {
		return nil, fmt.Errorf("dial: %v (%v)", err, resp)
	}
	w := &WS{Conn: conn, tb: c.tb}
	c.tb.Cleanup(func() { conn.Close() })
	hello, err := w.TryRead(5 * time.Second)
	if err != nil {
		return nil, fmt.Errorf("waiting for hello: %w", err)
	}
	if hello.Type() != "hello" {
		return nil, fmt.Errorf("first frame %v, want hello", hello)
	}
	w.Hello = hello
	return w, nil
}

// DialRaw dials /ws with a ticket and headers, returning what happened.
func (c *Client) DialRaw(ticket string, h http.Header) (*websocket.Conn, *http.Response, error) {
	u := "ws" + strings.TrimPrefix(c.Base, "http") + "/ws?ticket=" + ticket
	return websocket.DefaultDialer.Dial(u, h)
}

// Send writes one frame: a string or []byte as it is, anything else
// JSON-encoded and first checked against the AsyncAPI document's client
// frames. Tests of refused frames use SendUnchecked.
func (w *WS) Send(frame any) {
	w.tb.Helper()
	switch frame.(type) {
	case string, []byte:
		w.write(frame)
		return
	}
	b, err := json.Marshal(frame)
	if err != nil {
		w.tb.Fatalf("ws frame: %v", err)
	}
	if problem := checkFrame(b, false); problem != "" {
		w.tb.Fatalf("%s\nframe: %s", problem, shown(b))
	}
	w.write(b)
}

// SendUnchecked writes a frame that the AsyncAPI document need not allow,
// to test how the server refuses it.
func (w *WS) SendUnchecked(frame any) {
	w.tb.Helper()
	w.write(frame)
}

func (w *WS) write(frame any) {
	w.tb.Helper()
	var b []byte
	switch f := frame.(type) {
	case string:
		b = []byte(f)
	case []byte:
		b = f
	default:
		b, _ = json.Marshal(f)
	}
	if err := w.Conn.WriteMessage(websocket.TextMessage, b); err != nil {
		w.tb.Fatalf("ws write: %v", err)
	}
}

// Read returns the next frame, failing the test after timeout.
func (w *WS) Read(timeout time.Duration) Frame {
	w.tb.Helper()
	f, err := w.TryRead(timeout)
	if err != nil {
		w.tb.Fatalf("ws read: %v", err)
	}
	return f
}

// TryRead returns the next frame or the read error. Every frame is checked
// against the AsyncAPI document's server frames: one it does not describe
// fails the test.
func (w *WS) TryRead(timeout time.Duration) (Frame, error) {
	w.tb.Helper()
	_ = w.Conn.SetReadDeadline(time.Now().Add(timeout))
	_, b, err := w.Conn.ReadMessage()
	if err != nil {
		return nil, err
	}
	var f Frame
	if err := json.Unmarshal(b, &f); err != nil {
		w.tb.Fatalf("server sent non-JSON frame %q", b)
	}
	if problem := checkFrame(b, true); problem != "" {
		w.tb.Errorf("%s\nframe: %s", problem, shown(b))
	}
	return f, nil
}

// ReadType skips frames until one of type typ arrives.
func (w *WS) ReadType(typ string, timeout time.Duration) Frame {
	w.tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			w.tb.Fatalf("no %q frame within %s", typ, timeout)
		}
		f := w.Read(left)
		if f.Type() == typ {
			return f
		}
	}
}

// NoFrameBefore proves an absence without waiting for it: it reads frames
// until the barrier frame (the first for which barrier reports true) and
// fails the test if a frame for which unwanted reports true came first.
// The barrier must be a frame the server sends on the same way as the
// unwanted one would have gone, and only after it: a frame published by
// an action the test takes once the unwanted frame's cause is over.
// It returns the barrier frame.
func (w *WS) NoFrameBefore(unwanted, barrier func(Frame) bool) Frame {
	w.tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			w.tb.Fatalf("no barrier frame within 5s")
		}
		f := w.Read(left)
		if barrier(f) {
			return f
		}
		if unwanted(f) {
			w.tb.Fatalf("unexpected %s frame: %v", f.Type(), f)
		}
	}
}

// OfType matches the frames of type typ (for NoFrameBefore).
func OfType(typ string) func(Frame) bool {
	return func(f Frame) bool { return f.Type() == typ }
}
