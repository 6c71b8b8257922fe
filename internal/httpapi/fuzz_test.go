package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/text"
)

// bodyFuzz is one endpoint whose JSON body is fuzzed: a real server with
// the fixtures the endpoint needs, called in process (no sockets) so that
// each input costs one handler run.
type bodyFuzz struct {
	h      http.Handler
	method string
	path   string
	auth   string // Authorization header value, "" for none
}

// fuzzFixture starts a server with limits out of the way (429s would hide
// the handlers behind the limiter) and an admin with a group, a site and
// money, and returns what the endpoints need.
type fuzzFixture struct {
	srv     *testkit.Server
	token   string // the admin's access token
	group   int64  // a group conversation the admin owns
	siteID  int64
	siteKey string
}

func newFuzzFixture(f *testing.F) *fuzzFixture {
	f.Helper()
	srv := testkit.Start(f, testkit.WithConfig(func(c *config.Config) {
		c.LoginLimitPerIP, c.LoginLimitPerAccount, c.RegisterLimitPerIP = 1<<30, 1<<30, 1<<30
		c.SendLimitPerMinute = 1 << 30
		c.LogLevel = "error"
	}))
	fx := &fuzzFixture{srv: srv}
	var sess testkit.Session
	fx.call(f, "POST", "/api/v1/setup", map[string]string{
		"username": "admin", "email": "admin@example.com", "password": "admin-password", "nickname": "Admin",
	}, http.StatusCreated, &sess)
	fx.token = sess.AccessToken
	var g struct {
		ConversationID int64 `json:"conversation_id"`
	}
	fx.call(f, "POST", "/api/v1/groups", map[string]string{"name": "Fuzz", "join_policy": "open"}, http.StatusCreated, &g)
	var site struct {
		ID        int64  `json:"id"`
		PublicKey string `json:"public_key"`
	}
	fx.call(f, "POST", "/api/v1/sites", map[string]string{"name": "Fuzz shop"}, http.StatusCreated, &site)
	fx.call(f, "POST", fmt.Sprintf("/api/v1/admin/wallets/%d/credit", sess.User.ID), map[string]any{"amount_cents": 10_000_000, "note": "fuzz"}, http.StatusCreated, nil)
	fx.group, fx.siteID, fx.siteKey = g.ConversationID, site.ID, site.PublicKey
	return fx
}

// call sends one request of the set-up in process, as the admin once
// signed in, and decodes the answer into out (if not nil). It is not
// testkit's client on purpose: that one checks each answer against the
// OpenAPI document, compiled first, and in a fuzzing build compiling it
// takes seconds in every fuzz worker, most of the few seconds CI gives a
// target. The API tests check the document.
func (fx *fuzzFixture) call(f *testing.F, method, path string, body any, want int, out any) {
	f.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		f.Fatal(err)
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if fx.token != "" {
		req.Header.Set("Authorization", "Bearer "+fx.token)
	}
	rec := httptest.NewRecorder()
	fx.srv.App.HTTP.Handler().ServeHTTP(rec, req)
	if rec.Code != want {
		f.Fatalf("%s %s: %d %s, want %d", method, path, rec.Code, rec.Body, want)
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			f.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

func (fx *fuzzFixture) endpoint(method, path string, signedIn bool) bodyFuzz {
	b := bodyFuzz{h: fx.srv.App.HTTP.Handler(), method: method, path: path}
	if signedIn {
		b.auth = "Bearer " + fx.token
	}
	return b
}

// run adds the seeds and fuzzes: whatever the body, the answer is never a
// 5xx, every error is the JSON envelope with a code and a message, and a
// body with a string that is not text (NUL, invalid UTF-8) is a 400 that
// names the string's field.
func (b bodyFuzz) run(f *testing.F, seeds ...string) {
	for _, s := range append(seeds, ``, `{}`, `null`, `[]`, `"x"`, `{"a":`, `{"`+string(rune(0))+`":1}`, "\xff\xfe", `{"x":1e999}`, `{"x":"\u0000"}`, "{\"x\":\"\xff\"}") {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(b.method, b.path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if b.auth != "" {
			req.Header.Set("Authorization", b.auth)
		}
		rec := httptest.NewRecorder()
		b.h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", b.method, b.path, body, rec.Code, rec.Body)
		}
		if field, _ := text.BadJSON(body); field != "" && (rec.Code != http.StatusBadRequest || !namesField(rec.Body.Bytes(), field)) {
			t.Fatalf("%s %s %q: %d %s, want 400 invalid_input naming %q", b.method, b.path, body, rec.Code, rec.Body, field)
		}
		if rec.Code >= 400 {
			var e struct {
				Error *struct {
					Code    string `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("%s %s %q: %d without the error envelope: %s", b.method, b.path, body, rec.Code, rec.Body)
			}
		} else if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s %q: %d with a body that is not JSON: %s", b.method, b.path, body, rec.Code, rec.Body)
		}
	})
}

func FuzzRegisterBody(f *testing.F) {
	fx := newFuzzFixture(f)
	fx.endpoint("POST", "/api/v1/auth/register", false).run(f,
		`{"username":"zed","email":"zed@example.com","password":"long enough password"}`,
		`{"username":"zed","email":"not an email","password":"x","nickname":"Zed"}`,
		`{"username":123,"email":[],"password":{}}`,
		`{"username":"zed\u0000","email":"zed@example.com","password":"long enough password"}`,
		"{\"username\":\"zed\",\"email\":\"zed@example.com\",\"password\":\"long enough password\",\"nickname\":\"Z\xffed\"}")
}

func FuzzLoginBody(f *testing.F) {
	fx := newFuzzFixture(f)
	fx.endpoint("POST", "/api/v1/auth/login", false).run(f,
		`{"login":"admin","password":"admin-password"}`,
		`{"login":"admin@example.com","password":"wrong"}`,
		`{"login":"","password":""}`,
		`{"login":"admin\u0000","password":"admin-password"}`,
		"{\"login\":\"adm\xc3\",\"password\":\"admin-password\"}")
}

func FuzzSendMessageBody(f *testing.F) {
	fx := newFuzzFixture(f)
	fx.endpoint("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", fx.group), true).run(f,
		`{"client_msg_id":"c1","kind":"text","body":"hello"}`,
		`{"client_msg_id":"c2","kind":"image","attachment_id":99}`,
		`{"client_msg_id":"c3","kind":"text","body":"re","reply_to_seq":-1}`,
		`{"client_msg_id":"","kind":"red_packet"}`,
		`{"client_msg_id":"c4","kind":"text","body":"a\u0000b"}`,
		"{\"client_msg_id\":\"c5\xff\",\"kind\":\"text\",\"body\":\"hi\"}")
}

func FuzzCreateGroupBody(f *testing.F) {
	fx := newFuzzFixture(f)
	fx.endpoint("POST", "/api/v1/groups", true).run(f,
		`{"name":"Friends","join_policy":"open"}`,
		`{"name":"Club","avatar_url":"https://img.example/a.png","join_policy":"approval"}`,
		`{"name":"","join_policy":"whatever"}`,
		`{"name":"Nul\u0000","join_policy":"open"}`,
		"{\"name\":\"\xed\xa0\x80\",\"join_policy\":\"open\"}")
}

func FuzzWidgetSessionBody(f *testing.F) {
	fx := newFuzzFixture(f)
	fx.endpoint("POST", "/api/v1/widget/session", false).run(f,
		fmt.Sprintf(`{"site_key":%q,"page_url":"https://shop.example/p","referrer":"","locale":"en"}`, fx.siteKey),
		fmt.Sprintf(`{"site_key":%q,"visitor_token":"vt_x","identity_token":"a.b.c"}`, fx.siteKey),
		`{"site_key":"pk_nope"}`,
		fmt.Sprintf(`{"site_key":%q,"page_url":"https://shop.example/\u0000","locale":"en"}`, fx.siteKey),
		fmt.Sprintf("{\"site_key\":%q,\"referrer\":\"\xff\",\"locale\":\"en\"}", fx.siteKey))
}

func FuzzCreateSiteBody(f *testing.F) {
	fx := newFuzzFixture(f)
	fx.endpoint("POST", "/api/v1/sites", true).run(f, `{"name":"Shop"}`, `{"name":""}`, `{"name":"Sh\u0000p"}`, "{\"name\":\"Sh\xffp\"}")
}

func FuzzUpdateSiteBody(f *testing.F) {
	fx := newFuzzFixture(f)
	fx.endpoint("PATCH", fmt.Sprintf("/api/v1/sites/%d", fx.siteID), true).run(f,
		`{"name":"Shop","color":"#336699","greeting":"Hi","away_message":"Back soon","allowed_origins":["https://shop.example"]}`,
		`{"time_zone":"Europe/Paris","business_hours":{"mon":["09:00-17:00"],"sat":["10:00-12:30","14:00-16:00"]}}`,
		`{"prechat_fields":[{"name":"email","label":"E-mail","type":"email","required":true}],"require_identity":false}`,
		`{"allowed_origins":["not a url"],"color":"red","time_zone":"Mars/Olympus"}`,
		`{"greeting":"Hi\u0000there","prechat_fields":[{"name":"n","label":"\u0000","type":"text"}]}`,
		"{\"away_message\":\"\xff\xfe\",\"business_hours\":{\"mon\":[\"09:00-17:00\xc3\"]}}")
}

func FuzzRedPacketBody(f *testing.F) {
	fx := newFuzzFixture(f)
	fx.endpoint("POST", fmt.Sprintf("/api/v1/conversations/%d/red-packets", fx.group), true).run(f,
		`{"total_cents":100,"count":1,"kind":"lucky","greeting":"Enjoy","client_msg_id":"r1"}`,
		`{"total_cents":300,"count":3,"kind":"equal","greeting":"","client_msg_id":"r2"}`,
		`{"total_cents":-5,"count":0,"kind":"lucky"}`,
		`{"total_cents":9223372036854775807,"count":2147483648,"kind":"equal","client_msg_id":"r3"}`,
		`{"total_cents":100,"count":1,"kind":"lucky","greeting":"\u0000","client_msg_id":"r4"}`,
		"{\"total_cents\":100,\"count\":1,\"kind\":\"lucky\",\"greeting\":\"hi\",\"client_msg_id\":\"r5\xfe\"}")
}
