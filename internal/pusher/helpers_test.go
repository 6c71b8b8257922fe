package pusher_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/internal/pusher"
	"github.com/parley-chat/parley/internal/testkit"
)

// creds are a site's Pusher settings as an admin reads them.
type creds struct {
	AppID  string `json:"app_id"`
	Key    string `json:"key"`
	Secret string `json:"secret"`
	Host   string `json:"host"`
	Port   int    `json:"port"`
	Scheme string `json:"scheme"`
}

type site struct {
	ID        int64  `json:"id"`
	PublicKey string `json:"public_key"`
	Pusher    creds  `json:"pusher"`
}

// newSite has the admin create a site and returns it with its app.
func newSite(t *testing.T, admin *testkit.Client) site {
	t.Helper()
	var s site
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Shop"}, http.StatusCreated, &s)
	if s.Pusher.AppID == "" || s.Pusher.Key == "" || s.Pusher.Secret == "" {
		t.Fatalf("the admin's site has no pusher app: %+v", s)
	}
	return s
}

// sock is a Pusher protocol client.
type sock struct {
	t        *testing.T
	c        *websocket.Conn
	SocketID string
}

type msg struct {
	Event   string          `json:"event"`
	Channel string          `json:"channel"`
	Data    json.RawMessage `json:"data"`
	UserID  string          `json:"user_id"`
}

// str is the frame's data when it is a JSON string.
func (m msg) str() string { var s string; _ = json.Unmarshal(m.Data, &s); return s }

// code is the code of a pusher:error.
func (m msg) code() int {
	var d struct {
		Code int `json:"code"`
	}
	_ = json.Unmarshal(m.Data, &d)
	return d.Code
}

func dialRaw(srv *testkit.Server, key string, h http.Header) (*websocket.Conn, error) {
	u := "ws" + strings.TrimPrefix(srv.URL, "http") + "/app/" + key + "?protocol=7&client=go&version=1.0"
	c, _, err := websocket.DefaultDialer.Dial(u, h)
	return c, err
}

// dial connects and reads pusher:connection_established.
func dial(t *testing.T, srv *testkit.Server, key string) *sock {
	t.Helper()
	c, err := dialRaw(srv, key, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	s := &sock{t: t, c: c}
	m := s.read()
	if m.Event != "pusher:connection_established" {
		t.Fatalf("first frame %+v", m)
	}
	var d struct {
		SocketID        string `json:"socket_id"`
		ActivityTimeout int    `json:"activity_timeout"`
	}
	if err := json.Unmarshal([]byte(m.str()), &d); err != nil || d.SocketID == "" || d.ActivityTimeout != 120 {
		t.Fatalf("connection_established data must be a JSON string with socket_id and activity_timeout: %s", m.Data)
	}
	s.SocketID = d.SocketID
	return s
}

func (s *sock) send(event string, data any, channel string) {
	s.t.Helper()
	f := map[string]any{"event": event, "data": data}
	if channel != "" {
		f["channel"] = channel
	}
	if err := s.c.WriteJSON(f); err != nil {
		s.t.Fatalf("write: %v", err)
	}
}

func (s *sock) read() msg {
	s.t.Helper()
	_ = s.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var m msg
	if err := s.c.ReadJSON(&m); err != nil {
		s.t.Fatalf("read: %v", err)
	}
	return m
}

// expect reads until a frame with the event (on the channel, if given).
func (s *sock) expect(event, channel string) msg {
	s.t.Helper()
	for {
		m := s.read()
		if m.Event == event && (channel == "" || m.Channel == channel) {
			return m
		}
	}
}

// none asserts that no frame with the event came before the answer to
// a ping sent now: what the server sent earlier arrives first.
func (s *sock) none(event string) {
	s.t.Helper()
	s.send("pusher:ping", map[string]any{}, "")
	for {
		m := s.read()
		if m.Event == event {
			s.t.Fatalf("unexpected %+v", m)
		}
		if m.Event == "pusher:pong" {
			return
		}
	}
}

// subscribe subscribes and waits for the answer.
func (s *sock) subscribe(ch, auth, channelData string) msg {
	s.t.Helper()
	d := map[string]string{"channel": ch}
	if auth != "" {
		d["auth"] = auth
	}
	if channelData != "" {
		d["channel_data"] = channelData
	}
	s.send("pusher:subscribe", d, "")
	for {
		m := s.read()
		if m.Channel == ch && (m.Event == "pusher_internal:subscription_succeeded" || m.Event == "pusher:subscription_error") {
			return m
		}
	}
}

// api calls the HTTP API signed with secret.
func api(t *testing.T, srv *testkit.Server, c creds, secret, method, path string, query url.Values, body any, at time.Time) *testkit.Response {
	t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	q := pusher.SignRequest(c.Key, secret, method, path, query, b, at)
	var raw any
	if b != nil {
		raw = b
	}
	return srv.Client().Raw(method, path+"?"+q.Encode(), raw)
}

func presenceData(id string) string {
	return fmt.Sprintf(`{"user_id":%q,"user_info":{"name":%q}}`, id, "N"+id)
}

func netListen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }
