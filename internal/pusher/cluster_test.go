package pusher_test

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/pusher"
	"github.com/parley-chat/parley/internal/testkit"
)

// TestChannelsAcrossTwoNodes: sockets on two nodes share channels,
// presence members and counts, and a node that goes takes its members
// with it.
func TestChannelsAcrossTwoNodes(t *testing.T) {
	channelsAcrossTwoNodes(t)
}

// TestChannelsAcrossTwoNodesOnRedisCluster: the same on a real Redis
// Cluster of three masters (the registry's transactions and scripts run in
// an app's slot).
func TestChannelsAcrossTwoNodesOnRedisCluster(t *testing.T) {
	testkit.NeedRedisServer(t)
	rc := testkit.StartRedisCluster(t, 3, 0)
	channelsAcrossTwoNodes(t, testkit.WithConfig(func(c *config.Config) { c.RedisURL = rc.URL() }))
}

func channelsAcrossTwoNodes(t *testing.T, opts ...testkit.Option) {
	nodes := testkit.StartCluster(t, 2, opts...)
	admin := nodes[0].Setup()
	c := newSite(t, admin).Pusher
	a, b := dial(t, nodes[0], c.Key), dial(t, nodes[1], c.Key)
	ch := "presence-floor"
	if m := a.subscribe(ch, pusher.ChannelAuth(c.Key, c.Secret, a.SocketID, ch, presenceData("1")), presenceData("1")); m.Event != "pusher_internal:subscription_succeeded" {
		t.Fatalf("a: %+v", m)
	}
	m := b.subscribe(ch, pusher.ChannelAuth(c.Key, c.Secret, b.SocketID, ch, presenceData("2")), presenceData("2"))
	var p struct {
		Presence struct {
			Count int `json:"count"`
		} `json:"presence"`
	}
	if err := json.Unmarshal([]byte(m.str()), &p); err != nil || p.Presence.Count != 2 {
		t.Fatalf("b sees the members of both nodes: %s", m.Data)
	}
	a.expect("pusher_internal:member_added", ch)

	// An event triggered on one node reaches the other's socket, but not
	// the excluded one.
	api(t, nodes[0], c, c.Secret, "POST", "/apps/"+c.AppID+"/events", nil,
		map[string]any{"name": "ring", "data": "x", "channel": ch, "socket_id": a.SocketID}, time.Now())
	b.expect("ring", ch)
	a.none("ring")

	var one struct {
		UserCount         int `json:"user_count"`
		SubscriptionCount int `json:"subscription_count"`
	}
	api(t, nodes[1], c, c.Secret, "GET", "/apps/"+c.AppID+"/channels/"+url.PathEscape(ch), url.Values{"info": {"user_count,subscription_count"}}, nil, time.Now()).JSON(t, &one)
	if one.UserCount != 2 || one.SubscriptionCount != 2 {
		t.Fatalf("counts across nodes: %+v", one)
	}

	nodes[1].Stop()
	if m := a.expect("pusher_internal:member_removed", ch); m.str() != `{"user_id":"2"}` {
		t.Fatalf("member_removed %s", m.Data)
	}
}
