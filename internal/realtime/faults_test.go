package realtime_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

// TestRedisOutageLosesNothingAndDeliveryResumes stops the deployment's
// Redis in the middle of a conversation between two nodes: sends still
// commit and are acknowledged, readiness says Redis is down, the receiver
// catches up by history, and live delivery resumes once Redis is back.
func TestRedisOutageLosesNothingAndDeliveryResumes(t *testing.T) {
	redis := miniredis.NewMiniRedis()
	if err := redis.StartAddr("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	addr := redis.Addr()
	nodes := testkit.StartCluster(t, 2, testkit.WithConfig(func(c *config.Config) { c.RedisURL = "redis://" + addr }))
	a, b := nodes[0], nodes[1]
	admin := a.Setup()
	alice := a.NewUser(admin, "alice")
	bob := a.NewUser(admin, "bob").On(b)
	a.MakeFriends(alice, bob)
	conv := alice.OpenDirect(bob.UserID)
	aws, bws := alice.Dial(), bob.Dial()
	alice.SendText(conv.ID, "before", "before the outage")
	bws.ReadType("message", 5*time.Second)

	redis.Close()
	var during []testkit.Message
	during = append(during, alice.SendText(conv.ID, "during-1", "while Redis is down"))
	aws.Send(map[string]any{"type": "send", "client_msg_id": "during-2", "conversation_id": conv.ID, "kind": "text", "body": "over the socket too"})
	var ack struct {
		Message testkit.Message `json:"message"`
	}
	aws.ReadType("ack", 10*time.Second).Decode(t, &ack)
	during = append(during, ack.Message)
	if r := a.Client().Raw("GET", "/readyz", nil); r.Status != http.StatusServiceUnavailable || !contains(string(r.Body), `"redis":"down"`) {
		t.Fatalf("readyz during the outage: %d %s", r.Status, r.Body)
	}
	// The receiver, resyncing, has everything that was acknowledged.
	page := bob.History(conv.ID, "after_seq=1")
	if len(page.Items) != 2 || page.Items[0].ID != during[0].ID || page.Items[1].ID != during[1].ID {
		t.Fatalf("bob's catch-up during the outage: %+v", page.Items)
	}

	back := miniredis.NewMiniRedis()
	if err := back.StartAddr(addr); err != nil {
		t.Fatalf("restart Redis on %s: %v", addr, err)
	}
	t.Cleanup(back.Close)
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; ; i++ {
		if time.Now().After(deadline) {
			t.Fatal("live delivery across nodes did not resume after Redis came back")
		}
		m := alice.SendText(conv.ID, fmt.Sprintf("after-%d", i), "after the outage")
		// Every frame that has come (sends retried once Redis took them
		// again arrive too), until a live one from after the outage.
		live := false
		for !live {
			got, err := bws.TryRead(500 * time.Millisecond)
			if err != nil {
				// Closed (1012: the node's subscription came back), or a
				// read timeout spent the socket: open another, which the
				// same 1012 may close before its hello.
				bws = dialRetry(t, bob, deadline)
				break
			}
			if got.Type() == "message" {
				var f struct {
					Message testkit.Message `json:"message"`
				}
				got.Decode(t, &f)
				live = f.Message.Seq >= m.Seq-1
			}
		}
		if live {
			break
		}
	}
	deadline = time.Now().Add(10 * time.Second)
	for a.Client().Raw("GET", "/readyz", nil).Status != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("readyz did not recover")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
