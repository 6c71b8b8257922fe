package pusher_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/internal/pusher"
	"github.com/parley-chat/parley/internal/testkit"
)

func TestChannelsPublicPrivatePresenceAndClientEvents(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	s := newSite(t, admin)
	c := s.Pusher
	if c.Host != "127.0.0.1" || c.Scheme != "http" || c.Port == 0 {
		t.Fatalf("host/port/scheme should come from the public URL %s: %+v", srv.URL, c)
	}
	a, b := dial(t, srv, c.Key), dial(t, srv, c.Key)

	a.send("pusher:ping", map[string]any{}, "")
	a.expect("pusher:pong", "")

	// Public channel: an event through the HTTP API reaches both sockets,
	// or all but the excluded one.
	for _, x := range []*sock{a, b} {
		if m := x.subscribe("news", "", ""); m.Event != "pusher_internal:subscription_succeeded" {
			t.Fatalf("public subscribe: %+v", m)
		}
	}
	r := api(t, srv, c, c.Secret, "POST", "/apps/"+c.AppID+"/events", nil,
		map[string]any{"name": "flash", "data": `{"n":1}`, "channels": []string{"news"}}, time.Now())
	if r.Status != http.StatusOK {
		t.Fatalf("trigger: %d %s", r.Status, r.Body)
	}
	for _, x := range []*sock{a, b} {
		if m := x.expect("flash", "news"); m.str() != `{"n":1}` {
			t.Fatalf("event data %s", m.Data)
		}
	}
	r = api(t, srv, c, c.Secret, "POST", "/apps/"+c.AppID+"/events", nil,
		map[string]any{"name": "flash", "data": "2", "channel": "news", "socket_id": a.SocketID, "info": "subscription_count"}, time.Now())
	var info struct {
		Channels map[string]struct {
			SubscriptionCount int `json:"subscription_count"`
		} `json:"channels"`
	}
	r.JSON(t, &info)
	if info.Channels["news"].SubscriptionCount != 2 {
		t.Fatalf("info: %s", r.Body)
	}
	b.expect("flash", "news")
	a.none("flash")

	// Private channel: a forged auth is refused with subscription_error
	// and pusher:error 4009; the right one is accepted.
	forged := pusher.ChannelAuth(c.Key, "not-the-secret", a.SocketID, "private-room", "")
	if m := a.subscribe("private-room", forged, ""); m.Event != "pusher:subscription_error" {
		t.Fatalf("forged auth: %+v", m)
	}
	if m := a.expect("pusher:error", "private-room"); m.code() != pusher.CodeUnauthorized {
		t.Fatalf("forged auth error %s", m.Data)
	}
	if m := a.subscribe("private-room", pusher.ChannelAuth(c.Key, c.Secret, b.SocketID, "private-room", ""), ""); m.Event != "pusher:subscription_error" {
		t.Fatalf("another socket's auth accepted: %+v", m)
	}
	for _, x := range []*sock{a, b} {
		if m := x.subscribe("private-room", pusher.ChannelAuth(c.Key, c.Secret, x.SocketID, "private-room", ""), ""); m.Event != "pusher_internal:subscription_succeeded" {
			t.Fatalf("private subscribe: %+v", m)
		}
	}
	// Client events go to the others, not the sender.
	a.send("client-typing", map[string]any{"who": "a"}, "private-room")
	if m := b.expect("client-typing", "private-room"); !strings.Contains(string(m.Data), `"who":"a"`) {
		t.Fatalf("client event %s", m.Data)
	}
	a.none("client-typing")
	// ...and never on public channels, or channels not subscribed to.
	a.send("client-typing", map[string]any{}, "news")
	if m := a.expect("pusher:error", ""); m.code() != pusher.CodeRefused {
		t.Fatalf("client event on a public channel: %s", m.Data)
	}
	a.send("client-typing", map[string]any{}, "private-elsewhere")
	if m := a.expect("pusher:error", ""); m.code() != pusher.CodeRefused {
		t.Fatalf("client event before subscribing: %s", m.Data)
	}
	a.send("client-big", strings.Repeat("x", 11000), "private-room")
	if m := a.expect("pusher:error", ""); m.code() != pusher.CodeRefused {
		t.Fatalf("oversize client event: %s", m.Data)
	}
	// Over the rate: ten a second pass, the rest are refused.
	refused := 0
	for i := 0; i < 15; i++ {
		a.send("client-n", i, "private-room")
	}
	for i := 0; i < 15; {
		m := a.read()
		if m.Event == "pusher:error" {
			if m.code() != pusher.CodeRateLimited {
				t.Fatalf("client event over the rate: %s", m.Data)
			}
			refused++
			i++
		}
		if refused >= 1 {
			break
		}
	}
	if refused == 0 {
		t.Fatal("no client event refused over the rate")
	}

	// Bad input never drops the socket.
	if m := a.subscribe("bad channel!", "", ""); m.Event != "pusher:subscription_error" {
		t.Fatalf("bad channel name: %+v", m)
	}
	_ = a.c.WriteMessage(websocket.TextMessage, []byte("not json"))
	a.expect("pusher:error", "")
	a.send("pusher:ping", map[string]any{}, "")
	a.expect("pusher:pong", "")

	// Presence: the second member sees both; the first is told of the
	// second; leaving tells member_removed.
	if m := a.subscribe("presence-lobby", pusher.ChannelAuth(c.Key, c.Secret, a.SocketID, "presence-lobby", presenceData("1")), presenceData("1")); m.Event != "pusher_internal:subscription_succeeded" {
		t.Fatalf("presence subscribe: %+v", m)
	}
	m := b.subscribe("presence-lobby", pusher.ChannelAuth(c.Key, c.Secret, b.SocketID, "presence-lobby", presenceData("2")), presenceData("2"))
	var p struct {
		Presence struct {
			IDs   []string                   `json:"ids"`
			Hash  map[string]json.RawMessage `json:"hash"`
			Count int                        `json:"count"`
		} `json:"presence"`
	}
	if err := json.Unmarshal([]byte(m.str()), &p); err != nil || p.Presence.Count != 2 || len(p.Presence.Hash) != 2 || !strings.Contains(string(p.Presence.Hash["1"]), "N1") {
		t.Fatalf("presence members: %s", m.Data)
	}
	if m := a.expect("pusher_internal:member_added", "presence-lobby"); !strings.Contains(m.str(), `"user_id":"2"`) {
		t.Fatalf("member_added %s", m.Data)
	}

	// Queries across the app.
	var chans struct {
		Channels map[string]struct {
			UserCount int `json:"user_count"`
		} `json:"channels"`
	}
	api(t, srv, c, c.Secret, "GET", "/apps/"+c.AppID+"/channels", url.Values{"filter_by_prefix": {"presence-"}, "info": {"user_count"}}, nil, time.Now()).JSON(t, &chans)
	if len(chans.Channels) != 1 || chans.Channels["presence-lobby"].UserCount != 2 {
		t.Fatalf("channels: %+v", chans)
	}
	if r := api(t, srv, c, c.Secret, "GET", "/apps/"+c.AppID+"/channels", url.Values{"info": {"user_count"}}, nil, time.Now()); r.Status != http.StatusBadRequest {
		t.Fatalf("user_count without the presence- prefix: %d", r.Status)
	}
	var one struct {
		Occupied          bool `json:"occupied"`
		SubscriptionCount int  `json:"subscription_count"`
	}
	api(t, srv, c, c.Secret, "GET", "/apps/"+c.AppID+"/channels/private-room", url.Values{"info": {"subscription_count"}}, nil, time.Now()).JSON(t, &one)
	if !one.Occupied || one.SubscriptionCount != 2 {
		t.Fatalf("channel: %+v", one)
	}
	var users struct {
		Users []struct {
			ID string `json:"id"`
		} `json:"users"`
	}
	api(t, srv, c, c.Secret, "GET", "/apps/"+c.AppID+"/channels/presence-lobby/users", nil, nil, time.Now()).JSON(t, &users)
	if len(users.Users) != 2 {
		t.Fatalf("users: %+v", users)
	}

	b.send("pusher:unsubscribe", map[string]string{"channel": "presence-lobby"}, "")
	if m := a.expect("pusher_internal:member_removed", "presence-lobby"); !strings.Contains(m.str(), `"user_id":"2"`) {
		t.Fatalf("member_removed %s", m.Data)
	}
	b.c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		api(t, srv, c, c.Secret, "GET", "/apps/"+c.AppID+"/channels/private-room", url.Values{"info": {"subscription_count"}}, nil, time.Now()).JSON(t, &one)
		if one.SubscriptionCount == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a closed socket still counts: %+v", one)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSigninEventsToUsersAndTermination(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	c := newSite(t, admin).Pusher
	a := dial(t, srv, c.Key)
	ud := `{"id":"42","user_info":{"name":"Ann"}}`
	a.send("pusher:signin", map[string]string{"auth": pusher.UserAuth(c.Key, "forged", a.SocketID, ud), "user_data": ud}, "")
	if m := a.expect("pusher:error", ""); m.code() != pusher.CodeUnauthorized {
		t.Fatalf("forged signin %s", m.Data)
	}
	if m := a.subscribe("#server-to-user-42", "", ""); m.Event != "pusher:subscription_error" {
		t.Fatalf("server-to-user before signin: %+v", m)
	}
	a.send("pusher:signin", map[string]string{"auth": pusher.UserAuth(c.Key, c.Secret, a.SocketID, ud), "user_data": ud}, "")
	a.expect("pusher:signin_success", "")
	if m := a.subscribe("#server-to-user-42", "", ""); m.Event != "pusher_internal:subscription_succeeded" {
		t.Fatalf("server-to-user after signin: %+v", m)
	}
	api(t, srv, c, c.Secret, "POST", "/apps/"+c.AppID+"/events", nil, map[string]any{"name": "hi", "data": "x", "channel": "#server-to-user-42"}, time.Now())
	a.expect("hi", "#server-to-user-42")

	if r := api(t, srv, c, c.Secret, "POST", "/apps/"+c.AppID+"/users/42/terminate_connections", nil, map[string]any{}, time.Now()); r.Status != http.StatusOK {
		t.Fatalf("terminate: %d %s", r.Status, r.Body)
	}
	_ = a.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := a.c.ReadMessage()
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			if ce.Code != pusher.CodeUnauthorized {
				t.Fatalf("closed with %d", ce.Code)
			}
			break
		}
		if err != nil {
			t.Fatalf("not closed with a code: %v", err)
		}
	}
}

func TestRefusedSockets(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	s := newSite(t, admin)
	closeCode := func(key string, h http.Header) (int, int) {
		t.Helper()
		c, err := dialRaw(srv, key, h)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		var m msg
		if err := c.ReadJSON(&m); err != nil || m.Event != "pusher:error" {
			t.Fatalf("first frame %+v %v", m, err)
		}
		_, _, err = c.ReadMessage()
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("not closed: %v", err)
		}
		return m.code(), ce.Code
	}
	if code, cl := closeCode("nokey", nil); code != pusher.CodeAppNotFound || cl != pusher.CodeAppNotFound {
		t.Fatalf("unknown key: %d %d", code, cl)
	}
	admin.Do("PATCH", "/api/v1/sites/"+itoa(s.ID)+"/pusher", map[string]any{"allowed_origins": []string{"https://shop.example.com"}}, http.StatusOK, nil)
	if r := admin.Raw("PATCH", "/api/v1/sites/"+itoa(s.ID)+"/pusher", map[string]any{"allowed_origins": []string{"not an origin"}}); r.Status != http.StatusBadRequest {
		t.Fatalf("bad origin accepted: %d", r.Status)
	}
	if code, _ := closeCode(s.Pusher.Key, http.Header{"Origin": {"https://evil.example.com"}}); code != pusher.CodeUnauthorized {
		t.Fatalf("foreign origin: %d", code)
	}
	dial(t, srv, s.Pusher.Key) // no Origin: a server or Node client
	c, err := dialRaw(srv, s.Pusher.Key, http.Header{"Origin": {"https://shop.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

func itoa(n int64) string { return strconvI(n) }
