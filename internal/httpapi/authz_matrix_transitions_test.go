package httpapi_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

// transitionProbes are what the subject does in the support conversation
// assigned to them, in the order of the expectations of authzTransitions:
// read its history (private notes included), load it, write to the
// visitor, write a note, move their read mark, find it in their
// conversation list and in the inbox of their sites, send over their
// socket, and hear the visitor's next message on a socket of theirs on the
// other node.
var transitionProbes = []string{"history", "get", "send", "note", "read", "listed", "inbox", "ws_send", "ws_hears"}

// before is what every subject may do while assigned the conversation.
const before = "200 200 201 201 204 yes yes ack yes"

// authzTransitions says what each role may do in a support conversation
// assigned to them after a change made by an admin on the other node. An
// admin keeps every site without a queue; whoever a conversation was
// transferred away from reads it still (they serve its site) but writes
// to the visitor no more; a disabled account's credentials all fail.
var authzTransitions = []struct {
	role, change, after string
}{
	{"agent", "demotion", "404 404 404 403 404 no no conversation_not_found no"},
	{"agent", "queue_removal", "404 404 404 403 404 no no conversation_not_found no"},
	{"agent", "transfer", "200 200 403 201 204 yes yes not_assignee yes"},
	{"agent", "disabling", "401 401 401 401 401 no no - -"},
	{"admin", "demotion", "404 404 404 403 404 no no conversation_not_found no"},
	{"admin", "queue_removal", before},
	{"admin", "transfer", "200 200 403 201 204 yes yes not_assignee yes"},
	{"admin", "disabling", "401 401 401 401 401 no no - -"},
}

// TestAuthorizationTransitions checks that access to a support
// conversation follows the subject's current role, queues and assignment:
// each role is probed before and after a demotion, a removal from the
// queue, a transfer away and a disabling. The subject's socket is on the
// other node of a two-node deployment, so "at once, on every node" is
// what is tested; sockets of a demoted or disabled account close with
// 4001, and a ticket minted before a disabling opens nothing.
func TestAuthorizationTransitions(t *testing.T) {
	nodes := testkit.StartCluster(t, 2, testkit.WithConfig(func(c *config.Config) {
		c.LoginLimitPerIP, c.LoginLimitPerAccount, c.RegisterLimitPerIP = 100000, 100000, 100000
		liftNewLimits(c)
	}))
	a, b := nodes[0], nodes[1]
	admin := a.Setup()
	var site siteView
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Acme"}, http.StatusCreated, &site)
	pal := a.NewUser(admin, "pal")
	colleague := newStaff(t, a, admin, "colleague", "agent")

	for i, tc := range authzTransitions {
		t.Run(tc.role+"/"+tc.change, func(t *testing.T) {
			var q struct {
				ID int64 `json:"id"`
			}
			admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/queues", site.ID), map[string]string{"name": fmt.Sprintf("q%d", i)}, http.StatusCreated, &q)
			subject := newStaff(t, a, admin, fmt.Sprintf("%s%d", tc.role, i), tc.role)
			admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", q.ID, subject.UserID), map[string]int{"capacity": 5}, http.StatusNoContent, nil)
			subject.Do("PUT", "/api/v1/agent/status", map[string]string{"status": "online"}, http.StatusOK, nil)
			visitor, _ := a.NewVisitor(site.PublicKey, nil)
			conv := visitor.Open(map[string]any{"queue_id": q.ID})
			if conv.AssigneeID() != subject.UserID {
				t.Fatalf("conversation routed to %d, want the subject %d", conv.AssigneeID(), subject.UserID)
			}
			admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", q.ID, colleague.UserID), map[string]int{"capacity": 100}, http.StatusNoContent, nil)
			a.MakeFriends(pal, subject)
			dm := pal.OpenDirect(subject.UserID).ID
			p := &prober{t: t, subject: subject, remote: subject.On(b), visitor: visitor, pal: pal, dm: dm, conv: conv.ID}
			p.ws = p.remote.Dial()

			if got := p.run(); got != before {
				t.Fatalf("before the %s: %s, want %s", tc.change, got, before)
			}
			staleTicket := p.remote.Ticket()
			switch tc.change {
			case "demotion":
				admin.Do("PATCH", fmt.Sprintf("/api/v1/admin/users/%d", subject.UserID), map[string]string{"role": "user"}, http.StatusOK, nil)
				expectRevoked(t, p.ws)
				p.ws = p.remote.Dial() // the token stays good for a plain user
			case "queue_removal":
				admin.Do("DELETE", fmt.Sprintf("/api/v1/queues/%d/agents/%d", q.ID, subject.UserID), nil, http.StatusNoContent, nil)
			case "transfer":
				admin.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/transfer", conv.ID), map[string]any{"agent_id": colleague.UserID}, http.StatusOK, nil)
			case "disabling":
				admin.Do("PATCH", fmt.Sprintf("/api/v1/admin/users/%d", subject.UserID), map[string]bool{"disabled": true}, http.StatusOK, nil)
				expectRevoked(t, p.ws)
				if _, resp, err := p.remote.DialRaw(staleTicket, nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("a ticket minted before the disabling: %v %v, want 401", err, resp)
				}
				p.ws = nil
			}
			if got := p.run(); got != tc.after {
				t.Errorf("after the %s: %s, want %s (probes: %s)", tc.change, got, tc.after, strings.Join(transitionProbes, " "))
			}
		})
	}
}

// newStaff creates a verified account of role and signs it in.
func newStaff(t *testing.T, srv *testkit.Server, admin *testkit.Client, name, role string) *testkit.Client {
	t.Helper()
	admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": name, "email": name + "@example.com",
		"password": "password-" + name, "role": role, "verified": true}, http.StatusCreated, nil)
	c := srv.Login(name, "password-"+name)
	c.Do("PUT", "/api/v1/agent/status", map[string]string{"status": "online"}, http.StatusOK, nil)
	return c
}

// prober runs the transition probes for one subject.
type prober struct {
	t               *testing.T
	subject, remote *testkit.Client // remote: the same account on the other node
	visitor         *testkit.Visitor
	pal             *testkit.Client // a friend whose direct messages mark the end of a wait
	dm, conv        int64
	ws              *testkit.WS
	n               int
}

func (p *prober) uniq() string {
	p.n++
	return fmt.Sprintf("p%d", p.n)
}

// run answers every probe, space-separated, in the order of transitionProbes.
func (p *prober) run() string {
	path := fmt.Sprintf("/api/v1/conversations/%d", p.conv)
	out := []string{
		status(p.subject.Raw("GET", path+"/messages", nil)),
		status(p.subject.Raw("GET", path, nil)),
		status(p.subject.Raw("POST", path+"/messages", map[string]string{"client_msg_id": p.uniq(), "body": "hello"})),
		status(p.subject.Raw("POST", fmt.Sprintf("/api/v1/support/conversations/%d/notes", p.conv), map[string]string{"client_msg_id": p.uniq(), "body": "note"})),
		status(p.subject.Raw("POST", path+"/read", map[string]int{"seq": 1})),
		p.listed("/api/v1/conversations"),
		p.listed("/api/v1/agent/conversations?view=all"),
		p.wsSend(),
		p.hears(),
	}
	return strings.Join(out, " ")
}

func status(r *testkit.Response) string { return fmt.Sprint(r.Status) }

// listed tells whether a list the subject fetches holds the conversation.
func (p *prober) listed(path string) string {
	var list struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if r := p.subject.Raw("GET", path, nil); r.Status != http.StatusOK {
		return "no"
	} else {
		r.JSON(p.t, &list)
	}
	for _, c := range list.Items {
		if c.ID == p.conv {
			return "yes"
		}
	}
	return "no"
}

// wsSend posts over the socket and answers "ack" or the error frame's code.
func (p *prober) wsSend() string {
	if p.ws == nil {
		return "-"
	}
	id := p.uniq()
	p.ws.Send(map[string]any{"type": "send", "client_msg_id": id, "conversation_id": p.conv, "kind": "text", "body": "over the socket"})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		f := p.ws.Read(time.Until(deadline))
		if f["client_msg_id"] != id {
			continue
		}
		if f.Type() == "ack" {
			return "ack"
		}
		if code, _ := f["code"].(string); f.Type() == "error" {
			return code
		}
	}
	p.t.Fatalf("no answer to the socket's send %s", id)
	return ""
}

// hears has the visitor write and then the pal: frames are delivered in
// the order they were published, so once the pal's message arrives the
// visitor's would have arrived before it, had the subject been told.
func (p *prober) hears() string {
	if p.ws == nil {
		return "-"
	}
	word, mark := "visitor-"+p.uniq(), "pal-"+p.uniq()
	p.visitor.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", p.conv), map[string]string{"client_msg_id": word, "body": word}, http.StatusCreated, nil)
	p.pal.SendText(p.dm, mark, mark)
	heard := "no"
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		f := p.ws.Read(time.Until(deadline))
		if f.Type() != "message" {
			continue
		}
		m, _ := f["message"].(map[string]any)
		switch m["body"] {
		case word:
			heard = "yes"
		case mark:
			return heard
		}
	}
	p.t.Fatalf("the pal's message %s never arrived", mark)
	return ""
}

// expectRevoked reads until the server closes the socket and checks that
// it did with 4001.
func expectRevoked(t *testing.T, ws *testkit.WS) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		_, err := ws.TryRead(time.Until(deadline))
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != 4001 {
			t.Fatalf("socket ended with %v, want close code 4001", err)
		}
		return
	}
	t.Fatal("socket still open")
}
