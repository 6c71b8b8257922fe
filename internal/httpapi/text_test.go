package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

// badText is one way a string fails to be text: as it is written inside a
// JSON string and inside a URL.
var badText = []struct{ name, json, url string }{
	{"NUL", `\u0000`, "%00"},
	{"invalid UTF-8", "\xff\xfe", "%FF%FE"},
}

// textProbe sends {bad} in one field of one request and expects 400
// invalid_input naming field.
type textProbe struct {
	field  string
	as     *testkit.Client
	method string
	path   string // may hold {bad} (query and path parameters)
	body   string // JSON with {bad} inside one string, or "" for none
}

func TestEveryTextInputRefusesNULAndInvalidUTF8(t *testing.T) {
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) {
		c.LoginLimitPerIP, c.LoginLimitPerAccount, c.RegisterLimitPerIP = 1<<20, 1<<20, 1<<20
	}))
	admin := srv.Setup()
	ann := srv.NewUser(admin, "ann")
	var g struct {
		ID             int64 `json:"id"`
		ConversationID int64 `json:"conversation_id"`
	}
	ann.Do("POST", "/api/v1/groups", map[string]string{"name": "Ann's", "join_policy": "open"}, http.StatusCreated, &g)
	var site struct {
		ID        int64  `json:"id"`
		PublicKey string `json:"public_key"`
	}
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Shop"}, http.StatusCreated, &site)
	visitor, _ := srv.NewVisitor(site.PublicKey, nil)
	support := visitor.Open(nil)
	anyone := srv.Client()

	session := func(field string) string {
		b := map[string]string{"site_key": site.PublicKey, "page_url": srv.URL + "/demo", "referrer": "", "locale": "en"}
		b[field] += "{bad}"
		j, _ := json.Marshal(b)
		return string(j)
	}
	probes := []textProbe{
		{"username", anyone, "POST", "/api/v1/auth/register", `{"username":"zed{bad}","email":"zed@example.com","password":"a long passphrase"}`},
		{"email", anyone, "POST", "/api/v1/auth/register", `{"username":"zed","email":"zed{bad}@example.com","password":"a long passphrase"}`},
		{"nickname", anyone, "POST", "/api/v1/auth/register", `{"username":"zed","email":"zed@example.com","password":"a long passphrase","nickname":"Zed{bad}"}`},
		{"password", anyone, "POST", "/api/v1/auth/register", `{"username":"zed","email":"zed@example.com","password":"a long passphrase{bad}"}`},
		{"login", anyone, "POST", "/api/v1/auth/login", `{"login":"ann{bad}","password":"password-ann"}`},
		{"email", anyone, "POST", "/api/v1/auth/password-reset", `{"email":"ann{bad}@example.com"}`},
		{"nickname", ann, "PATCH", "/api/v1/me", `{"nickname":"Ann{bad}"}`},
		{"body", ann, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", g.ConversationID), `{"client_msg_id":"p1","kind":"text","body":"hi{bad}"}`},
		{"client_msg_id", ann, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", g.ConversationID), `{"client_msg_id":"p1{bad}","kind":"text","body":"hi"}`},
		{"greeting", ann, "POST", fmt.Sprintf("/api/v1/conversations/%d/red-packets", g.ConversationID), `{"total_cents":100,"count":1,"kind":"lucky","greeting":"Enjoy{bad}","client_msg_id":"r1"}`},
		{"name", ann, "POST", "/api/v1/groups", `{"name":"Club{bad}","join_policy":"open"}`},
		{"announcement", ann, "PATCH", fmt.Sprintf("/api/v1/groups/%d", g.ID), `{"announcement":"Hello{bad}"}`},
		{"name", ann, "POST", "/api/v1/friend-categories", `{"name":"Work{bad}"}`},
		{"name", admin, "POST", "/api/v1/sites", `{"name":"Shop{bad}"}`},
		{"greeting", admin, "PATCH", fmt.Sprintf("/api/v1/sites/%d", site.ID), `{"greeting":"Hi{bad}"}`},
		{"allowed_origins[0]", admin, "PATCH", fmt.Sprintf("/api/v1/sites/%d", site.ID), `{"allowed_origins":["https://shop.example{bad}"]}`},
		{"prechat_fields[0].label", admin, "PATCH", fmt.Sprintf("/api/v1/sites/%d", site.ID), `{"prechat_fields":[{"name":"email","label":"E-mail{bad}","type":"email","required":true}]}`},
		{"body", admin, "POST", fmt.Sprintf("/api/v1/sites/%d/canned-responses", site.ID), `{"shortcut":"hi","body":"Hello{bad}"}`},
		{"body", admin, "POST", fmt.Sprintf("/api/v1/support/conversations/%d/notes", support.ID), `{"client_msg_id":"n1","body":"note{bad}"}`},
		{"username", admin, "POST", "/api/v1/admin/users", `{"username":"zed{bad}","email":"zed@example.com","password":"a long passphrase","role":"user"}`},
		{"page_url", anyone, "POST", "/api/v1/widget/session", session("page_url")},
		{"referrer", anyone, "POST", "/api/v1/widget/session", session("referrer")},
		{"locale", anyone, "POST", "/api/v1/widget/session", session("locale")},
		{"name", visitor.Client, "PATCH", "/api/v1/widget/visitor", `{"name":"Vi{bad}"}`},
		{"email", visitor.Client, "PATCH", "/api/v1/widget/visitor", `{"email":"vi{bad}@example.com"}`},
		{"prechat.email", visitor.Client, "POST", "/api/v1/widget/conversations", `{"prechat":{"email":"vi{bad}@example.com"}}`},
		{"body", visitor.Client, "POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", support.ID), `{"client_msg_id":"v1","body":"hello{bad}"}`},
		{"comment", visitor.Client, "POST", fmt.Sprintf("/api/v1/widget/conversations/%d/rating", support.ID), `{"score":5,"comment":"great{bad}"}`},
		{"q", ann, "GET", "/api/v1/users/search?q=an{bad}", ""},
		{"q", admin, "GET", "/api/v1/admin/users?q=an{bad}", ""},
		{"q", admin, "GET", "/api/v1/agent/conversations?q=an{bad}", ""},
		{"action", admin, "GET", "/api/v1/admin/audit-log?action=x{bad}", ""},
		{"token", ann, "GET", "/api/v1/invites/inv{bad}", ""},
		{"code", ann, "GET", "/api/v1/add/code{bad}", ""},
	}
	probed, refused := 0, 0
	for _, p := range probes {
		for _, bad := range badText {
			t.Run(p.method+" "+strings.SplitN(p.path, "?", 2)[0]+" "+p.field+" "+bad.name, func(t *testing.T) {
				probed++
				var body any
				if p.body != "" {
					body = strings.Replace(p.body, "{bad}", bad.json, 1)
				}
				r := p.as.Raw(p.method, strings.Replace(p.path, "{bad}", bad.url, 1), body)
				if r.Status != http.StatusBadRequest || r.ErrorCode() != "invalid_input" || !namesField(r.Body, p.field) {
					t.Fatalf("answered %d %s, want 400 invalid_input naming %q", r.Status, r.Body, p.field)
				}
				refused++
			})
		}
	}

	// Frames: a send naming the bad field gets an error frame and the
	// socket stays open for the next, good send.
	frames := []struct {
		field string
		ws    *testkit.WS
		frame string
	}{
		{"body", ann.Dial(), fmt.Sprintf(`{"type":"send","client_msg_id":"w1","conversation_id":%d,"kind":"text","body":"hi{bad}"}`, g.ConversationID)},
		{"client_msg_id", ann.Dial(), fmt.Sprintf(`{"type":"send","client_msg_id":"w1{bad}","conversation_id":%d,"kind":"text","body":"hi"}`, g.ConversationID)},
		{"kind", ann.Dial(), fmt.Sprintf(`{"type":"send","client_msg_id":"w1","conversation_id":%d,"kind":"text{bad}","body":"hi"}`, g.ConversationID)},
		{"body", visitor.Dial(), fmt.Sprintf(`{"type":"send","client_msg_id":"w1","conversation_id":%d,"body":"hi{bad}"}`, support.ID)},
	}
	for i, f := range frames {
		for _, bad := range badText {
			t.Run(fmt.Sprintf("frame %d send %s %s", i, f.field, bad.name), func(t *testing.T) {
				probed++
				f.ws.Send(strings.Replace(f.frame, "{bad}", bad.json, 1))
				e := f.ws.ReadType("error", 5*time.Second)
				details, _ := e["details"].(map[string]any)
				if e["code"] != "invalid_input" || details[f.field] == nil {
					t.Fatalf("error frame %v, want invalid_input naming %q", e, f.field)
				}
				refused++
				f.ws.Send(`{"type":"ping"}`)
				f.ws.ReadType("pong", 5*time.Second)
			})
		}
	}
	t.Logf("NUL and invalid UTF-8 probes answered 400 invalid_input naming the field: %d of %d (%d fields)", refused, probed, len(probes)+len(frames))
	if refused != probed {
		t.Fatalf("%d of %d probes refused", refused, probed)
	}
}

// namesField reports whether an error envelope names field in its details.
func namesField(body []byte, field string) bool {
	var e struct {
		Error struct {
			Details map[string]string `json:"details"`
		} `json:"error"`
	}
	return json.Unmarshal(body, &e) == nil && e.Error.Details[field] != ""
}
