package webhooks_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/webhooks"
)

type received struct {
	event, delivery string
	body            []byte
	validSignature  bool
}

// receiver is a host site's webhook endpoint that checks signatures and
// fails the first delivery of each message event.
type receiver struct {
	mu     sync.Mutex
	secret string
	got    []received
	failed map[string]bool
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	sig := req.Header.Get("X-Parley-Signature")
	ts, v1, _ := strings.Cut(strings.TrimPrefix(sig, "t="), ",v1=")
	ok := webhooks.Verify(r.secret, ts, v1, body, time.Now()) == nil
	d := req.Header.Get("X-Parley-Delivery")
	r.got = append(r.got, received{event: req.Header.Get("X-Parley-Event"), delivery: d, body: body, validSignature: ok})
	if req.Header.Get("X-Parley-Event") == "message.created" && !r.failed[d] {
		r.failed[d] = true
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) events() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func TestWebhooksAreSignedAndRetriedAfterA500(t *testing.T) {
	srv := testkit.Start(t, testkit.WithOutboundAllow("127.0.0.1/32"))
	admin := srv.Setup()
	var site struct {
		ID        int64  `json:"id"`
		PublicKey string `json:"public_key"`
	}
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Shop"}, http.StatusCreated, &site)
	rec := &receiver{failed: map[string]bool{}}
	hook := httptest.NewServer(rec)
	defer hook.Close()
	var wh struct {
		ID     int64  `json:"id"`
		Secret string `json:"secret"`
	}
	admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/webhooks", site.ID), map[string]any{"url": hook.URL, "events": []string{"conversation.created", "message.created"}}, http.StatusCreated, &wh)
	rec.mu.Lock()
	rec.secret = wh.Secret
	rec.mu.Unlock()
	if r := admin.Raw("POST", fmt.Sprintf("/api/v1/sites/%d/webhooks", site.ID), map[string]any{"url": hook.URL, "events": []string{"everything"}}); r.Status != http.StatusBadRequest {
		t.Fatalf("unknown event accepted: %d", r.Status)
	}

	v, _ := srv.NewVisitor(site.PublicKey, nil)
	conv := v.Open(nil)
	v.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv.ID), map[string]string{"client_msg_id": "w1", "body": "Where is my parcel?"}, http.StatusCreated, nil)

	deadline := time.Now().Add(20 * time.Second)
	for {
		got := rec.events()
		var created, messageTries int
		for _, g := range got {
			if !g.validSignature {
				t.Fatalf("a delivery with a bad signature: %+v", g)
			}
			switch g.event {
			case "conversation.created":
				created++
			case "message.created":
				messageTries++
			}
		}
		if created == 1 && messageTries == 2 {
			var payload struct {
				Event string `json:"event"`
				Data  struct {
					Message struct {
						Body string `json:"body"`
					} `json:"message"`
				} `json:"data"`
			}
			if err := json.Unmarshal(got[len(got)-1].body, &payload); err != nil || payload.Data.Message.Body != "Where is my parcel?" {
				t.Fatalf("message payload %s", got[len(got)-1].body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries so far: %+v", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var log struct {
		Items []struct {
			ID      int64  `json:"id"`
			Event   string `json:"event"`
			Payload struct {
				ID    int64  `json:"id"`
				Event string `json:"event"`
			} `json:"payload"`
			Status         string `json:"status"`
			Attempts       int    `json:"attempts"`
			LastStatusCode int    `json:"last_status_code"`
		} `json:"items"`
	}
	// The receiver saw the second try before the worker recorded its
	// answer: wait for the record.
	recorded := func() bool {
		admin.Do("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", wh.ID), nil, http.StatusOK, &log)
		for _, d := range log.Items {
			if d.Event == "message.created" && d.Status == "pending" {
				return false
			}
		}
		return true
	}
	for !recorded() {
		if time.Now().After(deadline) {
			t.Fatalf("the second try was never recorded: %+v", log.Items)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, d := range log.Items {
		if d.Event == "message.created" && (d.Status != "delivered" || d.Attempts != 2 || d.LastStatusCode != http.StatusNoContent) {
			t.Fatalf("delivery log %+v", log.Items)
		}
		// Written whole in the event's transaction: the payload names its
		// own delivery.
		if d.Payload.ID != d.ID || d.Payload.Event != d.Event {
			t.Fatalf("delivery %d holds payload %+v", d.ID, d.Payload)
		}
	}
	if len(log.Items) != 2 {
		t.Fatalf("delivery log %+v", log.Items)
	}
	agent := srv.NewUser(admin, "plain")
	if r := agent.Raw("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", wh.ID), nil); r.Status != http.StatusForbidden {
		t.Fatalf("non-admin reading deliveries: %d", r.Status)
	}
}

func TestServerEventAPIPushesToAVisitorWhenSigned(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	var site struct {
		ID        int64  `json:"id"`
		PublicKey string `json:"public_key"`
		Secret    string `json:"secret"`
	}
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Shop"}, http.StatusCreated, &site)
	identity, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "cust-7", "exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte(site.Secret))
	v, _ := srv.NewVisitor(site.PublicKey, map[string]any{"identity_token": identity})
	ws := v.Dial()
	push := func(body string, ts int64, secret string) *testkit.Response {
		t := strconv.FormatInt(ts, 10)
		return srv.Client().Raw("POST", fmt.Sprintf("/api/v1/sites/%d/events", site.ID), body,
			"X-Parley-Timestamp", t, "X-Parley-Signature", webhooks.Sign(secret, t, []byte(body)))
	}
	body := `{"to":{"visitor_external_id":"cust-7"},"name":"order.shipped","data":{"order":"A-1001"}}`
	if r := push(body, time.Now().Unix(), "wrong-secret"); r.Status != http.StatusUnauthorized || r.ErrorCode() != "bad_signature" {
		t.Fatalf("bad signature: %d %s", r.Status, r.Body)
	}
	if r := push(body, time.Now().Add(-10*time.Minute).Unix(), site.Secret); r.Status != http.StatusUnauthorized || r.ErrorCode() != "stale_request" {
		t.Fatalf("stale request: %d %s", r.Status, r.Body)
	}
	if r := push(`{"to":{"visitor_external_id":"nobody"},"name":"x"}`, time.Now().Unix(), site.Secret); r.Status != http.StatusNotFound {
		t.Fatalf("unknown visitor: %d", r.Status)
	}
	if r := push(body, time.Now().Unix(), site.Secret); r.Status != http.StatusAccepted {
		t.Fatalf("signed push: %d %s", r.Status, r.Body)
	}
	var ev struct {
		Name string `json:"name"`
		Data struct {
			Order string `json:"order"`
		} `json:"data"`
	}
	ws.ReadType("event", 5*time.Second).Decode(t, &ev)
	if ev.Name != "order.shipped" || ev.Data.Order != "A-1001" {
		t.Fatalf("event frame %+v", ev)
	}
}
