package realtime_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

// TestRedisClusterFailoverWhileMessagesFlow: two nodes on a real Redis
// Cluster (three masters, one replica each); the master holding the slot
// of the shared fan-out channel (where node B's subscription lives) is
// killed while messages flow (see failoverWhileMessagesFlow).
func TestRedisClusterFailoverWhileMessagesFlow(t *testing.T) {
	testkit.NeedRedisServer(t)
	rc := testkit.StartRedisCluster(t, 3, 1)
	var fanout, old string
	failoverWhileMessagesFlow(t, rc.URL(), func(a *testkit.Server) {
		fanout = a.Config().RedisPrefix + "parley:fanout"
		old = rc.MasterFor(t, fanout)
		rc.Kill(t, old)
	}, func() { rc.WaitFailover(t, fanout, old) })
}

// TestRedisSentinelFailoverWhileMessagesFlow: two nodes on a real Redis
// Sentinel set-up (a master, a replica, three sentinels); the master is
// killed while messages flow and the sentinels promote the replica.
func TestRedisSentinelFailoverWhileMessagesFlow(t *testing.T) {
	testkit.NeedRedisServer(t)
	rs := testkit.StartRedisSentinel(t)
	var old string
	failoverWhileMessagesFlow(t, rs.URL(), func(*testkit.Server) { old = rs.Kill(t) },
		func() { rs.WaitFailover(t, old) })
}

// failoverWhileMessagesFlow runs two nodes on the Redis at redisURL. Alice
// on node A sends to Bob on node B, a message every 20 ms, and kill takes
// Redis's master away mid-stream; wait returns once a replica has taken
// over. Every acknowledged send is in history; Bob ends with every one of
// them, live or caught up by history after the 1012 that tells him he may
// have missed some (which node B, whose subscription was on the killed
// master, must send); and once the replica has taken over, a message
// reaches his socket live again.
func failoverWhileMessagesFlow(t *testing.T, redisURL string, kill func(a *testkit.Server), wait func()) {
	nodes := testkit.StartCluster(t, 2, testkit.WithConfig(func(c *config.Config) { c.RedisURL = redisURL }))
	a, b := nodes[0], nodes[1]
	admin := a.Setup()
	alice := a.NewUser(admin, "alice")
	bob := a.NewUser(admin, "bob").On(b)
	a.MakeFriends(alice, bob)
	dm := alice.OpenDirect(bob.UserID)

	frames, closed := readAll(bob.Dial().Conn)
	got := map[int64]bool{} // seqs Bob holds
	resyncs := 0            // 1012 closes Bob's sockets got
	receive := func(until time.Time, stop func() bool) {
		t.Helper()
		for !stop() && time.Now().Before(until) {
			select {
			case m := <-frames:
				got[m.Seq] = true
			case code := <-closed:
				if code != websocket.CloseServiceRestart {
					t.Fatalf("Bob's socket closed with %d, want 1012 (catch up)", code)
				}
				resyncs++
				// As the console does: reconnect, then catch up by history.
				frames, closed = readAll(dialRetry(t, bob, time.Now().Add(20*time.Second)).Conn)
				for seq := range seqs(bob, dm.ID) {
					got[seq] = true
				}
			case <-time.After(50 * time.Millisecond):
			}
		}
	}

	acked := map[int64]string{} // seq → client_msg_id of every acknowledged send
	n := 0
	send := func() {
		t.Helper()
		n++
		id := fmt.Sprintf("fo-%d", n)
		// A send that fails is retried with the same id, as clients do.
		for try := 0; ; try++ {
			r := alice.Raw("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", dm.ID), map[string]string{"client_msg_id": id, "kind": "text", "body": id})
			if r.Status == http.StatusCreated || r.Status == http.StatusOK {
				var m testkit.Message
				r.JSON(t, &m)
				acked[m.Seq] = id
				return
			}
			if try == 20 {
				t.Fatalf("send %s: %d %s", id, r.Status, r.Body)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	pace := func(d time.Duration) {
		t.Helper()
		for end := time.Now().Add(d); time.Now().Before(end); {
			send()
			receive(time.Now().Add(20*time.Millisecond), func() bool { return false })
		}
	}

	pace(time.Second)
	before := n
	kill(a)
	killedAt := time.Now()
	pace(500 * time.Millisecond)
	wait()
	t.Logf("%d messages sent before the master was killed; a replica took over %.1f s after it, with %d more sent meanwhile",
		before, time.Since(killedAt).Seconds(), n-before)
	pace(time.Second)

	// Every acknowledged message is stored, and Bob gets every one.
	history := seqs(alice, dm.ID)
	for seq, id := range acked {
		if !history[seq] {
			t.Errorf("acknowledged %s (seq %d) is not in history", id, seq)
		}
	}
	all := func() bool {
		for seq := range acked {
			if !got[seq] {
				return false
			}
		}
		return true
	}
	receive(time.Now().Add(40*time.Second), all)
	for seq, id := range acked {
		if !got[seq] {
			t.Errorf("Bob never got %s (seq %d), live or by history", id, seq)
		}
	}

	// Node B's subscription lived on the killed master: once it is back
	// on the new one, B cannot know what it missed and says so.
	if resyncs == 0 {
		t.Errorf("Bob's socket on node B was never closed with 1012, though its subscription was cut")
	}

	// Live delivery has resumed: one more message reaches his socket.
	last := alice.SendText(dm.ID, "after-failover", "after the failover")
	receive(time.Now().Add(15*time.Second), func() bool { return got[last.Seq] })
	if !got[last.Seq] {
		t.Fatalf("a message sent after the failover did not reach Bob's socket live")
	}
	for i, n := range nodes {
		if strings.Contains(n.Logs(), "CROSSSLOT") {
			t.Errorf("node %c: a Redis call touched keys of several slots at once", 'A'+rune(i))
		}
	}
	t.Logf("%d messages acknowledged, all stored and received", len(acked))
}

// seqs reads a conversation's whole history, a page at a time.
func seqs(c *testkit.Client, conversationID int64) map[int64]bool {
	out := map[int64]bool{}
	var after int64
	for {
		page := c.History(conversationID, fmt.Sprintf("after_seq=%d&limit=50", after))
		for _, m := range page.Items {
			out[m.Seq] = true
			after = max(after, m.Seq)
		}
		if len(page.Items) < 50 {
			return out
		}
	}
}

// readAll reads the messages and the close code of a socket in the
// background.
func readAll(conn *websocket.Conn) (<-chan testkit.Message, <-chan int) {
	frames, closed := make(chan testkit.Message, 1024), make(chan int, 1)
	go func() {
		for {
			_, b, err := conn.ReadMessage()
			if err != nil {
				code := -1
				var ce *websocket.CloseError
				if errors.As(err, &ce) {
					code = ce.Code
				}
				closed <- code
				return
			}
			var f struct {
				Type    string          `json:"type"`
				Message testkit.Message `json:"message"`
			}
			if json.Unmarshal(b, &f) == nil && f.Type == "message" {
				frames <- f.Message
			}
		}
	}()
	return frames, closed
}

// dialRetry opens a socket for c, trying again while the ticket or the
// upgrade fails or the socket closes before its hello (Redis may still be
// electing a master, or the node closing its sockets with 1012), until
// deadline.
func dialRetry(t *testing.T, c *testkit.Client, deadline time.Time) *testkit.WS {
	t.Helper()
	for {
		ws, err := c.TryDial()
		if err == nil {
			return ws
		}
		if time.Now().After(deadline) {
			t.Fatalf("could not reconnect: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
