package bench

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// pusherApp is a site's Pusher settings as an admin reads them in
// GET /api/v1/sites/{id}.
type pusherApp struct {
	AppID  string `json:"app_id"`
	Key    string `json:"key"`
	Secret string `json:"secret"`
	Host   string `json:"host"`
	Port   int    `json:"port"`
	Scheme string `json:"scheme"`
}

// pusherTrigger calls the Pusher HTTP API of one app at base (the bench's
// --url: the bench talks to the server it measures, whatever host the
// settings name), signing each request as Pusher's server SDKs do.
type pusherTrigger struct {
	base string
	app  pusherApp
	hc   *http.Client
}

// trigger posts one event to one channel: POST /apps/{id}/events.
func (t *pusherTrigger) trigger(ctx context.Context, channel, event, data string) error {
	body, err := json.Marshal(map[string]any{"name": event, "channel": channel, "data": data})
	if err != nil {
		return err
	}
	path := "/apps/" + t.app.AppID + "/events"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.base+path+"?"+t.sign(http.MethodPost, path, body, time.Now()), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := t.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK {
		return &APIError{Method: http.MethodPost, Path: path, Status: res.StatusCode, Code: http.StatusText(res.StatusCode), Message: strings.TrimSpace(string(msg))}
	}
	return nil
}

// sign returns the query string of a signed request: auth_key,
// auth_timestamp, auth_version and body_md5, sorted, then auth_signature,
// the HMAC-SHA256 of "METHOD\nPATH\nQUERY" with the app secret.
func (t *pusherTrigger) sign(method, path string, body []byte, now time.Time) string {
	q := url.Values{}
	q.Set("auth_key", t.app.Key)
	q.Set("auth_timestamp", strconv.FormatInt(now.Unix(), 10))
	q.Set("auth_version", "1.0")
	if len(body) > 0 {
		sum := md5.Sum(body)
		q.Set("body_md5", hex.EncodeToString(sum[:]))
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + q.Get(k)
	}
	mac := hmac.New(sha256.New, []byte(t.app.Secret))
	mac.Write([]byte(method + "\n" + path + "\n" + strings.Join(parts, "&")))
	q.Set("auth_signature", hex.EncodeToString(mac.Sum(nil)))
	return q.Encode()
}

// pusherFrame is a protocol-7 frame. Data is a JSON string for events the
// server sends.
type pusherFrame struct {
	Event   string          `json:"event"`
	Channel string          `json:"channel,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// pusherSocket is one protocol-7 subscriber. Events on its channel are
// handed to a handler on the reading goroutine with their arrival time;
// the server's pings are answered.
type pusherSocket struct {
	conn   *websocket.Conn
	wmu    sync.Mutex
	done   chan struct{}
	closed sync.Once
}

// dialPusher opens /app/{key}, waits for pusher:connection_established,
// subscribes to channel and waits for the subscription to succeed.
func dialPusher(ctx context.Context, base, key, channel string, handle func(f *pusherFrame, at time.Time)) (*pusherSocket, error) {
	u := "ws" + strings.TrimPrefix(base, "http") + "/app/" + url.PathEscape(key) + "?protocol=7&client=parley-bench&version=1"
	conn, resp, err := dialer.DialContext(ctx, u, http.Header{})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial /app/{key}: %w (HTTP %d)", err, resp.StatusCode)
		}
		return nil, fmt.Errorf("dial /app/{key}: %w", err)
	}
	s := &pusherSocket{conn: conn, done: make(chan struct{})}
	_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	if _, err := s.await("pusher:connection_established"); err != nil {
		conn.Close()
		return nil, err
	}
	data, _ := json.Marshal(map[string]string{"channel": channel})
	if err := s.send(pusherFrame{Event: "pusher:subscribe", Data: data}); err != nil {
		conn.Close()
		return nil, err
	}
	if _, err := s.await("pusher_internal:subscription_succeeded"); err != nil {
		conn.Close()
		return nil, err
	}
	_ = conn.SetReadDeadline(time.Time{})
	go s.read(handle)
	return s, nil
}

// await reads frames until one of the event named; a pusher:error fails.
func (s *pusherSocket) await(event string) (*pusherFrame, error) {
	for {
		_, b, err := s.conn.ReadMessage()
		if err != nil {
			return nil, fmt.Errorf("waiting for %s: %w", event, err)
		}
		var f pusherFrame
		if err := json.Unmarshal(b, &f); err != nil {
			return nil, fmt.Errorf("frame %q: %w", b, err)
		}
		switch f.Event {
		case event:
			return &f, nil
		case "pusher:error", "pusher:subscription_error":
			return nil, fmt.Errorf("waiting for %s: %s %s", event, f.Event, f.Data)
		}
	}
}

func (s *pusherSocket) read(handle func(f *pusherFrame, at time.Time)) {
	defer s.Close()
	for {
		_, b, err := s.conn.ReadMessage()
		if err != nil {
			return
		}
		at := time.Now()
		var f pusherFrame
		if json.Unmarshal(b, &f) != nil {
			continue
		}
		if f.Event == "pusher:ping" {
			_ = s.send(pusherFrame{Event: "pusher:pong", Data: json.RawMessage(`{}`)})
			continue
		}
		handle(&f, at)
	}
}

func (s *pusherSocket) send(f pusherFrame) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_ = s.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
	return s.conn.WriteMessage(websocket.TextMessage, b)
}

// Close closes the socket; the reader ends.
func (s *pusherSocket) Close() {
	s.closed.Do(func() {
		s.wmu.Lock()
		_ = s.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		s.wmu.Unlock()
		s.conn.Close()
		close(s.done)
	})
}

// alive reports whether the socket is still open.
func (s *pusherSocket) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}
