package realtime

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
