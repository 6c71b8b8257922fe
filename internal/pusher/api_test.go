package pusher_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/pusher"
	"github.com/parley-chat/parley/internal/testkit"
)

func strconvI(n int64) string { return strconv.FormatInt(n, 10) }

func TestHTTPAPIRefusesBadRequests(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	s := newSite(t, admin)
	c := s.Pusher
	ev := func(body map[string]any) map[string]any { return body }
	good := ev(map[string]any{"name": "e", "data": "d", "channel": "news"})
	path := "/apps/" + c.AppID + "/events"
	cases := []struct {
		name   string
		r      func() *testkit.Response
		status int
	}{
		{"wrong signature", func() *testkit.Response { return api(t, srv, c, "wrong", "POST", path, nil, good, time.Now()) }, 401},
		{"stale timestamp", func() *testkit.Response {
			return api(t, srv, c, c.Secret, "POST", path, nil, good, time.Now().Add(-11*time.Minute))
		}, 401},
		{"unknown app", func() *testkit.Response {
			return api(t, srv, c, c.Secret, "POST", "/apps/1/events", nil, good, time.Now())
		}, 404},
		{"bad channel name", func() *testkit.Response {
			return api(t, srv, c, c.Secret, "POST", path, nil, map[string]any{"name": "e", "data": "d", "channel": "a b"}, time.Now())
		}, 400},
		{"too many channels", func() *testkit.Response {
			chs := make([]string, 101)
			for i := range chs {
				chs[i] = fmt.Sprint("c", i)
			}
			return api(t, srv, c, c.Secret, "POST", path, nil, map[string]any{"name": "e", "data": "d", "channels": chs}, time.Now())
		}, 400},
		{"data not a string", func() *testkit.Response {
			return api(t, srv, c, c.Secret, "POST", path, nil, map[string]any{"name": "e", "data": map[string]int{"a": 1}, "channel": "x"}, time.Now())
		}, 400},
		{"oversize event", func() *testkit.Response {
			return api(t, srv, c, c.Secret, "POST", path, nil, map[string]any{"name": "e", "data": strings.Repeat("x", 10241), "channel": "x"}, time.Now())
		}, 413},
		{"batch over ten", func() *testkit.Response {
			batch := make([]map[string]any, 11)
			for i := range batch {
				batch[i] = map[string]any{"name": "e", "data": "d", "channel": "x"}
			}
			return api(t, srv, c, c.Secret, "POST", "/apps/"+c.AppID+"/batch_events", nil, map[string]any{"batch": batch}, time.Now())
		}, 413},
		{"body changed after signing", func() *testkit.Response {
			q := pusher.SignRequest(c.Key, c.Secret, "POST", path, nil, []byte(`{"name":"e","data":"d","channel":"x"}`), time.Now())
			return srv.Client().Raw("POST", path+"?"+q.Encode(), []byte(`{"name":"e","data":"D","channel":"x"}`))
		}, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if r := tc.r(); r.Status != tc.status || !strings.Contains(string(r.Body), `"error"`) {
				t.Fatalf("%d %s, want %d", r.Status, r.Body, tc.status)
			}
		})
	}
	if r := api(t, srv, c, c.Secret, "POST", "/apps/"+c.AppID+"/batch_events", nil,
		map[string]any{"batch": []map[string]any{{"name": "e", "data": "d", "channel": "x"}, {"name": "f", "data": "d", "channel": "y"}}}, time.Now()); r.Status != http.StatusOK {
		t.Fatalf("batch: %d %s", r.Status, r.Body)
	}

	// After a rotation the previous secret still signs, within its grace.
	var rotated site
	admin.Do("POST", "/api/v1/sites/"+strconvI(s.ID)+"/pusher/rotate", nil, http.StatusOK, &rotated)
	if rotated.Pusher.Secret == c.Secret || rotated.Pusher.Key != c.Key {
		t.Fatalf("rotate: %+v", rotated.Pusher)
	}
	for _, secret := range []string{c.Secret, rotated.Pusher.Secret} {
		if r := api(t, srv, c, secret, "GET", "/apps/"+c.AppID+"/channels", url.Values{}, nil, time.Now()); r.Status != http.StatusOK {
			t.Fatalf("after rotation: %d %s", r.Status, r.Body)
		}
	}
	// Only admins see or rotate the app.
	agent := srv.NewUser(admin, "agent1")
	var seen map[string]any
	agent.Raw("GET", "/api/v1/sites/"+strconvI(s.ID), nil)
	if r := agent.Raw("POST", "/api/v1/sites/"+strconvI(s.ID)+"/pusher/rotate", nil); r.Status != http.StatusForbidden {
		t.Fatalf("non-admin rotate: %d", r.Status)
	}
	_ = seen
}

func TestBuiltInAuthEndpoints(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	s := newSite(t, admin)
	c := s.Pusher
	v, _ := srv.NewVisitor(s.PublicKey, nil)
	sk := dial(t, srv, c.Key)
	own := "private-visitor-" + strconvI(v.VisitorID)
	var signed struct {
		Auth        string `json:"auth"`
		ChannelData string `json:"channel_data"`
	}
	v.Do("POST", "/api/v1/pusher/auth", map[string]string{"socket_id": sk.SocketID, "channel_name": own}, http.StatusOK, &signed)
	if m := sk.subscribe(own, signed.Auth, ""); m.Event != "pusher_internal:subscription_succeeded" {
		t.Fatalf("visitor channel: %+v", m)
	}
	if r := v.Raw("POST", "/api/v1/pusher/auth", map[string]string{"socket_id": sk.SocketID, "channel_name": "private-visitor-999999"}); r.Status != http.StatusForbidden {
		t.Fatalf("another visitor's channel: %d", r.Status)
	}
	if r := v.Raw("POST", "/api/v1/pusher/auth", map[string]string{"socket_id": "abc", "channel_name": own}); r.Status != http.StatusBadRequest {
		t.Fatalf("bad socket id: %d", r.Status)
	}
	// An admin signs the site's presence channel, with channel_data.
	presence := "presence-site-" + strconvI(s.ID)
	admin.Do("POST", "/api/v1/pusher/auth", map[string]string{"socket_id": sk.SocketID, "channel_name": presence, "app_key": c.Key}, http.StatusOK, &signed)
	if m := sk.subscribe(presence, signed.Auth, signed.ChannelData); m.Event != "pusher_internal:subscription_succeeded" || !strings.Contains(m.str(), "user-") {
		t.Fatalf("staff presence: %+v", m)
	}
	// A user who is not staff of the site is refused.
	stranger := srv.NewUser(admin, "stranger")
	if r := stranger.Raw("POST", "/api/v1/pusher/auth", map[string]string{"socket_id": sk.SocketID, "channel_name": presence, "app_key": c.Key}); r.Status != http.StatusForbidden {
		t.Fatalf("stranger: %d", r.Status)
	}
	var user struct {
		Auth     string `json:"auth"`
		UserData string `json:"user_data"`
	}
	v.Do("POST", "/api/v1/pusher/user-auth", map[string]string{"socket_id": sk.SocketID}, http.StatusOK, &user)
	sk.send("pusher:signin", map[string]string{"auth": user.Auth, "user_data": user.UserData}, "")
	sk.expect("pusher:signin_success", "")
}
