package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

// roles are the callers every route is tried as, in the order of the
// columns of authzMatrix.
var roles = []string{"anonymous", "visitor", "other_visitor", "user", "other_user", "other_site_agent", "agent", "admin"}

// TestAuthorizationMatrix calls every route of the OpenAPI document as
// every role and checks each answer against authzMatrix. Objects named by
// path parameters belong to "user", "visitor" or the site "agent" works
// for; fixtures that a call may change or delete are made afresh for
// every call. A documented route without a row fails the test, and so
// does a row whose route is no longer documented.
//
// Set PARLEY_AUTHZ_PRINT=1 to log the answers as rows ready to paste.
func TestAuthorizationMatrix(t *testing.T) {
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) {
		// Fixtures sign many accounts in from one address; the limits
		// themselves are tested in ratelimit_test.go.
		c.LoginLimitPerIP, c.LoginLimitPerAccount, c.RegisterLimitPerIP = 100000, 100000, 100000
		liftNewLimits(c)
	}))
	w := newWorld(t, srv)

	documented := documentedRoutes(t, srv)
	var missing, stale []string
	for _, r := range documented {
		if _, ok := authzMatrix[r]; !ok {
			missing = append(missing, r)
		}
	}
	for r := range authzMatrix {
		if !contains(documented, r) {
			stale = append(stale, r)
		}
	}
	sort.Strings(stale)
	print := os.Getenv("PARLEY_AUTHZ_PRINT") != ""
	if (len(missing) > 0 || len(stale) > 0) && !print {
		t.Fatalf("routes without a row in authzMatrix: %v\nrows for routes no longer documented: %v", missing, stale)
	}

	checked := 0
	var rows []string
	for _, route := range documented {
		row, ok := authzMatrix[route]
		if !ok && !print {
			continue
		}
		method, path, _ := strings.Cut(route, " ")
		want := strings.Fields(row.expect)
		if ok && len(want) != len(roles) && !print {
			t.Errorf("%s: %d expectations for %d roles", route, len(want), len(roles))
			continue
		}
		got := make([]string, len(roles))
		for i, role := range roles {
			vars := w.vars(row.fixture)
			p, req := fill(path, vars), fill(row.req, vars)
			var r *testkit.Response
			switch {
			case req == "@upload":
				body, ct := pngUpload(t)
				r = w.as(role).Raw(method, p, body, "Content-Type", ct)
			case strings.HasPrefix(req, "?"):
				r = w.as(role).Raw(method, p+req, nil)
			case req == "":
				r = w.as(role).Raw(method, p, nil)
			default:
				r = w.as(role).Raw(method, p, req)
			}
			got[i] = strconv.Itoa(r.Status)
			if route == "POST /api/v1/auth/logout-all" && r.Status < 300 {
				w.signInAgain(role) // signing out everywhere ended the role's access token
			}
			checked++
			if ok && len(want) == len(roles) && !statusMatches(want[i], r.Status) {
				t.Errorf("%s as %s (%s): %d %s, want %s", route, role, p, r.Status, truncate(r.Body), want[i])
			}
			if r.Status >= 500 {
				t.Errorf("%s as %s: %d %s", route, role, r.Status, r.Body)
			}
		}
		if print {
			rows = append(rows, fmt.Sprintf("\t%q: {%q, %q, %q},", route, row.fixture, row.req, strings.Join(got, " ")))
		}
	}
	if print {
		t.Logf("rows:\n%s", strings.Join(rows, "\n"))
	}
	t.Logf("authorisation matrix: %d routes × %d roles = %d calls checked", len(documented), len(roles), checked)
}

// statusMatches accepts an exact status ("404"), a class ("2xx") or
// alternatives ("403|404").
func statusMatches(want string, got int) bool {
	for _, alt := range strings.Split(want, "|") {
		if alt == strconv.Itoa(got) || (len(alt) == 3 && strings.HasSuffix(alt, "xx") && alt[0] == strconv.Itoa(got)[0]) {
			return true
		}
	}
	return false
}

func documentedRoutes(t *testing.T, srv *testkit.Server) []string {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	srv.Client().Do("GET", "/api/openapi.json", nil, http.StatusOK, &doc)
	var out []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method != "parameters" {
				out = append(out, strings.ToUpper(method)+" "+path)
			}
		}
	}
	sort.Strings(out)
	return out
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// fill replaces {name} with vars[name].
func fill(s string, vars map[string]string) string {
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

func pngUpload(t *testing.T) ([]byte, string) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var pic, buf bytes.Buffer
	if err := png.Encode(&pic, img); err != nil {
		t.Fatal(err)
	}
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "dot.png")
	fw.Write(pic.Bytes())
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// world is the seeded deployment the matrix runs against: two sites, an
// agent of each, two users, two visitors of site A and the admin.
type world struct {
	t                       *testing.T
	srv                     *testkit.Server
	admin, alice, eve, bob  *testkit.Client
	agent, agentB           *testkit.Client
	visitor, visitor2       *testkit.Visitor
	siteA, siteB            int64
	siteKey                 string
	queueA, queueA2, queueB int64
	direct                  int64
	n                       int
}

type siteView struct {
	ID        int64  `json:"id"`
	PublicKey string `json:"public_key"`
	Queues    []struct {
		ID int64 `json:"id"`
	} `json:"queues"`
}

func newWorld(t *testing.T, srv *testkit.Server) *world {
	w := &world{t: t, srv: srv, admin: srv.Setup()}
	w.alice, w.eve, w.bob = srv.NewUser(w.admin, "alice"), srv.NewUser(w.admin, "eve"), srv.NewUser(w.admin, "bob")
	srv.MakeFriends(w.alice, w.bob)
	w.direct = w.alice.OpenDirect(w.bob.UserID).ID
	w.admin.Do("POST", fmt.Sprintf("/api/v1/admin/wallets/%d/credit", w.alice.UserID), map[string]any{"amount_cents": 1000000}, http.StatusCreated, nil)

	var a, b siteView
	w.admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Acme"}, http.StatusCreated, &a)
	w.admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Other"}, http.StatusCreated, &b)
	w.siteA, w.siteKey, w.queueA, w.siteB, w.queueB = a.ID, a.PublicKey, a.Queues[0].ID, b.ID, b.Queues[0].ID
	var q2 struct {
		ID int64 `json:"id"`
	}
	w.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/queues", w.siteA), map[string]string{"name": "Sales"}, http.StatusCreated, &q2)
	w.queueA2 = q2.ID
	w.agent, w.agentB = w.newAgent("agent", w.queueA), w.newAgent("agentb", w.queueB)
	w.admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", w.queueA2, w.agent.UserID), map[string]int{"capacity": 100}, http.StatusNoContent, nil)
	w.visitor, _ = srv.NewVisitor(w.siteKey, nil)
	w.visitor2, _ = srv.NewVisitor(w.siteKey, nil)
	w.visitor2.Open(nil)
	return w
}

func (w *world) newAgent(name string, queue int64) *testkit.Client {
	w.admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": name, "email": name + "@example.com",
		"password": "password-" + name, "role": "agent", "verified": true}, http.StatusCreated, nil)
	a := w.srv.Login(name, "password-"+name)
	w.admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", queue, a.UserID), map[string]int{"capacity": 100}, http.StatusNoContent, nil)
	a.Do("PUT", "/api/v1/agent/status", map[string]string{"status": "online"}, http.StatusOK, nil)
	return a
}

// signInAgain gives a role's client a new session in place, so that every
// fixture holding it goes on working.
func (w *world) signInAgain(role string) {
	c := w.as(role)
	password := "password-" + c.Username
	if c == w.admin {
		password = "admin-password"
	}
	*c = *w.srv.Login(c.Username, password)
}

func (w *world) as(role string) *testkit.Client {
	switch role {
	case "visitor":
		return w.visitor.Client
	case "other_visitor":
		return w.visitor2.Client
	case "user":
		return w.alice
	case "other_user":
		return w.eve
	case "other_site_agent":
		return w.agentB
	case "agent":
		return w.agent
	case "admin":
		return w.admin
	}
	return w.srv.Client()
}

// vars returns the placeholders of a call: those every call has and
// those of the named fixture, made afresh.
func (w *world) vars(fixture string) map[string]string {
	w.n++
	v := map[string]string{
		"uniq": fmt.Sprintf("u%d", w.n), "base": w.srv.URL, "site_key": w.siteKey,
		"alice": id(w.alice.UserID), "bob": id(w.bob.UserID), "agent_id": id(w.agent.UserID),
		"queue2": id(w.queueA2),
	}
	if fixture == "" {
		return v
	}
	f, ok := fixtures[fixture]
	if !ok {
		w.t.Fatalf("no fixture %q", fixture)
	}
	for k, x := range f(w) {
		v[k] = x
	}
	return v
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// stranger creates a fresh verified user and signs them in.
func (w *world) stranger() *testkit.Client {
	w.n++
	return w.srv.NewUser(w.admin, fmt.Sprintf("stranger%d", w.n))
}

// group creates a fresh open group owned by user with bob as a member.
func (w *world) group(policy string) (groupID, number, convID int64) {
	var g struct {
		ID             int64 `json:"id"`
		Number         int64 `json:"number"`
		ConversationID int64 `json:"conversation_id"`
	}
	w.alice.Do("POST", "/api/v1/groups", map[string]string{"name": "Team", "join_policy": "open"}, http.StatusCreated, &g)
	w.bob.Do("POST", "/api/v1/groups/join", map[string]any{"number": g.Number}, http.StatusOK, nil)
	if policy != "open" {
		w.alice.Do("PATCH", fmt.Sprintf("/api/v1/groups/%d", g.ID), map[string]string{"join_policy": policy}, http.StatusOK, nil)
	}
	return g.ID, g.Number, g.ConversationID
}

// support returns the visitor's open conversation on site A (assigned to
// the agent), opening one when the last was resolved.
func (w *world) support() int64 {
	r := w.visitor.Raw("POST", "/api/v1/widget/conversations", map[string]any{})
	if r.Status != http.StatusCreated && r.Status != http.StatusOK {
		w.t.Fatalf("open support conversation: %d %s", r.Status, r.Body)
	}
	var out struct {
		Conversation testkit.SupportConversation `json:"conversation"`
	}
	r.JSON(w.t, &out)
	if out.Conversation.Status == "resolved" {
		w.agent.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/reopen", out.Conversation.ID), nil, http.StatusOK, nil)
	}
	return out.Conversation.ID
}

func (w *world) webhook() int64 {
	var h struct {
		ID int64 `json:"id"`
	}
	w.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/webhooks", w.siteA), map[string]any{"url": "https://hooks.example/parley"}, http.StatusCreated, &h)
	return h.ID
}

// bot adds a bot to a site of its own (a site has at most ten bots, and
// every role of every bot route gets a fresh one).
func (w *world) bot() int64 {
	var site, b struct {
		ID int64 `json:"id"`
	}
	w.admin.Do("POST", "/api/v1/sites", map[string]string{"name": fmt.Sprintf("Bots %d", w.n)}, http.StatusCreated, &site)
	w.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/bots", site.ID), map[string]any{"name": "Robo", "webhook_url": "https://hooks.example/bot"}, http.StatusCreated, &b)
	return b.ID
}

type fixture func(w *world) map[string]string

// fixtures make the objects path parameters point at. Each returns the
// placeholders it fills.
var fixtures = map[string]fixture{
	"direct":      func(w *world) map[string]string { return map[string]string{"id": id(w.direct)} },
	"site_public": func(w *world) map[string]string { return map[string]string{"key": w.siteKey} },
	"message": func(w *world) map[string]string {
		m := w.alice.SendText(w.direct, fmt.Sprintf("m%d", w.n), "hello")
		return map[string]string{"id": id(m.ID)}
	},
	"stranger": func(w *world) map[string]string {
		return map[string]string{"user_id": id(w.stranger().UserID)}
	},
	"friend": func(w *world) map[string]string {
		s := w.stranger()
		w.srv.MakeFriends(w.alice, s)
		return map[string]string{"user_id": id(s.UserID)}
	},
	"incoming_request": func(w *world) map[string]string {
		var fr struct {
			ID int64 `json:"id"`
		}
		w.stranger().Do("POST", "/api/v1/friend-requests", map[string]any{"user_id": w.alice.UserID}, http.StatusCreated, &fr)
		return map[string]string{"id": id(fr.ID)}
	},
	"outgoing_request": func(w *world) map[string]string {
		var fr struct {
			ID int64 `json:"id"`
		}
		w.alice.Do("POST", "/api/v1/friend-requests", map[string]any{"user_id": w.stranger().UserID}, http.StatusCreated, &fr)
		return map[string]string{"id": id(fr.ID)}
	},
	"category": func(w *world) map[string]string {
		var c struct {
			ID int64 `json:"id"`
		}
		w.alice.Do("POST", "/api/v1/friend-categories", map[string]string{"name": fmt.Sprintf("c%d", w.n)}, http.StatusCreated, &c)
		return map[string]string{"id": id(c.ID)}
	},
	"add_code": func(w *world) map[string]string {
		var l struct {
			Code string `json:"code"`
		}
		w.alice.Do("GET", "/api/v1/me/add-link", nil, http.StatusOK, &l)
		return map[string]string{"code": l.Code}
	},
	"group": func(w *world) map[string]string {
		g, number, conv := w.group("open")
		return map[string]string{"id": id(g), "number": id(number), "conv": id(conv), "user_id": id(w.bob.UserID)}
	},
	"group_conversation": func(w *world) map[string]string {
		_, _, conv := w.group("open")
		return map[string]string{"id": id(conv)}
	},
	"join_request": func(w *world) map[string]string {
		g, number, _ := w.group("approval")
		var jr struct {
			ID int64 `json:"id"`
		}
		r := w.stranger().Raw("POST", "/api/v1/groups/join", map[string]any{"number": number})
		if r.Status != http.StatusAccepted && r.Status != http.StatusOK && r.Status != http.StatusCreated {
			w.t.Fatalf("join request: %d %s", r.Status, r.Body)
		}
		var list struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		w.alice.Do("GET", fmt.Sprintf("/api/v1/groups/%d/join-requests", g), nil, http.StatusOK, &list)
		if len(list.Items) == 0 {
			w.t.Fatalf("no join request: %s", r.Body)
		}
		jr.ID = list.Items[0].ID
		return map[string]string{"id": id(g), "request_id": id(jr.ID)}
	},
	"invite": func(w *world) map[string]string {
		g, _, _ := w.group("open")
		var inv struct {
			Token string `json:"token"`
		}
		w.alice.Do("POST", fmt.Sprintf("/api/v1/groups/%d/invites", g), map[string]any{}, http.StatusCreated, &inv)
		return map[string]string{"id": id(g), "token": inv.Token}
	},
	"red_packet": func(w *world) map[string]string {
		_, _, conv := w.group("open")
		var rp struct {
			RedPacket struct {
				ID int64 `json:"id"`
			} `json:"red_packet"`
			ID int64 `json:"id"`
		}
		w.alice.Do("POST", fmt.Sprintf("/api/v1/conversations/%d/red-packets", conv), map[string]any{
			"total_cents": 100, "count": 2, "kind": "lucky", "client_msg_id": fmt.Sprintf("rp%d", w.n)}, http.StatusCreated, &rp)
		if rp.RedPacket.ID != 0 {
			rp.ID = rp.RedPacket.ID
		}
		return map[string]string{"id": id(rp.ID)}
	},
	"upload": func(w *world) map[string]string {
		body, ct := pngUpload(w.t)
		var a struct {
			ID int64 `json:"id"`
		}
		r := w.alice.Raw("POST", "/api/v1/uploads", body, "Content-Type", ct)
		r.JSON(w.t, &a)
		return map[string]string{"id": id(a.ID)}
	},
	"visitor_upload": func(w *world) map[string]string {
		body, ct := pngUpload(w.t)
		var a struct {
			ID int64 `json:"id"`
		}
		r := w.visitor.Raw("POST", "/api/v1/uploads", body, "Content-Type", ct)
		r.JSON(w.t, &a)
		return map[string]string{"id": id(a.ID)}
	},
	"site": func(w *world) map[string]string { return map[string]string{"id": id(w.siteA)} },
	"queue": func(w *world) map[string]string {
		return map[string]string{"id": id(w.queueA), "user_id": id(w.agent.UserID)}
	},
	"credit":  func(w *world) map[string]string { return map[string]string{"user_id": id(w.alice.UserID)} },
	"support": func(w *world) map[string]string { return map[string]string{"id": id(w.support())} },
	"support_resolved": func(w *world) map[string]string {
		c := w.support()
		w.agent.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/resolve", c), nil, http.StatusOK, nil)
		return map[string]string{"id": id(c)}
	},
	"webhook": func(w *world) map[string]string { return map[string]string{"id": id(w.webhook())} },
	"bot":     func(w *world) map[string]string { return map[string]string{"id": id(w.bot())} },
	"automation_rule": func(w *world) map[string]string {
		var r struct {
			ID int64 `json:"id"`
		}
		w.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/automation-rules", w.siteA), map[string]any{"name": fmt.Sprintf("rule%d", w.n),
			"trigger": map[string]string{"type": "conversation_created"}, "actions": []map[string]string{{"type": "resolve"}}}, http.StatusCreated, &r)
		return map[string]string{"id": id(r.ID)}
	},
	"push_subscription": func(w *world) map[string]string {
		var sub struct {
			ID int64 `json:"id"`
		}
		w.alice.Do("POST", "/api/v1/push/subscriptions", map[string]any{"endpoint": fmt.Sprintf("https://push.example/alice%d", w.n),
			"keys": map[string]string{"p256dh": pushPoint, "auth": "AAECAwQFBgcICQoLDA0ODw"}}, http.StatusCreated, &sub)
		return map[string]string{"id": id(sub.ID)}
	},
	"visitor": func(w *world) map[string]string { return map[string]string{"id": id(w.visitor.VisitorID)} },
	"visitor_pair": func(w *world) map[string]string {
		a, _ := w.srv.NewVisitor(w.siteKey, nil)
		b, _ := w.srv.NewVisitor(w.siteKey, nil)
		return map[string]string{"id": id(a.VisitorID), "from": id(b.VisitorID)}
	},
	"team": func(w *world) map[string]string {
		return map[string]string{"id": id(w.team(false)), "user_id": id(w.agent.UserID)}
	},
	"team_member": func(w *world) map[string]string {
		return map[string]string{"id": id(w.team(true)), "user_id": id(w.agent.UserID)}
	},
	"managed_user": func(w *world) map[string]string { return map[string]string{"id": id(w.stranger().UserID)} },
	"fresh_site": func(w *world) map[string]string {
		var s siteView
		w.admin.Do("POST", "/api/v1/sites", map[string]string{"name": fmt.Sprintf("s%d", w.n)}, http.StatusCreated, &s)
		return map[string]string{"id": id(s.ID)}
	},
	"fresh_queue": func(w *world) map[string]string {
		var q struct {
			ID int64 `json:"id"`
		}
		w.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/queues", w.siteA), map[string]string{"name": fmt.Sprintf("q%d", w.n)}, http.StatusCreated, &q)
		w.admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", q.ID, w.agent.UserID), map[string]int{"capacity": 1}, http.StatusNoContent, nil)
		return map[string]string{"id": id(q.ID), "user_id": id(w.agent.UserID)}
	},
	"label": func(w *world) map[string]string { return map[string]string{"id": id(w.label())} },
	"support_label": func(w *world) map[string]string {
		return map[string]string{"id": id(w.support()), "label": id(w.label())}
	},
	"canned": func(w *world) map[string]string {
		var c struct {
			ID int64 `json:"id"`
		}
		w.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/canned-responses", w.siteA), map[string]string{"shortcut": fmt.Sprintf("c%d", w.n), "body": "Thanks!"}, http.StatusCreated, &c)
		return map[string]string{"id": id(c.ID)}
	},
	"delivery": func(w *world) map[string]string {
		h := w.webhook()
		c := w.support()
		w.visitor.Do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", c), map[string]string{"client_msg_id": fmt.Sprintf("d%d", w.n), "body": "hi"}, http.StatusCreated, nil)
		var list struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		w.admin.Do("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", h), nil, http.StatusOK, &list)
		if len(list.Items) == 0 {
			w.t.Fatal("no webhook delivery")
		}
		return map[string]string{"id": id(list.Items[0].ID)}
	},
}

// label makes a fresh label.
func (w *world) label() int64 {
	var l struct {
		ID int64 `json:"id"`
	}
	w.admin.Do("POST", "/api/v1/labels", map[string]string{"name": fmt.Sprintf("label%d", w.n), "colour": "#336699"}, http.StatusCreated, &l)
	return l.ID
}

// team makes a fresh team, with the agent in it when withAgent.
func (w *world) team(withAgent bool) int64 {
	var t struct {
		ID int64 `json:"id"`
	}
	w.admin.Do("POST", "/api/v1/teams", map[string]string{"name": fmt.Sprintf("team%d", w.n)}, http.StatusCreated, &t)
	if withAgent {
		w.admin.Do("PUT", fmt.Sprintf("/api/v1/teams/%d/members/%d", t.ID, w.agent.UserID), nil, http.StatusOK, nil)
	}
	return t.ID
}
