package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/testkit/smtpd"
)

// TestRedisClusterFailoverLosesNothingAcked runs two nodes on a Redis
// Cluster of three masters with one replica each, sends group messages
// from both nodes, and kills the master holding the slot of the channel
// the group's fan-out goes on (where both nodes' subscriptions start) over
// to its replica with CLUSTER FAILOVER:
// every acknowledged message is stored, live delivery resumes both ways,
// and rate limits and a delayed job still work on the cluster.
func TestRedisClusterFailoverLosesNothingAcked(t *testing.T) {
	rc := testkit.StartRedisCluster(t)
	d := startOnRedis(t, rc.URL, true)
	fanout := d.nodes[0].Config().RedisPrefix + "parley:fanout"
	slot := rc.Slot(t, fanout)
	master := rc.MasterOf(t, slot)
	replica := rc.ReplicaOf(t, master)
	d.failover(t, func() {
		if err := replica.Client(t).Do(t.Context(), "CLUSTER", "FAILOVER").Err(); err != nil {
			t.Fatalf("CLUSTER FAILOVER: %v", err)
		}
	}, func() bool { return rc.MasterOf(t, slot) == replica })
	d.checkLimitsAndJobs(t)
}

// TestRedisSentinelFailoverLosesNothingAcked does the same on a master
// with one replica watched by three Sentinels, with SENTINEL FAILOVER.
func TestRedisSentinelFailoverLosesNothingAcked(t *testing.T) {
	rs := testkit.StartRedisSentinel(t)
	d := startOnRedis(t, rs.URL, false)
	d.failover(t, func() {
		if err := rs.Sentinels[0].Client(t).Do(t.Context(), "SENTINEL", "FAILOVER", "mymaster").Err(); err != nil {
			t.Fatalf("SENTINEL FAILOVER: %v", err)
		}
	}, func() bool { return rs.MasterAddr(t) == rs.Replica.Addr })
	d.checkLimitsAndJobs(t)
}

// deployment is two nodes, a chat with members on both, and a socket
// collecting live messages on each node.
type deployment struct {
	nodes          []*testkit.Server
	admin          *testkit.Client
	mail           *smtpd.Server
	conv           int64
	sendA, sendB   *testkit.Client // senders on node A and node B
	recvA, recvB   *collector      // receivers' sockets on node A and node B
	acked          []testkit.Message
	clientMsgCount int
}

// startOnRedis starts two nodes on redisURL with a chat between them: a
// group big enough that its fan-out goes on the shared channel (big) or a
// group of four.
func startOnRedis(t *testing.T, redisURL string, big bool) *deployment {
	mail := smtpd.Start(t)
	nodes := testkit.StartCluster(t, 2, testkit.WithSMTP(mail.URL()), testkit.WithConfig(func(c *config.Config) {
		c.RedisURL = redisURL
		c.SendLimitPerMinute = 100000
		c.TicketLimitPerMinute = 6
		c.OfflineNotifyDelay = time.Second
	}))
	a, b := nodes[0], nodes[1]
	d := &deployment{nodes: nodes, mail: mail, admin: a.Setup()}
	owner := a.NewUser(d.admin, "owner")
	var g struct {
		Number         int64 `json:"number"`
		ConversationID int64 `json:"conversation_id"`
	}
	owner.Do("POST", "/api/v1/groups", map[string]string{"name": "Busy", "join_policy": "open"}, http.StatusCreated, &g)
	d.conv = g.ConversationID
	n := 4
	if big {
		n = 17 // past the broker's fan-out threshold of 16 recipients
	}
	var members []*testkit.Client
	for i := range n {
		m := a.NewUser(d.admin, fmt.Sprintf("member%d", i))
		if i%2 == 1 {
			m = m.On(b)
		}
		m.Do("POST", "/api/v1/groups/join", map[string]int64{"number": g.Number}, http.StatusOK, nil)
		members = append(members, m)
	}
	d.sendA, d.sendB = members[0], members[1]
	d.recvA, d.recvB = collect(t, members[2].Dial()), collect(t, members[3].Dial())
	// Delivery works both ways before anything fails.
	d.untilDelivered(t, 0)
	return d
}

func (d *deployment) send(t *testing.T, c *testkit.Client) testkit.Message {
	d.clientMsgCount++
	id := fmt.Sprintf("m-%d", d.clientMsgCount)
	r := c.Raw("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", d.conv), map[string]string{"client_msg_id": id, "kind": "text", "body": id})
	if r.Status != http.StatusCreated {
		t.Fatalf("send %s during the failover: %d %s", id, r.Status, r.Body)
	}
	var m testkit.Message
	r.JSON(t, &m)
	d.acked = append(d.acked, m)
	return m
}

// untilDelivered sends from both nodes until each node's receiver has a
// message from the other node's sender with a seq above after.
func (d *deployment) untilDelivered(t *testing.T, after int64) {
	deadline := time.Now().Add(30 * time.Second)
	for !d.recvA.hasFrom(d.sendB.UserID, after) || !d.recvB.hasFrom(d.sendA.UserID, after) {
		if time.Now().After(deadline) {
			t.Fatalf("live delivery after seq %d: node A's receiver %v, node B's %v", after, d.recvA.hasFrom(d.sendB.UserID, after), d.recvB.hasFrom(d.sendA.UserID, after))
		}
		d.send(t, d.sendA)
		d.send(t, d.sendB)
	}
}

// failover keeps messages flowing from both nodes while fail() takes the
// busy master away, until done() says a replica took over; then live
// delivery must resume both ways and every acknowledged message be stored.
func (d *deployment) failover(t *testing.T, fail func(), done func() bool) {
	start := time.Now()
	fail()
	deadline := time.Now().Add(45 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatal("no replica took over within 45s")
		}
		d.send(t, d.sendA)
		d.send(t, d.sendB)
	}
	promoted := time.Since(start)
	d.untilDelivered(t, d.acked[len(d.acked)-1].Seq)
	t.Logf("replica took over after %v; live delivery on both nodes resumed after %v; %d messages acknowledged",
		promoted.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), len(d.acked))

	stored := map[int64]int64{}
	var after int64
	for {
		page := d.sendA.History(d.conv, fmt.Sprintf("after_seq=%d&limit=100", after))
		if len(page.Items) == 0 {
			break
		}
		for _, m := range page.Items {
			stored[m.ID] = m.Seq
			after = m.Seq
		}
	}
	for _, m := range d.acked {
		if seq, ok := stored[m.ID]; !ok || seq != m.Seq {
			t.Errorf("acknowledged message %d (seq %d) is not stored as such (stored seq %d, present %v)", m.ID, m.Seq, seq, ok)
		}
	}
}

// checkLimitsAndJobs, after the failover: a limit counted on both nodes
// refuses past its count, and a delayed job (the offline digest of a
// direct message) runs.
func (d *deployment) checkLimitsAndJobs(t *testing.T) {
	a, b := d.nodes[0], d.nodes[1]
	late := a.NewUser(d.admin, "latecomer")
	a.MakeFriends(d.sendA, late)
	// latecomer is offline: a digest is due in a second.
	d.sendA.SendText(d.sendA.OpenDirect(late.UserID).ID, "digest-1", "for the latecomer")
	u := a.NewUser(d.admin, "limited")
	for i := range 6 {
		c := u
		if i%2 == 1 {
			c = u.On(b)
		}
		if r := c.Raw("POST", "/api/v1/realtime/ticket", nil); r.Status != http.StatusCreated && r.Status != http.StatusOK {
			t.Fatalf("ticket %d of 6: %d %s", i+1, r.Status, r.Body)
		}
	}
	if r := u.On(b).Raw("POST", "/api/v1/realtime/ticket", nil); r.Status != http.StatusTooManyRequests {
		t.Fatalf("7th ticket in a minute, across both nodes: %d %s, want 429", r.Status, r.Body)
	}

	deadline := time.Now().Add(30 * time.Second)
	for {
		found := false
		for _, m := range d.mail.Messages() {
			if strings.Contains(strings.Join(m.To, ","), "latecomer@") {
				found = true
			}
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no offline digest mailed within 30s of being due")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// collector reads a socket in the background and keeps the messages.
type collector struct {
	mu   sync.Mutex
	msgs []testkit.Message
}

func collect(t *testing.T, ws *testkit.WS) *collector {
	c := &collector{}
	go func() {
		for {
			_, b, err := ws.Conn.ReadMessage()
			if err != nil {
				return
			}
			var f struct {
				Type    string          `json:"type"`
				Message testkit.Message `json:"message"`
			}
			if json.Unmarshal(b, &f) == nil && f.Type == "message" {
				c.mu.Lock()
				c.msgs = append(c.msgs, f.Message)
				c.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { ws.Conn.Close() })
	return c
}

// hasFrom reports whether a message of sender with a seq above after came.
func (c *collector) hasFrom(sender, after int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.msgs {
		if m.Sender.ID == sender && m.Seq > after {
			return true
		}
	}
	return false
}
