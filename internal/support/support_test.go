package support_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley-chat/parley/internal/testkit"
)

type site struct {
	ID        int64  `json:"id"`
	PublicKey string `json:"public_key"`
	Secret    string `json:"secret"`
	Snippet   string `json:"snippet"`
	Queues    []struct {
		ID        int64 `json:"id"`
		IsDefault bool  `json:"is_default"`
	} `json:"queues"`
}

// desk is a server with a site and online agents of capacity capacity in
// its default queue.
type desk struct {
	srv    *testkit.Server
	admin  *testkit.Client
	site   site
	queue  int64
	agents []*testkit.Client
}

func newDesk(t *testing.T, agents, capacity int, opts ...testkit.Option) *desk {
	t.Helper()
	srv := testkit.Start(t, opts...)
	admin := srv.Setup()
	d := &desk{srv: srv, admin: admin}
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Acme"}, http.StatusCreated, &d.site)
	d.queue = d.site.Queues[0].ID
	for i := 0; i < agents; i++ {
		name := fmt.Sprintf("agent%d", i)
		admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": name, "email": name + "@example.com",
			"password": "password-" + name, "nickname": fmt.Sprintf("Agent %d", i), "role": "agent", "verified": true}, http.StatusCreated, nil)
		a := srv.Login(name, "password-"+name)
		admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", d.queue, a.UserID), map[string]int{"capacity": capacity}, http.StatusNoContent, nil)
		d.agents = append(d.agents, a)
	}
	return d
}

// vera is a visitor on pageURL who gave her name and e-mail (so that
// follow-up mails can reach her) and opened a conversation.
func (d *desk) vera(pageURL string) (*testkit.Visitor, testkit.SupportConversation) {
	v, _ := d.srv.NewVisitor(d.site.PublicKey, map[string]any{"page_url": pageURL})
	v.Do("PATCH", "/api/v1/widget/visitor", map[string]string{"name": "Vera", "email": "vera@example.com"}, http.StatusOK, nil)
	return v, v.Open(nil)
}

func (d *desk) online(a *testkit.Client) {
	a.Do("PUT", "/api/v1/agent/status", map[string]string{"status": "online"}, http.StatusOK, nil)
}

func (d *desk) conversation(c *testkit.Client, id int64) testkit.SupportConversation {
	var out struct {
		Items []testkit.SupportConversation `json:"items"`
	}
	c.Do("GET", "/api/v1/agent/conversations?view=all&limit=200", nil, http.StatusOK, &out)
	for _, sc := range out.Items {
		if sc.ID == id {
			return sc
		}
	}
	d.srv.Config() // keep d used
	return testkit.SupportConversation{}
}

func TestSiteSnippetOriginsAndVisitorSessions(t *testing.T) {
	d := newDesk(t, 0, 1)
	if d.site.PublicKey == "" || d.site.Secret == "" || !strings.Contains(d.site.Snippet, `data-site="`+d.site.PublicKey+`"`) || !strings.Contains(d.site.Snippet, d.srv.URL+"/widget.js") {
		t.Fatalf("site %+v", d.site)
	}
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/sites/%d", d.site.ID), map[string]any{"allowed_origins": []string{"https://shop.example"}}, http.StatusOK, nil)
	c := d.srv.Client()
	body := map[string]any{"site_key": d.site.PublicKey, "page_url": "https://shop.example/cart"}
	r := c.Raw("POST", "/api/v1/widget/session", body, "Origin", "https://evil.example")
	if r.Status != http.StatusForbidden || r.ErrorCode() != "origin_not_allowed" {
		t.Fatalf("foreign origin: %d %s", r.Status, r.Body)
	}
	var s1 testkit.VisitorSession
	r = c.Raw("POST", "/api/v1/widget/session", body, "Origin", "https://shop.example")
	r.JSON(t, &s1)
	if r.Status != http.StatusOK || s1.VisitorToken == "" || s1.Visitor.PageURL != "https://shop.example/cart" || s1.Site.Name != "Acme" {
		t.Fatalf("allowed origin: %d %s", r.Status, r.Body)
	}
	// The widget's own frame reports the host page in page_url.
	frame := map[string]any{"site_key": d.site.PublicKey, "page_url": "https://evil.example/", "visitor_token": s1.VisitorToken}
	if r := c.Raw("POST", "/api/v1/widget/session", frame, "Origin", d.srv.URL); r.Status != http.StatusForbidden {
		t.Fatalf("frame on a foreign page: %d %s", r.Status, r.Body)
	}
	var s2 testkit.VisitorSession
	frame["page_url"] = "https://shop.example/checkout"
	c.Raw("POST", "/api/v1/widget/session", frame, "Origin", d.srv.URL).JSON(t, &s2)
	if s2.Visitor.ID != s1.Visitor.ID || s2.Visitor.PageURL != "https://shop.example/checkout" {
		t.Fatalf("resumed %+v, want visitor %d on the new page", s2.Visitor, s1.Visitor.ID)
	}
	if r := c.Raw("POST", "/api/v1/widget/session", map[string]any{"site_key": "pk_nope"}); r.Status != http.StatusNotFound {
		t.Fatalf("unknown key: %d", r.Status)
	}
	v := d.srv.Client()
	v.Token, v.Scheme = "vt_1.forged.sig", "Visitor"
	if r := v.Raw("POST", "/api/v1/widget/conversations", map[string]any{}); r.Status != http.StatusUnauthorized {
		t.Fatalf("forged visitor token: %d", r.Status)
	}
}

func identityToken(t *testing.T, secret, sub string, exp time.Duration) string {
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": sub, "name": "Nina Shopper", "email": "nina@shop.example", "exp": time.Now().Add(exp).Unix(),
	}).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestIdentityTokensMergeDevicesAndBadOnesAreRefused(t *testing.T) {
	d := newDesk(t, 0, 1)
	// Anonymous on a phone, then signs in on the site.
	phone, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv := phone.Open(nil)
	phone.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv.ID), map[string]string{"client_msg_id": "p1", "body": "from my phone"}, http.StatusCreated, nil)
	var signedIn testkit.VisitorSession
	d.srv.Client().Do("POST", "/api/v1/widget/session", map[string]any{"site_key": d.site.PublicKey, "visitor_token": phone.Token,
		"identity_token": identityToken(t, d.site.Secret, "cust-42", time.Hour)}, http.StatusOK, &signedIn)
	if !signedIn.Visitor.Identified || signedIn.Visitor.Name != "Nina Shopper" || signedIn.Visitor.ExternalID != "cust-42" {
		t.Fatalf("identified visitor %+v", signedIn.Visitor)
	}
	// A laptop signs in as the same customer and sees the phone's chat.
	laptop, sess := d.srv.NewVisitor(d.site.PublicKey, map[string]any{"identity_token": identityToken(t, d.site.Secret, "cust-42", time.Hour)})
	if sess.Visitor.ID != signedIn.Visitor.ID || sess.Conversation == nil || sess.Conversation.ID != conv.ID {
		t.Fatalf("laptop session %+v", sess)
	}
	page := laptop.History(conv.ID, "after_seq=0")
	if len(page.Items) != 1 || page.Items[0].Body != "from my phone" {
		t.Fatalf("laptop history %+v", page.Items)
	}
	bad := map[string]string{
		"forged":      identityToken(t, "not-the-secret", "cust-42", time.Hour),
		"expired":     identityToken(t, d.site.Secret, "cust-42", -time.Minute),
		"too long":    identityToken(t, d.site.Secret, "cust-42", 48*time.Hour),
		"not a token": "garbage",
	}
	for name, tok := range bad {
		r := d.srv.Client().Raw("POST", "/api/v1/widget/session", map[string]any{"site_key": d.site.PublicKey, "identity_token": tok})
		if r.Status != http.StatusUnauthorized {
			t.Errorf("%s identity token: %d %s", name, r.Status, r.Body)
		}
	}
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/sites/%d", d.site.ID), map[string]any{"require_identity": true}, http.StatusOK, nil)
	if r := d.srv.Client().Raw("POST", "/api/v1/widget/session", map[string]any{"site_key": d.site.PublicKey}); r.Status != http.StatusUnauthorized || r.ErrorCode() != "identity_required" {
		t.Fatalf("anonymous on an identity-only site: %d %s", r.Status, r.Body)
	}
	// Rotating the secret keeps the previous one for the grace period; a
	// second rotation retires the first secret at once.
	old := identityToken(t, d.site.Secret, "cust-42", time.Hour)
	d.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/secret", d.site.ID), nil, http.StatusOK, nil)
	if r := d.srv.Client().Raw("POST", "/api/v1/widget/session", map[string]any{"site_key": d.site.PublicKey, "identity_token": old}); r.Status != http.StatusOK {
		t.Fatalf("token signed with the previous secret during its grace: %d %s", r.Status, r.Body)
	}
	d.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/secret", d.site.ID), nil, http.StatusOK, nil)
	if r := d.srv.Client().Raw("POST", "/api/v1/widget/session", map[string]any{"site_key": d.site.PublicKey, "identity_token": old}); r.Status != http.StatusUnauthorized {
		t.Fatalf("token signed with a secret two rotations old: %d", r.Status)
	}
}

func TestRoutingLeastBusyThenIdleLongestThenFIFO(t *testing.T) {
	d := newDesk(t, 3, 2)
	for _, a := range d.agents {
		d.online(a)
	}
	var convs []testkit.SupportConversation
	var visitors []*testkit.Visitor
	for i := 0; i < 8; i++ {
		v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
		visitors = append(visitors, v)
		convs = append(convs, v.Open(nil))
	}
	a, b, c := d.agents[0].UserID, d.agents[1].UserID, d.agents[2].UserID
	want := []int64{a, b, c, a, b, c, 0, 0}
	for i, conv := range convs {
		if conv.AssigneeID() != want[i] {
			t.Fatalf("conversation %d went to %d, want %d (all: %+v)", i, conv.AssigneeID(), want[i], convs)
		}
	}
	if *convs[6].QueuePosition != 1 || *convs[7].QueuePosition != 2 {
		t.Fatalf("queue positions %d, %d", *convs[6].QueuePosition, *convs[7].QueuePosition)
	}
	ws := visitors[7].Dial()
	// Agent B resolves one: the oldest waiting conversation goes to B and
	// the last visitor moves up to position 1.
	d.agents[1].Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/resolve", convs[1].ID), nil, http.StatusOK, nil)
	if got := d.conversation(d.admin, convs[6].ID); got.AssigneeID() != b || got.Status != "assigned" {
		t.Fatalf("oldest waiting after a slot freed: %+v", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var f struct {
			Conversation testkit.SupportConversation `json:"conversation"`
		}
		ws.ReadType("conversation", time.Until(deadline)).Decode(t, &f)
		if f.Conversation.QueuePosition != nil && *f.Conversation.QueuePosition == 1 {
			break
		}
	}
	// An agent coming online takes the rest.
	d.admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": "late", "email": "late@example.com", "password": "password-late", "role": "agent", "verified": true}, http.StatusCreated, nil)
	late := d.srv.Login("late", "password-late")
	d.admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", d.queue, late.UserID), map[string]int{"capacity": 5}, http.StatusNoContent, nil)
	d.online(late)
	if got := d.conversation(d.admin, convs[7].ID); got.AssigneeID() != late.UserID {
		t.Fatalf("last waiting conversation went to %+v, want the agent who came online", got)
	}
}

func TestNotesNeverReachTheVisitor(t *testing.T) {
	d := newDesk(t, 1, 3)
	agent := d.agents[0]
	d.online(agent)
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv := v.Open(nil)
	vws, aws := v.Dial(), agent.Dial()
	vws.Send(map[string]any{"type": "send", "client_msg_id": "v1", "conversation_id": conv.ID, "body": "my order is late"})
	vws.ReadType("ack", 5*time.Second)
	var in struct {
		Message testkit.Message `json:"message"`
	}
	aws.ReadType("message", 5*time.Second).Decode(t, &in)
	if in.Message.Body != "my order is late" || in.Message.Sender.Kind != "visitor" {
		t.Fatalf("agent got %+v", in.Message)
	}
	agent.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/notes", conv.ID), map[string]string{"client_msg_id": "n1", "body": "VIP customer, refund quickly"}, http.StatusCreated, nil)
	agent.SendText(conv.ID, "a1", "Sorry! Refunding now.")
	var out struct {
		Message testkit.Message `json:"message"`
	}
	vws.ReadType("message", 5*time.Second).Decode(t, &out)
	if out.Message.Body != "Sorry! Refunding now." {
		t.Fatalf("the visitor's next message frame was %+v: a note leaked", out.Message)
	}
	for _, m := range v.History(conv.ID, "after_seq=0").Items {
		if m.Kind == "note" || strings.Contains(m.Body, "VIP") {
			t.Fatalf("the visitor's history holds a note: %+v", m)
		}
	}
	agentView := bodiesOf(agent.History(conv.ID, "after_seq=0"))
	if !strings.Contains(agentView, "note:VIP customer") {
		t.Fatalf("agent history lacks the note:\n%s", agentView)
	}
	if r := v.Raw("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", conv.ID), map[string]string{"client_msg_id": "x", "kind": "note", "body": "sneaky"}); r.Status != http.StatusBadRequest {
		t.Fatalf("visitor writing a note: %d", r.Status)
	}
	// The agent's next reply is the visitor's next message frame: the
	// refused note sent none before it.
	agent.SendText(conv.ID, "a2", "Refund sent.")
	vws.ReadType("message", 5*time.Second).Decode(t, &out)
	if out.Message.Body != "Refund sent." {
		t.Fatalf("the visitor's next message frame was %+v, want the agent's reply", out.Message)
	}
}

func bodiesOf(p testkit.MessagePage) string {
	var b []string
	for _, m := range p.Items {
		b = append(b, m.Kind+":"+m.Body)
	}
	return strings.Join(b, "\n")
}

func TestVisitorLeavesAnEmailWhenNobodyIsOnline(t *testing.T) {
	d := newDesk(t, 1, 1)
	v, sess := d.srv.NewVisitor(d.site.PublicKey, nil)
	if sess.Site.Online {
		t.Fatal("the site says someone is online with every agent offline")
	}
	var got struct {
		Email string `json:"email"`
	}
	v.Do("PATCH", "/api/v1/widget/visitor", map[string]string{"email": "Me@Example.com"}, http.StatusOK, &got)
	if got.Email != "me@example.com" {
		t.Fatalf("stored e-mail %q", got.Email)
	}
	if r := v.Raw("PATCH", "/api/v1/widget/visitor", map[string]string{"email": "not an address"}); r.Status != http.StatusBadRequest {
		t.Fatalf("bad e-mail: %d", r.Status)
	}
	d.online(d.agents[0])
	if _, sess := d.srv.NewVisitor(d.site.PublicKey, nil); !sess.Site.Online {
		t.Fatal("the site says nobody is online with an agent online")
	}
}

func TestAgentStatusReadsBackAndSitesNameTheirAgents(t *testing.T) {
	d := newDesk(t, 1, 2)
	a := d.agents[0]
	var st struct {
		Status string `json:"status"`
	}
	a.Do("GET", "/api/v1/agent/status", nil, http.StatusOK, &st)
	if st.Status != "offline" {
		t.Fatalf("status before choosing: %q", st.Status)
	}
	d.online(a)
	a.Do("GET", "/api/v1/agent/status", nil, http.StatusOK, &st)
	if st.Status != "online" {
		t.Fatalf("status after choosing online: %q", st.Status)
	}
	var s struct {
		Queues []struct {
			Agents []struct {
				UserID int64  `json:"user_id"`
				Name   string `json:"name"`
				Status string `json:"status"`
			} `json:"agents"`
		} `json:"queues"`
	}
	d.admin.Do("GET", fmt.Sprintf("/api/v1/sites/%d", d.site.ID), nil, http.StatusOK, &s)
	if ag := s.Queues[0].Agents[0]; ag.UserID != a.UserID || ag.Name != "Agent 0" || ag.Status != "online" {
		t.Fatalf("queue agent %+v", ag)
	}
	// Admins hear about conversations even outside every queue.
	ws := d.admin.Dial()
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	conv := v.Open(nil)
	var f struct {
		Conversation testkit.SupportConversation `json:"conversation"`
	}
	ws.ReadType("conversation", 5*time.Second).Decode(t, &f)
	if f.Conversation.ID != conv.ID {
		t.Fatalf("admin frame %+v", f.Conversation)
	}
}
