package media_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

// helpDesk is a server with a site whose one queue has one online agent.
type helpDesk struct {
	srv     *testkit.Server
	admin   *testkit.Client
	agent   *testkit.Client
	siteKey string
	secret  string // the site's secret, for identity tokens
}

func newHelpDesk(t *testing.T, opts ...testkit.Option) *helpDesk {
	t.Helper()
	srv := testkit.Start(t, opts...)
	admin := srv.Setup()
	var site struct {
		PublicKey string `json:"public_key"`
		Secret    string `json:"secret"`
		Queues    []struct {
			ID int64 `json:"id"`
		} `json:"queues"`
	}
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Acme"}, http.StatusCreated, &site)
	admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": "agent", "email": "agent@example.com",
		"password": "password-agent", "nickname": "Agent", "role": "agent", "verified": true}, http.StatusCreated, nil)
	agent := srv.Login("agent", "password-agent")
	admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", site.Queues[0].ID, agent.UserID), map[string]int{"capacity": 5}, http.StatusNoContent, nil)
	agent.Do("PUT", "/api/v1/agent/status", map[string]string{"status": "online"}, http.StatusOK, nil)
	return &helpDesk{srv: srv, admin: admin, agent: agent, siteKey: site.PublicKey, secret: site.Secret}
}

// visitor starts a widget session and opens its support conversation.
func (d *helpDesk) visitor(t *testing.T) (*testkit.Visitor, int64) {
	t.Helper()
	v, _ := d.srv.NewVisitor(d.siteKey, nil)
	conv := v.Open(nil)
	if conv.AssigneeID() != d.agent.UserID {
		t.Fatalf("conversation not assigned to the agent: %+v", conv)
	}
	return v, conv.ID
}

// visitorSend sends a media message from the widget over REST.
func visitorSend(v *testkit.Visitor, convID int64, clientID, kind string, attachmentID int64) *testkit.Response {
	return v.Raw("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", convID), map[string]any{
		"client_msg_id": clientID, "kind": kind, "attachment_id": attachmentID,
	})
}

func TestVisitorImageReachesTheAgent(t *testing.T) {
	d := newHelpDesk(t)
	v, conv := d.visitor(t)
	ws := d.agent.Dial()

	up := mustUpload(v.Client, t, "photo.png", "image", pngOf(t, 64, 48))
	if up.Kind != "image" || up.Width != 64 || up.Height != 48 || up.ThumbURL == "" {
		t.Fatalf("upload %+v", up)
	}
	if r := d.agent.Raw("GET", fmt.Sprintf("/api/v1/uploads/%d", up.ID), nil); r.Status != 404 {
		t.Fatalf("agent before it was sent: %d %s", r.Status, r.Body)
	}
	v.Do("GET", fmt.Sprintf("/api/v1/widget/uploads/%d", up.ID), nil, 200, nil)
	r := visitorSend(v, conv, "v-img-1", "image", up.ID)
	if r.Status != 201 {
		t.Fatalf("send: %d %s", r.Status, r.Body)
	}
	var sent mediaMessage
	r.JSON(t, &sent)
	if sent.Attachment == nil || sent.Attachment.ID != up.ID {
		t.Fatalf("sent %s", r.Body)
	}

	var frame struct {
		Message struct {
			mediaMessage
			Sender struct {
				Kind string `json:"kind"`
			} `json:"sender"`
		} `json:"message"`
	}
	ws.ReadType("message", 5*time.Second).Decode(t, &frame)
	if got := frame.Message; got.Kind != "image" || got.Sender.Kind != "visitor" || got.Attachment == nil || got.Attachment.ID != up.ID || got.Attachment.ThumbURL == "" {
		t.Fatalf("agent's frame %+v", frame)
	}
	var page struct {
		Items []mediaMessage `json:"items"`
	}
	d.agent.Do("GET", fmt.Sprintf("/api/v1/conversations/%d/messages", conv), nil, 200, &page)
	var seen *Attachment
	for _, m := range page.Items {
		if m.Kind == "image" {
			seen = m.Attachment
		}
	}
	if seen == nil || seen.ID != up.ID {
		t.Fatalf("agent's history %+v", page.Items)
	}
	for _, url := range []string{seen.URL, seen.ThumbURL} {
		img := fetch(t, url)
		if img.Status != 200 || !strings.HasPrefix(img.Header.Get("Content-Type"), "image/") {
			t.Fatalf("agent fetches %s: %d %v", url, img.Status, img.Header)
		}
	}
	d.agent.Do("GET", fmt.Sprintf("/api/v1/uploads/%d", up.ID), nil, 200, nil)

	// The agent's reply with an image: the visitor reads it back too.
	reply := mustUpload(d.agent, t, "answer.png", "image", pngOf(t, 20, 20))
	if r := sendMedia(d.agent, conv, "a-img-1", "image", reply.ID, "here"); r.Status != 201 {
		t.Fatalf("agent send: %d %s", r.Status, r.Body)
	}
	v.Do("GET", fmt.Sprintf("/api/v1/widget/uploads/%d", reply.ID), nil, 200, nil)
	hist := v.History(conv, "")
	if n := len(hist.Items); n < 2 {
		t.Fatalf("visitor's history %+v", hist)
	}
	// A user's upload route does not take a visitor.
	if r := v.Raw("GET", fmt.Sprintf("/api/v1/uploads/%d", up.ID), nil); r.Status != 401 {
		t.Fatalf("visitor on the user route: %d", r.Status)
	}
}

func TestVisitorFile(t *testing.T) {
	d := newHelpDesk(t)
	v, conv := d.visitor(t)
	data := []byte("order 1234: the parcel never came\n")
	up := mustUpload(v.Client, t, "complaint.txt", "file", data)
	if up.Kind != "file" || up.Name != "complaint.txt" || up.Size != int64(len(data)) {
		t.Fatalf("upload %+v", up)
	}
	if r := visitorSend(v, conv, "v-file-1", "image", up.ID); r.Status != 422 || r.ErrorCode() != "attachment_kind_mismatch" {
		t.Fatalf("file sent as an image: %d %s", r.Status, r.Body)
	}
	if r := visitorSend(v, conv, "v-file-2", "file", up.ID); r.Status != 201 {
		t.Fatalf("send: %d %s", r.Status, r.Body)
	}
	var page struct {
		Items []mediaMessage `json:"items"`
	}
	d.agent.Do("GET", fmt.Sprintf("/api/v1/conversations/%d/messages", conv), nil, 200, &page)
	var a *Attachment
	for _, m := range page.Items {
		if m.Kind == "file" {
			a = m.Attachment
		}
	}
	if a == nil || a.Name != "complaint.txt" || a.Size != int64(len(data)) {
		t.Fatalf("agent's history %+v", page.Items)
	}
	r := fetch(t, a.URL)
	if r.Status != 200 || string(r.Body) != string(data) || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d %v", r.Status, r.Header)
	}
}

func TestVisitorsCannotUseOthersAttachments(t *testing.T) {
	d := newHelpDesk(t)
	alice, aliceConv := d.visitor(t)
	bob, bobConv := d.visitor(t)
	eve := d.srv.NewUser(d.admin, "eve")

	up := mustUpload(alice.Client, t, "mine.png", "image", pngOf(t, 16, 16))
	get := fmt.Sprintf("/api/v1/widget/uploads/%d", up.ID)
	if r := bob.Raw("GET", get, nil); r.Status != 404 || r.ErrorCode() != "upload_not_found" {
		t.Fatalf("another visitor reads it: %d %s", r.Status, r.Body)
	}
	if r := visitorSend(bob, bobConv, "b-1", "image", up.ID); r.Status != 404 || r.ErrorCode() != "attachment_not_found" {
		t.Fatalf("another visitor sends it: %d %s", r.Status, r.Body)
	}
	if r := visitorSend(alice, bobConv, "a-1", "image", up.ID); r.Status != 404 {
		t.Fatalf("sent in another visitor's conversation: %d %s", r.Status, r.Body)
	}
	if r := visitorSend(alice, aliceConv, "a-2", "image", up.ID); r.Status != 201 {
		t.Fatalf("own send: %d %s", r.Status, r.Body)
	}
	// Once sent, still nobody else's: not the other visitor's, not a
	// user's outside the conversation, and the agent may not resend it.
	if r := bob.Raw("GET", get, nil); r.Status != 404 {
		t.Fatalf("another visitor after the send: %d", r.Status)
	}
	if r := eve.Raw("GET", fmt.Sprintf("/api/v1/uploads/%d", up.ID), nil); r.Status != 404 {
		t.Fatalf("a non-member user: %d %s", r.Status, r.Body)
	}
	if r := sendMedia(d.agent, aliceConv, "ag-1", "image", up.ID, ""); r.Status != 403 || r.ErrorCode() != "not_your_attachment" {
		t.Fatalf("agent resends the visitor's upload: %d %s", r.Status, r.Body)
	}
	// A user's upload is not a visitor's to send either.
	mine := mustUpload(eve, t, "eve.png", "image", pngOf(t, 8, 8))
	if r := visitorSend(alice, aliceConv, "a-3", "image", mine.ID); r.Status != 404 {
		t.Fatalf("visitor sends a user's upload: %d %s", r.Status, r.Body)
	}
	if r := d.srv.Client().Raw("GET", get, nil); r.Status != 401 {
		t.Fatalf("anonymous: %d", r.Status)
	}
}

func TestVisitorQuotaAndSniffing(t *testing.T) {
	d := newHelpDesk(t, testkit.WithConfig(func(c *config.Config) { c.UploadVisitorQuota = 4 << 10 }))
	v, _ := d.visitor(t)

	html := []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")
	if r := upload(v.Client, t, "cat.png", "image", html); r.Status != 415 || r.ErrorCode() != "unsupported_media_type" {
		t.Fatalf("HTML as an image: %d %s", r.Status, r.Body)
	}
	chunk := func(b byte) []byte { return []byte(strings.Repeat(string(rune(b)), 3<<10)) }
	mustUpload(v.Client, t, "a.txt", "file", chunk('a'))
	if r := upload(v.Client, t, "b.txt", "file", chunk('b')); r.Status != 413 || r.ErrorCode() != "quota_exceeded" {
		t.Fatalf("over the visitor quota: %d %s", r.Status, r.Body)
	}
	// The quota is the visitor's own: users keep theirs.
	mustUpload(d.agent, t, "b.txt", "file", chunk('b'))
	other, _ := d.visitor(t)
	mustUpload(other.Client, t, "b.txt", "file", chunk('b'))
}

func TestVisitorUploadRateLimit(t *testing.T) {
	d := newHelpDesk(t)
	v, _ := d.visitor(t)
	var last *testkit.Response
	for i := 0; i < 40; i++ {
		if last = upload(v.Client, t, "note.txt", "file", []byte("hi")); last.Status != 201 {
			break
		}
	}
	if last.Status != 429 || last.ErrorCode() != "rate_limited" || last.Header.Get("Retry-After") == "" {
		t.Fatalf("the visitor was never slowed down: %d %s", last.Status, last.Body)
	}
	mustUpload(d.agent, t, "note.txt", "file", []byte("hi"))
}
