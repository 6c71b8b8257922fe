package realtime

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/internal/metrics"
)

func TestWriteDeadlinesReachTheSocketOnlyWhenEarlierOrMuchLater(t *testing.T) {
	var d writeDeadline
	base := time.Now()
	steps := []struct {
		at      time.Time
		reaches bool
	}{
		{base.Add(10 * time.Second), true},                       // the first
		{base.Add(10*time.Second + 300*time.Millisecond), false}, // later, within the slack: the one in force stands
		{base.Add(10*time.Second + 900*time.Millisecond), false}, // still within it
		{base.Add(11*time.Second + 100*time.Millisecond), true},  // past the slack
		{base.Add(time.Second), true},                            // earlier: always passed on
		{time.Time{}, true},                                      // none: cleared
		{base.Add(5 * time.Second), true},                        // a deadline after none
	}
	for i, s := range steps {
		if got := !d.keep(s.at); got != s.reaches {
			t.Fatalf("step %d (%v): reached the socket %v, want %v", i, s.at.Sub(base), got, s.reaches)
		}
	}
}

// A session's writes go through the coarse connection: what the upgrade
// hijacks is wrapped before gorilla gets it, frames flow through it, and a
// frame written in two parts (over twice gorilla's buffer) arrives whole.
func TestSessionsWriteThroughCoarseDeadlines(t *testing.T) {
	h := NewHub(NewLocalBroker(), slog.New(slog.DiscardHandler), metrics.New())
	defer h.Close(context.Background())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = h.Serve(w, r, "u:1", "alice")
	}))
	defer srv.Close()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var st *state
	for deadline := time.Now().Add(5 * time.Second); st == nil; {
		h.mu.RLock()
		for _, v := range h.sessions["u:1"] {
			st = v
		}
		h.mu.RUnlock()
		if st == nil && time.Now().After(deadline) {
			t.Fatal("the session was never ready")
		}
		runtime.Gosched()
	}
	c, ok := st.conn.(*tcpConn)
	if !ok {
		t.Fatalf("the session writes through %T, want *tcpConn", st.conn)
	}
	if c.TCPConn == nil {
		t.Fatal("no TCP connection underneath")
	}
	big := strings.Repeat("x", 3*writeBufferSize)
	for i := range 20 {
		body := strconv.Itoa(i)
		if i == 10 {
			body = big
		}
		if err := h.Publish(context.Background(), []string{"u:1"}, map[string]string{"type": "n", "body": body}); err != nil {
			t.Fatal(err)
		}
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for i := range 20 {
		var f struct{ Type, Body string }
		if err := conn.ReadJSON(&f); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		want := strconv.Itoa(i)
		if i == 10 {
			want = big
		}
		if f.Body != want {
			t.Fatalf("frame %d has a body of %d bytes, want %d", i, len(f.Body), len(want))
		}
	}
}

// The upgrade's SetDeadline replaces the write deadline in force: a write
// deadline asked just after it reaches the socket, though it is within the
// slack of the one before. Without that, a cleared socket would keep no
// deadline at all while the connection believed it had one.
func TestSetDeadlineReplacesTheWriteDeadlineInForce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if peer := <-accepted; peer != nil {
		defer peer.Close()
	}
	c := coarseDeadlines(raw)
	write := func() error { _, err := c.Write([]byte("x")); return err }
	past := time.Now().Add(-time.Minute)
	if err := c.SetWriteDeadline(past); err != nil {
		t.Fatal(err)
	}
	if err := write(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write past its deadline: %v", err)
	}
	if err := c.SetDeadline(time.Time{}); err != nil { // as the upgrade ends
		t.Fatal(err)
	}
	if err := write(); err != nil {
		t.Fatalf("write with no deadline: %v", err)
	}
	if err := c.SetWriteDeadline(past.Add(deadlineSlack / 2)); err != nil {
		t.Fatal(err)
	}
	if err := write(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a write deadline asked after SetDeadline did not reach the socket: %v", err)
	}
}
