package pusher_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/pusher"
	"github.com/parley-chat/parley/internal/testkit"
)

// hookReceiver is a host's endpoint for Pusher webhooks; it checks each
// body's signature with the app secret, as the SDKs' webhook check does.
type hookReceiver struct {
	mu            sync.Mutex
	key, secret   string
	events        []string
	badSignature  bool
	missingTimeMS bool
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Header.Get("X-Pusher-Key") != h.key || r.Header.Get("X-Pusher-Signature") != pusher.HMAC(h.secret, string(body)) {
		h.badSignature = true
	}
	var b struct {
		TimeMS int64 `json:"time_ms"`
		Events []struct {
			Name    string `json:"name"`
			Channel string `json:"channel"`
			UserID  string `json:"user_id"`
			Event   string `json:"event"`
		} `json:"events"`
	}
	_ = json.Unmarshal(body, &b)
	h.missingTimeMS = h.missingTimeMS || b.TimeMS == 0
	for _, e := range b.Events {
		h.events = append(h.events, fmt.Sprintf("%s %s %s%s", e.Name, e.Channel, e.UserID, e.Event))
	}
	w.WriteHeader(http.StatusOK)
}

func (h *hookReceiver) has(want string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.events {
		if e == want {
			return true
		}
	}
	return false
}

func TestWebhooksInPusherFormat(t *testing.T) {
	srv := testkit.Start(t, testkit.WithOutboundAllow("127.0.0.1/32"))
	admin := srv.Setup()
	s := newSite(t, admin)
	c := s.Pusher
	rec := &hookReceiver{key: c.Key, secret: c.Secret}
	hook := httptest.NewServer(rec)
	defer hook.Close()
	var wh struct {
		Format string `json:"format"`
	}
	admin.Do("POST", "/api/v1/sites/"+strconvI(s.ID)+"/webhooks", map[string]any{"url": hook.URL, "format": "pusher"}, http.StatusCreated, &wh)
	if wh.Format != "pusher" {
		t.Fatalf("format %q", wh.Format)
	}
	if r := admin.Raw("POST", "/api/v1/sites/"+strconvI(s.ID)+"/webhooks", map[string]any{"url": hook.URL, "format": "pusher", "events": []string{"message.created"}}); r.Status != http.StatusBadRequest {
		t.Fatalf("a Parley event on a Pusher webhook: %d", r.Status)
	}

	a, b := dial(t, srv, c.Key), dial(t, srv, c.Key)
	ch := "presence-desk"
	a.subscribe(ch, pusher.ChannelAuth(c.Key, c.Secret, a.SocketID, ch, presenceData("7")), presenceData("7"))
	b.subscribe(ch, pusher.ChannelAuth(c.Key, c.Secret, b.SocketID, ch, presenceData("8")), presenceData("8"))
	a.send("client-wave", map[string]any{}, ch)
	b.expect("client-wave", ch)
	b.send("pusher:unsubscribe", map[string]string{"channel": ch}, "")
	a.expect("pusher_internal:member_removed", ch)
	a.send("pusher:unsubscribe", map[string]string{"channel": ch}, "")

	want := []string{"channel_occupied " + ch + " ", "member_added " + ch + " 7", "member_added " + ch + " 8",
		"client_event " + ch + " 7client-wave", "member_removed " + ch + " 8", "channel_vacated " + ch + " "}
	deadline := time.Now().Add(20 * time.Second)
	for _, w := range want {
		for !rec.has(w) {
			if time.Now().After(deadline) {
				rec.mu.Lock()
				t.Fatalf("webhook %q not received; got %q", w, rec.events)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.badSignature || rec.missingTimeMS {
		t.Fatalf("a webhook without a valid X-Pusher-Signature or time_ms")
	}
}
