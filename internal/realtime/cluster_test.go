package realtime_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

// TestNodesDeliverToEachOther: three nodes share a database and Redis;
// direct and group messages, typing, presence and support conversations
// cross between them, and a job one node decides is run.
func TestNodesDeliverToEachOther(t *testing.T) {
	deliverAcrossNodes(t)
}

// TestNodesDeliverToEachOtherOnRedisCluster: the same on a real Redis
// Cluster of three masters, so that every key, script, pipeline, channel
// and job queue Parley uses is shown to work across slots.
func TestNodesDeliverToEachOtherOnRedisCluster(t *testing.T) {
	testkit.NeedRedisServer(t)
	rc := testkit.StartRedisCluster(t, 3, 0)
	deliverAcrossNodes(t, testkit.WithConfig(func(c *config.Config) { c.RedisURL = rc.URL() }))
}

// TestNodesDeliverToEachOtherOnRedisSentinel: the same through Sentinel.
func TestNodesDeliverToEachOtherOnRedisSentinel(t *testing.T) {
	testkit.NeedRedisServer(t)
	rs := testkit.StartRedisSentinel(t)
	deliverAcrossNodes(t, testkit.WithConfig(func(c *config.Config) { c.RedisURL = rs.URL() }))
}

func deliverAcrossNodes(t *testing.T, opts ...testkit.Option) {
	nodes := testkit.StartCluster(t, 3, opts...)
	a, b, c := nodes[0], nodes[1], nodes[2]
	admin := a.Setup()
	alice := a.NewUser(admin, "alice")
	bob := a.NewUser(admin, "bob").On(b)
	carol := a.NewUser(admin, "carol").On(c)
	a.MakeFriends(alice, bob)
	bws, cws := bob.Dial(), carol.Dial()

	// Presence: alice (node A) sees bob online although bob is on node B.
	aws := alice.Dial()
	var friends struct {
		Items []struct {
			User struct {
				ID int64 `json:"id"`
			} `json:"user"`
			Presence struct {
				Status string `json:"status"`
			} `json:"presence"`
		} `json:"items"`
	}
	alice.Do("GET", "/api/v1/friends", nil, http.StatusOK, &friends)
	if len(friends.Items) != 1 || friends.Items[0].Presence.Status != "online" {
		t.Fatalf("bob's presence seen from another node: %+v", friends.Items)
	}

	dm := alice.OpenDirect(bob.UserID)
	sent := alice.SendText(dm.ID, "x1", "across nodes")
	var f struct {
		Message testkit.Message `json:"message"`
	}
	bws.ReadType("message", 5*time.Second).Decode(t, &f)
	if f.Message.ID != sent.ID {
		t.Fatalf("bob on node B got %+v", f.Message)
	}
	aws.Send(map[string]any{"type": "typing", "conversation_id": dm.ID, "state": "start"})
	bws.ReadType("typing", 5*time.Second)

	var g struct {
		ID             int64 `json:"id"`
		Number         int64 `json:"number"`
		ConversationID int64 `json:"conversation_id"`
	}
	alice.Do("POST", "/api/v1/groups", map[string]string{"name": "Nodes", "join_policy": "open"}, http.StatusCreated, &g)
	for _, m := range []*testkit.Client{bob, carol} {
		m.Do("POST", "/api/v1/groups/join", map[string]int64{"number": g.Number}, http.StatusOK, nil)
	}
	gm := alice.SendText(g.ConversationID, "g1", "hello everyone")
	for name, ws := range map[string]*testkit.WS{"bob": bws, "carol": cws} {
		deadline := time.Now().Add(5 * time.Second)
		for {
			var f struct {
				Message testkit.Message `json:"message"`
			}
			ws.ReadType("message", time.Until(deadline)).Decode(t, &f)
			if f.Message.ID == gm.ID {
				break
			}
		}
		_ = name
	}

	// Support: the visitor's socket is on node C, the agent's on node A.
	var site struct {
		ID        int64  `json:"id"`
		PublicKey string `json:"public_key"`
		Queues    []struct {
			ID int64 `json:"id"`
		} `json:"queues"`
	}
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Shop"}, http.StatusCreated, &site)
	admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": "agent", "email": "agent@example.com", "password": "password-agent", "role": "agent", "verified": true}, http.StatusCreated, nil)
	agent := a.Login("agent", "password-agent")
	admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", site.Queues[0].ID, agent.UserID), map[string]int{"capacity": 2}, http.StatusNoContent, nil)
	agent.Do("PUT", "/api/v1/agent/status", map[string]string{"status": "online"}, http.StatusOK, nil)
	agentWS := agent.Dial()
	visitor, _ := c.NewVisitor(site.PublicKey, nil)
	sc := visitor.Open(nil)
	visitorWS := visitor.Dial()
	visitorWS.Send(map[string]any{"type": "send", "client_msg_id": "v1", "conversation_id": sc.ID, "kind": "text", "body": "help from node C"})
	for {
		var f struct {
			Message testkit.Message `json:"message"`
		}
		agentWS.ReadType("message", 5*time.Second).Decode(t, &f)
		if f.Message.Body == "help from node C" {
			break
		}
	}
	agent.SendText(sc.ID, "a1", "answer from node A")
	for {
		var f struct {
			Message testkit.Message `json:"message"`
		}
		visitorWS.ReadType("message", 5*time.Second).Decode(t, &f)
		if f.Message.Body == "answer from node A" {
			break
		}
	}

	// A job goes through the queue: a password-reset mail asked on node B.
	mails := func() (n int) {
		for _, node := range nodes {
			n += strings.Count(node.Logs(), `"msg":"mail","to":["carol@example.com"]`)
		}
		return n
	}
	before := mails()
	b.Client().Do("POST", "/api/v1/auth/password-reset", map[string]string{"email": "carol@example.com"}, http.StatusAccepted, nil)
	deadline := time.Now().Add(20 * time.Second)
	for mails() == before {
		if time.Now().After(deadline) {
			t.Fatal("the password-reset mail was not sent within 20 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// No call fell back for keys a Redis Cluster keeps in different slots.
	for i, n := range nodes {
		if strings.Contains(n.Logs(), "CROSSSLOT") {
			t.Errorf("node %c: a Redis call touched keys of several slots at once", 'A'+rune(i))
		}
	}
}

// TestHundredVisitorsOnTwoNodesNeverOverAssign: routing is race-free
// across nodes.
func TestHundredVisitorsOnTwoNodesNeverOverAssign(t *testing.T) {
	nodes := testkit.StartCluster(t, 2)
	admin := nodes[0].Setup()
	var site struct {
		ID        int64  `json:"id"`
		PublicKey string `json:"public_key"`
		Queues    []struct {
			ID int64 `json:"id"`
		} `json:"queues"`
	}
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Shop"}, http.StatusCreated, &site)
	var agents []*testkit.Client
	for i := 0; i < 4; i++ {
		name := fmt.Sprintf("agent%d", i)
		admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": name, "email": name + "@example.com", "password": "password-" + name, "role": "agent", "verified": true}, http.StatusCreated, nil)
		ag := nodes[i%2].Login(name, "password-"+name)
		admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", site.Queues[0].ID, ag.UserID), map[string]int{"capacity": 3}, http.StatusNoContent, nil)
		ag.Do("PUT", "/api/v1/agent/status", map[string]string{"status": "online"}, http.StatusOK, nil)
		agents = append(agents, ag)
	}
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		v, _ := nodes[i%2].NewVisitor(site.PublicKey, nil)
		wg.Add(1)
		go func(v *testkit.Visitor) {
			defer wg.Done()
			v.Open(nil)
		}(v)
	}
	wg.Wait()
	total := 0
	for _, ag := range agents {
		var mine struct {
			Items []testkit.SupportConversation `json:"items"`
		}
		ag.Do("GET", "/api/v1/agent/conversations?view=mine&limit=200", nil, http.StatusOK, &mine)
		if len(mine.Items) != 3 {
			t.Fatalf("agent %d holds %d conversations, capacity 3", ag.UserID, len(mine.Items))
		}
		total += len(mine.Items)
	}
	if total != 12 {
		t.Fatalf("%d assigned, want 12", total)
	}
}

// TestBigGroupFanOutReachesEveryNodeOnce: a group big enough that its
// fan-out goes as one message on the channel all nodes share still reaches
// each member's session exactly once, on the sender's node and the others.
func TestBigGroupFanOutReachesEveryNodeOnce(t *testing.T) {
	nodes := testkit.StartCluster(t, 2)
	a, b := nodes[0], nodes[1]
	admin := a.Setup()
	alice := a.NewUser(admin, "alice")
	var g struct {
		ID             int64 `json:"id"`
		Number         int64 `json:"number"`
		ConversationID int64 `json:"conversation_id"`
	}
	alice.Do("POST", "/api/v1/groups", map[string]string{"name": "Crowd", "join_policy": "open"}, http.StatusCreated, &g)
	var members []*testkit.Client
	for i := range 19 {
		m := a.NewUser(admin, fmt.Sprintf("member%d", i))
		if i%2 == 1 {
			m = m.On(b)
		}
		m.Do("POST", "/api/v1/groups/join", map[string]int64{"number": g.Number}, http.StatusOK, nil)
		members = append(members, m)
	}
	sockets := []*testkit.WS{members[0].Dial(), members[1].Dial(), members[2].Dial(), members[3].Dial()}
	sent := alice.SendText(g.ConversationID, "crowd-1", "hello, crowd")
	for i, ws := range sockets {
		// Every frame until the socket stays quiet for a second.
		got := 0
		for {
			f, err := ws.TryRead(time.Second)
			if err != nil {
				break
			}
			var m struct {
				Message testkit.Message `json:"message"`
			}
			if f.Type() == "message" {
				f.Decode(t, &m)
			}
			if m.Message.ID == sent.ID {
				got++
			}
		}
		if got != 1 {
			t.Errorf("member %d (node %c) got the group message %d times, want once", i, 'A'+rune(i%2), got)
		}
	}
}
