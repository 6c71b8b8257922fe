package push_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/jobs"
	"github.com/parley-chat/parley/internal/push"
	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/internal/testkit"
)

const delay = time.Minute

// start runs a server on a fake clock whose pushes may reach the
// stand-in on loopback, and points the stand-in at its VAPID key.
func start(t *testing.T, opts ...testkit.Option) (*testkit.Server, *testkit.PushService, *testkit.Client) {
	t.Helper()
	ps := testkit.StartPushService(t)
	opts = append([]testkit.Option{testkit.WithFakeClock(), testkit.WithOutboundAllow("127.0.0.1/32"),
		testkit.WithConfig(func(c *config.Config) { c.PushDelay = delay })}, opts...)
	srv := testkit.Start(t, opts...)
	admin := srv.Setup()
	var key struct {
		Key string `json:"key"`
	}
	admin.Do("GET", "/api/v1/push/vapid-public-key", nil, http.StatusOK, &key)
	ps.VAPIDKey = key.Key
	return srv, ps, admin
}

func subscribe(c *testkit.Client, d *testkit.PushDevice) push.Subscription {
	var s push.Subscription
	c.Do("POST", "/api/v1/push/subscriptions", d.Subscription(), http.StatusCreated, &s)
	return s
}

func payload(t *testing.T, p testkit.Push) push.Payload {
	t.Helper()
	if p.Err != nil {
		t.Fatalf("push refused by the push service: %v", p.Err)
	}
	var out push.Payload
	if err := json.Unmarshal(p.Payload, &out); err != nil {
		t.Fatalf("payload %q: %v", p.Payload, err)
	}
	return out
}

func pushCount(srv *testkit.Server, result string) float64 {
	var m dto.Metric
	_ = srv.App.Metrics.PushSent.WithLabelValues(result).(prometheus.Counter).Write(&m)
	return m.GetCounter().GetValue()
}

func TestUnreadMessageIsPushedEncryptedOncePerWindowAndNotWhenRead(t *testing.T) {
	srv, ps, admin := start(t)
	alice, bob, carol := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob"), srv.NewUser(admin, "carol")
	srv.MakeFriends(alice, bob)
	srv.MakeFriends(alice, carol)
	bobPhone, carolPhone := ps.NewDevice(), ps.NewDevice()
	subscribe(bob, bobPhone)
	subscribe(carol, carolPhone)
	toBob, toCarol := alice.OpenDirect(bob.UserID), alice.OpenDirect(carol.UserID)

	long := strings.Repeat("你好, Bob! ", 20)
	m := alice.SendText(toBob.ID, "b1", long)
	c := alice.SendText(toCarol.ID, "c1", "read me in time")
	carol.Do("POST", fmt.Sprintf("/api/v1/conversations/%d/read", toCarol.ID), map[string]int64{"seq": c.Seq}, http.StatusNoContent, nil)

	began := time.Now()
	srv.Advance(delay)
	got := ps.WaitPushes(1, 15*time.Second)[0]
	t.Logf("push round trip (job due → payload decrypted at the push service): %v", got.At.Sub(began))
	if got.Device != bobPhone {
		t.Fatalf("push went to %s, want bob's device", got.Device.Endpoint)
	}
	p := payload(t, got)
	want := push.Payload{Type: "message", ConversationID: toBob.ID, Seq: m.Seq, Kind: "text", SenderName: "Alice",
		ConversationName: "", Preview: string([]rune(strings.TrimSpace(long))[:120]), URL: fmt.Sprintf("/#/chats/%d", toBob.ID), Unread: 1}
	if p != want {
		t.Fatalf("payload\n got %+v\nwant %+v", p, want)
	}
	if got.Topic != fmt.Sprintf("c%d", toBob.ID) || got.TTL != "86400" || got.Urgency != "high" {
		t.Fatalf("headers: Topic %q TTL %q Urgency %q", got.Topic, got.TTL, got.Urgency)
	}

	// A second message within the window: no second push.
	alice.SendText(toBob.ID, "b2", "still there?")
	srv.Advance(delay / 2)
	srv.WaitJobs(jobs.TypeOfflinePush)
	// Another job in the window folds into the claim as well.
	if err := srv.App.Push.SendOfflinePush(t.Context(), "9001", bob.UserID, toBob.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(ps.Pushes()); n != 1 {
		t.Fatalf("%d pushes, want 1: carol read in time and bob's window is one push", n)
	}
	// After the window, an unread message is pushed again.
	srv.Advance(delay)
	if err := srv.App.Push.SendOfflinePush(t.Context(), "9002", bob.UserID, toBob.ID); err != nil {
		t.Fatal(err)
	}
	if p := payload(t, ps.WaitPushes(2, 15*time.Second)[1]); p.Unread != 2 || p.Preview != "still there?" {
		t.Fatalf("second push %+v", p)
	}
}

func TestGroupAndSupportMessagesArePushed(t *testing.T) {
	srv, ps, admin := start(t)
	olga, pete := srv.NewUser(admin, "olga"), srv.NewUser(admin, "pete")
	var g struct {
		ID             int64 `json:"id"`
		ConversationID int64 `json:"conversation_id"`
	}
	olga.Do("POST", "/api/v1/groups", map[string]string{"name": "Hikers", "join_policy": "open"}, http.StatusCreated, &g)
	var inv struct {
		Token string `json:"token"`
	}
	olga.Do("POST", fmt.Sprintf("/api/v1/groups/%d/invites", g.ID), map[string]int{"max_uses": 1}, http.StatusCreated, &inv)
	pete.Do("POST", "/api/v1/invites/"+inv.Token+"/accept", nil, http.StatusOK, nil)
	peteLaptop := ps.NewDevice()
	subscribe(pete, peteLaptop)
	olga.SendText(g.ConversationID, "g1", "Saturday at eight")
	srv.Advance(delay)
	p := payload(t, ps.WaitPushes(1, 15*time.Second)[0])
	if p.ConversationID != g.ConversationID || p.ConversationName != "Hikers" || p.URL != fmt.Sprintf("/#/chats/%d", g.ConversationID) || p.Preview != "Saturday at eight" {
		t.Fatalf("group push %+v", p)
	}

	// Support: a visitor writes to the agent the chat is assigned to.
	var site struct {
		PublicKey string `json:"public_key"`
		Queues    []struct {
			ID int64 `json:"id"`
		} `json:"queues"`
	}
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Acme"}, http.StatusCreated, &site)
	admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": "agent0", "email": "agent0@example.com",
		"password": "password-agent0", "nickname": "Agent 0", "role": "agent", "verified": true}, http.StatusCreated, nil)
	agent := srv.Login("agent0", "password-agent0")
	admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", site.Queues[0].ID, agent.UserID), map[string]int{"capacity": 3}, http.StatusNoContent, nil)
	agent.Do("PUT", "/api/v1/agent/status", map[string]string{"status": "online"}, http.StatusOK, nil)
	agentPhone := ps.NewDevice()
	subscribe(agent, agentPhone)
	v, _ := srv.NewVisitor(site.PublicKey, nil)
	conv := v.Open(nil)
	if conv.AssigneeID() != agent.UserID {
		t.Fatalf("conversation not assigned to the agent: %+v", conv)
	}
	v.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv.ID), map[string]string{"client_msg_id": "v1", "body": "Is it in stock?"}, http.StatusCreated, nil)
	srv.Advance(delay)
	got := ps.WaitPushes(2, 15*time.Second)[1]
	p = payload(t, got)
	if got.Device != agentPhone || p.ConversationID != conv.ID || p.URL != fmt.Sprintf("/#/inbox/%d", conv.ID) || p.Preview != "Is it in stock?" {
		t.Fatalf("support push to %s: %+v", got.Device.Endpoint, p)
	}
}

func TestExpiredSubscriptionIsRemoved(t *testing.T) {
	srv, ps, admin := start(t)
	alice, bob := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob")
	srv.MakeFriends(alice, bob)
	old, kept := ps.NewDevice(), ps.NewDevice()
	subscribe(bob, old)
	keep := subscribe(bob, kept)
	ps.SetStatus(old, http.StatusGone)
	alice.SendText(alice.OpenDirect(bob.UserID).ID, "m1", "hello")
	srv.Advance(delay)
	ps.WaitPushes(2, 15*time.Second)
	srv.WaitJobs(jobs.TypeOfflinePush)
	var list struct {
		Items []push.Subscription `json:"items"`
	}
	bob.Do("GET", "/api/v1/push/subscriptions", nil, http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0].ID != keep.ID {
		t.Fatalf("after a 410, subscriptions %+v, want only %d", list.Items, keep.ID)
	}
	if pushCount(srv, "gone") != 1 || pushCount(srv, "sent") != 1 {
		t.Fatalf("gone %v sent %v", pushCount(srv, "gone"), pushCount(srv, "sent"))
	}
}

func TestPushServiceBusyIsRetried(t *testing.T) {
	srv, ps, admin := start(t)
	alice, bob := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob")
	srv.MakeFriends(alice, bob)
	d := ps.NewDevice()
	subscribe(bob, d)
	ps.SetStatus(d, http.StatusServiceUnavailable)
	alice.SendText(alice.OpenDirect(bob.UserID).ID, "m1", "hello")
	srv.Advance(delay)
	ps.WaitPushes(1, 15*time.Second)
	ps.SetStatus(d, http.StatusCreated)
	// The retry comes after the job's back-off (5 s of real time).
	if p := payload(t, ps.WaitPushes(2, 30*time.Second)[1]); p.Preview != "hello" {
		t.Fatalf("retried push %+v", p)
	}
	// The stand-in answered before the job counted it: wait for the count.
	for deadline := time.Now().Add(10 * time.Second); pushCount(srv, "sent") != 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("sent %v", pushCount(srv, "sent"))
		}
	}
	if pushCount(srv, "retry") != 1 {
		t.Fatalf("retry %v", pushCount(srv, "retry"))
	}
}

func TestOutboundGuardKeepsPushesFromInternalAddresses(t *testing.T) {
	ps := testkit.StartPushService(t)
	srv := testkit.Start(t, testkit.WithFakeClock(), testkit.WithConfig(func(c *config.Config) { c.PushDelay = delay }))
	admin := srv.Setup()
	alice, bob := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob")
	srv.MakeFriends(alice, bob)
	d := ps.NewDevice()
	body := d.Subscription()
	for _, endpoint := range []string{d.Endpoint, "https://10.1.2.3/push/x", "https://localhost/push/x"} {
		body["endpoint"] = endpoint
		r := bob.Raw("POST", "/api/v1/push/subscriptions", body)
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"endpoint"`) {
			t.Fatalf("subscribe %s: %d %s", endpoint, r.Status, r.Body)
		}
	}
	// A subscription stored while the address was allowed is not pushed
	// once it no longer is: the guard checks each request.
	ctx := t.Context()
	if _, err := srv.App.Store.SavePushSubscription(ctx, &store.PushSubscription{UserID: bob.UserID, Endpoint: d.Endpoint,
		P256dh: d.P256dh, Auth: d.Auth, CreatedAt: time.Now()}, 20); err != nil {
		t.Fatal(err)
	}
	alice.SendText(alice.OpenDirect(bob.UserID).ID, "m1", "hello")
	srv.Advance(delay)
	srv.WaitJobs(jobs.TypeOfflinePush)
	if n := len(ps.Pushes()); n != 0 || pushCount(srv, "refused") != 1 {
		t.Fatalf("%d pushes reached a loopback address, %v refused", n, pushCount(srv, "refused"))
	}
}

func TestSubscriptionsAreValidatedDedupedBoundedAndPrivate(t *testing.T) {
	srv, ps, admin := start(t)
	bob, eve := srv.NewUser(admin, "bob"), srv.NewUser(admin, "eve")
	d := ps.NewDevice()
	cases := []struct {
		name  string
		edit  func(map[string]any)
		field string
	}{
		{"missing keys", func(b map[string]any) { delete(b, "keys") }, "keys.p256dh"},
		{"bad base64 key", func(b map[string]any) { b["keys"].(map[string]string)["p256dh"] = "not*base64!" }, "keys.p256dh"},
		{"key not a point", func(b map[string]any) { b["keys"].(map[string]string)["p256dh"] = "AAAA" }, "keys.p256dh"},
		{"missing auth", func(b map[string]any) { delete(b["keys"].(map[string]string), "auth") }, "keys.auth"},
		{"short auth", func(b map[string]any) { b["keys"].(map[string]string)["auth"] = "AAAA" }, "keys.auth"},
		{"missing endpoint", func(b map[string]any) { delete(b, "endpoint") }, "endpoint"},
		{"not a URL", func(b map[string]any) { b["endpoint"] = "push me" }, "endpoint"},
		{"http to a public host", func(b map[string]any) { b["endpoint"] = "http://push.example.com/x" }, "endpoint"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := d.Subscription()
			body["keys"] = map[string]string{"p256dh": d.P256dh, "auth": d.Auth}
			tc.edit(body)
			r := bob.Raw("POST", "/api/v1/push/subscriptions", body)
			var e struct {
				Error struct {
					Details map[string]string `json:"details"`
				} `json:"error"`
			}
			r.JSON(t, &e)
			if r.Status != http.StatusBadRequest || e.Error.Details[tc.field] == "" {
				t.Fatalf("%d %s, want 400 naming %s", r.Status, r.Body, tc.field)
			}
		})
	}

	// The same endpoint again updates the one row.
	first := subscribe(bob, d)
	var again push.Subscription
	bob.Do("POST", "/api/v1/push/subscriptions", d.Subscription(), http.StatusOK, &again)
	if again.ID != first.ID {
		t.Fatalf("resubscribed as %d, want %d", again.ID, first.ID)
	}
	// Someone else's subscription is not found, and not listed.
	if r := eve.Raw("DELETE", fmt.Sprintf("/api/v1/push/subscriptions/%d", first.ID), nil); r.Status != http.StatusNotFound {
		t.Fatalf("eve deletes bob's subscription: %d %s", r.Status, r.Body)
	}
	var list struct {
		Items []push.Subscription `json:"items"`
	}
	eve.Do("GET", "/api/v1/push/subscriptions", nil, http.StatusOK, &list)
	if len(list.Items) != 0 {
		t.Fatalf("eve lists %+v", list.Items)
	}
	// Bounded per user.
	for i := 1; i < push.DefaultMaxPerUser; i++ {
		subscribe(bob, ps.NewDevice())
	}
	if r := bob.Raw("POST", "/api/v1/push/subscriptions", ps.NewDevice().Subscription()); r.Status != http.StatusConflict || r.ErrorCode() != "too_many_subscriptions" {
		t.Fatalf("subscription over the bound: %d %s", r.Status, r.Body)
	}
	bob.Do("DELETE", fmt.Sprintf("/api/v1/push/subscriptions/%d", first.ID), nil, http.StatusNoContent, nil)
	bob.Do("GET", "/api/v1/push/subscriptions", nil, http.StatusOK, &list)
	if len(list.Items) != push.DefaultMaxPerUser-1 {
		t.Fatalf("%d subscriptions after a delete", len(list.Items))
	}
}

func TestMutedConversationsAndQuietHoursAreNotPushed(t *testing.T) {
	srv, ps, admin := start(t)
	alice := srv.NewUser(admin, "alice")
	bob := srv.NewUser(admin, "bob")     // mutes after the push was scheduled
	carol := srv.NewUser(admin, "carol") // inside her do-not-disturb hours
	dave := srv.NewUser(admin, "dave")   // hears everything
	devices := map[int64]*testkit.PushDevice{}
	for _, peer := range []*testkit.Client{bob, carol, dave} {
		srv.MakeFriends(alice, peer)
		devices[peer.UserID] = ps.NewDevice()
		subscribe(peer, devices[peer.UserID])
	}
	toBob, toCarol, toDave := alice.OpenDirect(bob.UserID), alice.OpenDirect(carol.UserID), alice.OpenDirect(dave.UserID)

	syd, _ := time.LoadLocation("Australia/Sydney")
	local := srv.Clock.Now().In(syd)
	carol.Do("PUT", "/api/v1/me/notifications", map[string]any{"dnd": map[string]any{
		"start": local.Add(-time.Hour).Format("15:04"), "end": local.Add(3 * time.Hour).Format("15:04"), "time_zone": "Australia/Sydney",
	}}, http.StatusOK, nil)

	alice.SendText(toBob.ID, "b1", "for bob")
	alice.SendText(toCarol.ID, "c1", "for carol")
	alice.SendText(toDave.ID, "d1", "for dave")
	bob.Do("PUT", fmt.Sprintf("/api/v1/conversations/%d/notifications", toBob.ID),
		map[string]any{"muted_until": srv.Clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, http.StatusOK, nil)
	srv.Advance(delay)

	got := ps.WaitPushes(1, 15*time.Second)[0]
	if got.Device != devices[dave.UserID] || payload(t, got).Preview != "for dave" {
		t.Fatalf("push to %s: %+v", got.Device.Endpoint, payload(t, got))
	}
	srv.WaitJobs(jobs.TypeOfflinePush)
	if n := len(ps.Pushes()); n != 1 {
		t.Fatalf("%d pushes, want only dave's: bob muted the chat, carol is in quiet hours", n)
	}
}
