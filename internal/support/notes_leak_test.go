package support_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/testkit/smtpd"
	"github.com/parley-chat/parley/internal/webhooks"
)

// outbound records every payload that leaves Parley for someone who is not
// an agent: webhook bodies, widget frames and visitor-facing answers.
type outbound struct {
	mu       sync.Mutex
	payloads []string
	events   []string
}

func (o *outbound) add(kind string, b []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.payloads = append(o.payloads, kind+": "+string(b))
}

// ServeHTTP is the host site's webhook endpoint.
func (o *outbound) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	o.add("webhook "+r.Header.Get("X-Parley-Event"), b)
	o.mu.Lock()
	o.events = append(o.events, r.Header.Get("X-Parley-Event"))
	o.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (o *outbound) got(event string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, e := range o.events {
		if e == event {
			return true
		}
	}
	return false
}

func (o *outbound) all() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.payloads...)
}

// record keeps a visitor-facing REST answer.
func (o *outbound) record(t *testing.T, r *testkit.Response, what string, want int) *testkit.Response {
	t.Helper()
	o.add(what, r.Body)
	if r.Status != want {
		t.Fatalf("%s: %d %s, want %d", what, r.Status, r.Body, want)
	}
	return r
}

func TestPrivateNotesNeverLeaveTheAgents(t *testing.T) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	marker := "NOTE-" + hex.EncodeToString(b)

	mail := smtpd.Start(t)
	out := &outbound{}
	hook := httptest.NewServer(out) // the host site's receiver, on 127.0.0.1
	defer hook.Close()
	// The webhook receiver is on loopback, which outbound requests reach
	// only when the operator allows it.
	d := newDesk(t, 1, 3, testkit.WithSMTP(mail.URL()), testkit.WithOutboundAllow("127.0.0.1/32"), testkit.WithConfig(func(c *config.Config) {
		c.AgentNotifyDelay, c.VisitorNotifyDelay = time.Second, time.Second
	}))
	agent := d.agents[0]
	d.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/webhooks", d.site.ID), map[string]any{"url": hook.URL}, http.StatusCreated, nil)

	// The visitor's side: REST through the widget API and one socket whose
	// every frame is kept.
	var sess testkit.VisitorSession
	out.record(t, d.srv.Client().Raw("POST", "/api/v1/widget/session", map[string]any{"site_key": d.site.PublicKey, "page_url": d.srv.URL + "/demo"}), "session", http.StatusOK).JSON(t, &sess)
	v := d.srv.Client()
	v.Token, v.Scheme = sess.VisitorToken, "Visitor"
	out.record(t, v.Raw("PATCH", "/api/v1/widget/visitor", map[string]string{"name": "Vera", "email": "vera@example.com"}), "contact", http.StatusOK)
	var opened struct {
		Conversation testkit.SupportConversation `json:"conversation"`
	}
	out.record(t, v.Raw("POST", "/api/v1/widget/conversations", map[string]any{}), "open", http.StatusCreated).JSON(t, &opened)
	conv := opened.Conversation.ID
	conn, resp, err := v.DialRaw(v.Ticket(), nil)
	if err != nil {
		t.Fatalf("visitor socket: %v (%v)", err, resp)
	}
	framesDone := make(chan struct{})
	go func() {
		defer close(framesDone)
		for {
			_, f, err := conn.ReadMessage()
			if err != nil {
				return
			}
			out.add("widget frame", f)
			if p := testkit.ServerFrameProblem(f); p != "" {
				t.Error(p)
			}
		}
	}()
	msgs := fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv)
	out.record(t, v.Raw("POST", msgs, map[string]string{"client_msg_id": "v1", "body": "My parcel is lost"}), "send", http.StatusCreated)

	// The agent claims, writes a note with the marker, replies, resolves,
	// and writes one more note, so that a note is the last message when the
	// visitor rates.
	agent.Do("POST", claimPath(conv), nil, http.StatusOK, nil)
	notes := fmt.Sprintf("/api/v1/support/conversations/%d/notes", conv)
	agent.Do("POST", notes, map[string]string{"client_msg_id": "n1", "body": "Refund at once " + marker}, http.StatusCreated, nil)
	agent.SendText(conv, "a1", "Sorry! We are sending a new one.")
	// The visitor does not read the reply: it is mailed to them.
	visitorMail := mail.WaitFor(t, 1, 15*time.Second)
	agent.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/resolve", conv), nil, http.StatusOK, nil)
	agent.Do("POST", notes, map[string]string{"client_msg_id": "n2", "body": "Fraud check: " + marker}, http.StatusCreated, nil)
	out.record(t, v.Raw("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/rating", conv), map[string]any{"score": 5, "comment": "fast"}), "rating", http.StatusOK)

	// The host site's backend pushes an event to the visitor.
	body := fmt.Sprintf(`{"to":{"visitor_id":%d},"name":"order.shipped","data":{"order":"A-1"}}`, sess.Visitor.ID)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	out.record(t, d.srv.Client().Raw("POST", fmt.Sprintf("/api/v1/sites/%d/events", d.site.ID), body,
		"X-Parley-Timestamp", ts, "X-Parley-Signature", webhooks.Sign(d.site.Secret, ts, []byte(body))), "event api", http.StatusAccepted)

	// What the visitor reads back: a resumed session and the history.
	out.record(t, d.srv.Client().Raw("POST", "/api/v1/widget/session", map[string]any{"site_key": d.site.PublicKey, "visitor_token": sess.VisitorToken, "page_url": d.srv.URL + "/demo"}), "resumed session", http.StatusOK)
	out.record(t, v.Raw("GET", msgs+"?after_seq=0", nil), "history", http.StatusOK)
	out.record(t, v.Raw("GET", msgs+"?before_seq=1000&limit=100", nil), "history before", http.StatusOK)

	// The notes are there for the agents: the marker is not a typo.
	if h := bodiesOf(agent.History(conv, "after_seq=0")); strings.Count(h, marker) != 2 {
		t.Fatalf("the agent's history lacks the notes:\n%s", h)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, ev := range []string{"conversation.created", "conversation.assigned", "message.created", "conversation.resolved", "conversation.rated"} {
		for !out.got(ev) {
			if time.Now().After(deadline) {
				t.Fatalf("no %s webhook within 20s; got %v", ev, out.events)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// The visitor's socket has seen everything once it answers a ping sent
	// after the last change.
	if err := conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(strings.Join(out.all(), "\n"), `"type":"pong"`) {
		if time.Now().After(deadline) {
			t.Fatal("no pong on the visitor's socket")
		}
		time.Sleep(20 * time.Millisecond)
	}
	conn.Close()
	<-framesDone

	all := out.all()
	for _, m := range mail.Messages() {
		p := m.Parse(t)
		all = append(all, "mail to "+strings.Join(m.To, ",")+": "+string(m.Data)+"\n"+p.Subject+"\n"+p.Text+"\n"+p.HTML)
	}
	if len(visitorMail) == 0 || !strings.Contains(strings.Join(all, "\n"), "We are sending a new one") {
		t.Fatalf("the scan saw none of the agent's reply: %d payloads", len(all))
	}
	kinds := map[string]int{}
	for _, p := range all {
		kind, _, _ := strings.Cut(p, ":")
		kinds[kind]++
		if strings.Contains(p, marker) || strings.Contains(p, `"kind":"note"`) {
			t.Errorf("a private note left Parley in %s", p)
		}
	}
	t.Logf("scanned %d outbound payloads: %v", len(all), kinds)
}
