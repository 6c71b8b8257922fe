package support_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

// TestAgentReconnectsRacingAcrossNodesEndConnected races, 200 times, an
// agent's new socket against the close of their previous one, each on
// either of two nodes, and checks after each round, once every close has
// been handled, that the agent is marked connected; after the last socket
// closes, that they are marked disconnected.
func TestAgentReconnectsRacingAcrossNodesEndConnected(t *testing.T) {
	nodes := testkit.StartCluster(t, 2, testkit.WithConfig(func(c *config.Config) { c.TicketLimitPerMinute = 10000 }))
	admin := nodes[0].Setup()
	admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": "racer", "email": "racer@example.com",
		"password": "password-racer", "role": "agent", "verified": true}, http.StatusCreated, nil)
	agent := nodes[0].Login("racer", "password-racer")
	agent.Do("PUT", "/api/v1/agent/status", map[string]string{"status": "online"}, http.StatusOK, nil)

	connected := func() bool {
		var st struct {
			Connected bool `json:"connected"`
		}
		agent.Do("GET", "/api/v1/agent/status", nil, http.StatusOK, &st)
		return st.Connected
	}
	// settle waits until the nodes hold open sockets in total, every
	// close handled, then until the agent is marked as want says: a
	// connect may still be on its way, a handled close no longer is.
	settle := func(round int, open int, want bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for sessions(t, nodes) != open {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: nodes hold %d sockets, want %d", round, sessions(t, nodes), open)
			}
			time.Sleep(5 * time.Millisecond)
		}
		for connected() != want {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: agent marked connected=%v with %d sockets open", round, !want, open)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	ws := agent.On(nodes[0]).Dial()
	settle(0, 1, true)
	for round := 1; round <= 200; round++ {
		old, next := ws, agent.On(nodes[rand.IntN(len(nodes))])
		ticket := next.Ticket()
		closed := make(chan struct{})
		go func() {
			defer close(closed)
			// A spread of moments around the new socket's opening, not a
			// wait for anything.
			time.Sleep(time.Duration(rand.IntN(4000)) * time.Microsecond)
			old.Conn.Close() // dropped, as a network loss or a reload does
		}()
		conn, resp, err := next.DialRaw(ticket, nil)
		if err != nil {
			t.Fatalf("round %d: dial: %v (%v)", round, err, resp)
		}
		ws = &testkit.WS{Conn: conn}
		<-closed
		settle(round, 1, true)
	}
	ws.Conn.Close()
	settle(201, 0, false)
	for _, n := range nodes {
		if strings.Contains(n.Logs(), "agent connectivity") {
			t.Fatal("a connectivity change failed; see the log")
		}
	}
}

// sessions adds up the open sockets the nodes report in /metrics.
func sessions(t *testing.T, nodes []*testkit.Server) int {
	t.Helper()
	total := 0
	for _, n := range nodes {
		body := n.Client().Do("GET", "/metrics", nil, http.StatusOK, nil).Body
		sc := bufio.NewScanner(strings.NewReader(string(body)))
		found := false
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "parley_ws_sessions "); ok {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					t.Fatalf("parley_ws_sessions %q", v)
				}
				total += int(f)
				found = true
			}
		}
		if !found {
			t.Fatal(fmt.Sprintf("%s/metrics has no parley_ws_sessions", n.URL))
		}
	}
	return total
}
