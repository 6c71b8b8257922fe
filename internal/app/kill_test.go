package app_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/parley-chat/parley/internal/testkit"
)

// node is a `parley serve` process started by a test.
type node struct {
	cmd *exec.Cmd
	url string
	log *os.File
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startNode starts `parley serve` on a data dir of its own (see serveOn).
func startNode(t *testing.T, bin string, env []string) *node {
	t.Helper()
	return serveOn(t, bin, t.TempDir(), t.TempDir(), env)
}

// TestKilledNodeLosesNoAcknowledgedMessage runs two `parley serve`
// processes on one database and Redis, kills one with SIGKILL in the middle
// of a send storm, and checks that the client, reconnected to the other
// node and resending what was not acknowledged with the same ids, ends
// with every message exactly once.
func TestKilledNodeLosesNoAcknowledgedMessage(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "parley")
	build := exec.Command("go", "build", "-o", bin, "github.com/parley-chat/parley/cmd/parley")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	env := []string{"PARLEY_SECRET=kill-test-" + fmt.Sprint(time.Now().UnixNano()), "PARLEY_AUTO_MIGRATE=true",
		"PARLEY_LOG_LEVEL=warn", "PARLEY_LOGIN_LIMIT_PER_IP=1000", "PARLEY_SEND_LIMIT_PER_MINUTE=100000"}
	if u := os.Getenv("PARLEY_TEST_DATABASE_URL"); u != "" {
		env = append(env, "PARLEY_DATABASE_URL="+testkit.FreshPostgres(t, u))
	} else {
		env = append(env, "PARLEY_DATABASE_URL=sqlite:"+filepath.Join(t.TempDir(), "shared.db"))
	}
	if u := os.Getenv("PARLEY_TEST_REDIS_URL"); u != "" {
		env = append(env, "PARLEY_REDIS_URL="+u, "PARLEY_REDIS_PREFIX=kill"+fmt.Sprint(time.Now().UnixNano())+":")
	} else {
		m := miniredis.NewMiniRedis()
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(m.Close)
		env = append(env, "PARLEY_REDIS_URL=redis://"+m.Addr())
	}
	a := startNode(t, bin, env)
	b := startNode(t, bin, env)

	na, nb := testkit.Remote(t, a.url), testkit.Remote(t, b.url)
	admin := na.Setup()
	alice := na.NewUser(admin, "alice")
	bob := na.NewUser(admin, "bob").On(nb)
	na.MakeFriends(alice, bob)
	conv := alice.OpenDirect(bob.UserID)

	const total = 120
	acked := map[string]int64{} // client_msg_id → seq
	send := func(ws *testkit.WS, id string) {
		ws.Send(map[string]any{"type": "send", "client_msg_id": id, "conversation_id": conv.ID, "kind": "text", "body": "storm " + id})
	}
	ws := alice.Dial()
	next, killed := 0, false
	deadline := time.Now().Add(90 * time.Second)
	for len(acked) < total {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d messages acknowledged", len(acked), total)
		}
		// Up to 10 sends in flight.
		for next < total && next-len(acked) < 10 {
			send(ws, fmt.Sprintf("m-%03d", next))
			next++
		}
		if !killed && len(acked) >= 40 {
			if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
		f, err := ws.TryRead(5 * time.Second)
		if err != nil {
			// The node died: reconnect to the survivor and resend every
			// unacknowledged message with its id.
			alice = alice.On(nb)
			ws = alice.Dial()
			for i := 0; i < next; i++ {
				if id := fmt.Sprintf("m-%03d", i); acked[id] == 0 {
					send(ws, id)
				}
			}
			continue
		}
		if f.Type() == "ack" {
			var a struct {
				ClientMsgID string          `json:"client_msg_id"`
				Message     testkit.Message `json:"message"`
			}
			f.Decode(t, &a)
			acked[a.ClientMsgID] = a.Message.Seq
		}
	}
	if !killed {
		t.Fatal("the node was never killed")
	}
	// Every message is stored exactly once with seqs 1..total, and bob, on
	// the survivor, sees the same history; every ack named a stored seq.
	for name, who := range map[string]*testkit.Client{"alice": alice, "bob": bob} {
		page := who.History(conv.ID, "after_seq=0&limit=200")
		seen := map[string]int64{}
		for i, m := range page.Items {
			if m.Seq != int64(i+1) {
				t.Fatalf("%s: seq %d at position %d", name, m.Seq, i)
			}
			if _, dup := seen[m.ClientMsgID]; dup || !strings.HasPrefix(m.ClientMsgID, "m-") {
				t.Fatalf("%s: %s twice or unexpected", name, m.ClientMsgID)
			}
			seen[m.ClientMsgID] = m.Seq
		}
		if len(seen) != total {
			t.Fatalf("%s sees %d messages, want %d", name, len(seen), total)
		}
		for id, seq := range acked {
			if seen[id] != seq {
				t.Fatalf("%s: %s acked with seq %d but stored at %d", name, id, seq, seen[id])
			}
		}
	}
}
