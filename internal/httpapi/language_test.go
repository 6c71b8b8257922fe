package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/internal/jobs"
	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/testkit/smtpd"
)

type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Details map[string]string `json:"details"`
	} `json:"error"`
}

func errorOf(t *testing.T, r *testkit.Response) apiError {
	t.Helper()
	var e apiError
	r.JSON(t, &e)
	return e
}

func TestErrorsSpeakTheUsersLanguage(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	bob := srv.NewUser(admin, "bob")
	tooLong := map[string]string{"nickname": strings.Repeat("n", 65)}

	// Nobody signed in: Accept-Language decides, by q-value.
	anon := srv.Client()
	for _, tc := range []struct{ header, want string }{
		{"", "there is nothing here"},
		{"zh-CN,zh;q=0.9,en;q=0.8", "这里什么都没有"},
		{"en;q=0.5, zh-SG;q=0.9", "这里什么都没有"},
		{"fr-FR, en;q=0.7", "there is nothing here"},
	} {
		r := anon.Raw("GET", "/api/v1/nowhere", nil, "Accept-Language", tc.header)
		if e := errorOf(t, r); r.Status != http.StatusNotFound || e.Error.Message != tc.want {
			t.Fatalf("Accept-Language %q: %d %s, want %q", tc.header, r.Status, r.Body, tc.want)
		}
	}

	// A field's reason is translated in details too; the code stays.
	r := bob.Raw("PATCH", "/api/v1/me", tooLong, "Accept-Language", "zh-CN")
	e := errorOf(t, r)
	if r.Status != http.StatusBadRequest || e.Error.Code != "invalid_input" || e.Error.Message != "1 到 64 个字符" || e.Error.Details["nickname"] != "1 到 64 个字符" {
		t.Fatalf("field error in Chinese: %d %s", r.Status, r.Body)
	}
	// A message with parameters keeps them.
	r = bob.Raw("GET", "/api/v1/conversations/abc/messages", nil, "Accept-Language", "zh")
	if e := errorOf(t, r); e.Error.Message != "没有这个 id" {
		t.Fatalf("dynamic message: %s", r.Body)
	}

	// The profile setting wins over the browser's.
	var me struct {
		Language *string `json:"language"`
	}
	bob.Do("GET", "/api/v1/me", nil, http.StatusOK, &me)
	if me.Language != nil {
		t.Fatalf("a new user's language is %q, want null", *me.Language)
	}
	bob.Do("PATCH", "/api/v1/me", map[string]any{"language": "en"}, http.StatusOK, &me)
	if me.Language == nil || *me.Language != "en" {
		t.Fatalf("language after setting en: %v", me.Language)
	}
	r = bob.Raw("PATCH", "/api/v1/me", tooLong, "Accept-Language", "zh-CN")
	if e := errorOf(t, r); e.Error.Message != "1 to 64 characters" {
		t.Fatalf("setting en, browser zh-CN: %s", r.Body)
	}
	bob.Do("PATCH", "/api/v1/me", map[string]any{"language": "zh-CN"}, http.StatusOK, &me)
	r = bob.Raw("PATCH", "/api/v1/me", tooLong, "Accept-Language", "en-US")
	if e := errorOf(t, r); e.Error.Message != "1 到 64 个字符" {
		t.Fatalf("setting zh-CN, browser en-US: %s", r.Body)
	}

	// A bad setting names the field, in the user's language.
	r = bob.Raw("PATCH", "/api/v1/me", map[string]any{"language": "fr"})
	if e := errorOf(t, r); r.Status != http.StatusBadRequest || e.Error.Details["language"] != "en 或 zh-CN，或用 null 跟随浏览器" {
		t.Fatalf("language fr: %d %s", r.Status, r.Body)
	}
	// null follows the browser again.
	bob.Do("PATCH", "/api/v1/me", map[string]any{"language": nil}, http.StatusOK, &me)
	if me.Language != nil {
		t.Fatalf("language after null: %q", *me.Language)
	}
	r = bob.Raw("PATCH", "/api/v1/me", tooLong, "Accept-Language", "en")
	if e := errorOf(t, r); e.Error.Message != "1 to 64 characters" {
		t.Fatalf("null setting, browser en: %s", r.Body)
	}
}

func TestErrorFramesSpeakTheUsersLanguage(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	admin.Do("PATCH", "/api/v1/me", map[string]any{"language": "zh-CN"}, http.StatusOK, nil)
	ws := admin.Dial()
	ws.Send(map[string]any{"type": "send", "conversation_id": 987654, "client_msg_id": "zh-1", "body": "hi"})
	f := ws.ReadType("error", 10*time.Second)
	if msg, _ := f["message"].(string); msg != "没有这个对话" {
		t.Fatalf("error frame: %v", f)
	}
}

func TestResetMailInTheUsersLanguage(t *testing.T) {
	mail := smtpd.Start(t)
	srv := testkit.Start(t, testkit.WithSMTP(mail.URL()))
	admin := srv.Setup()
	hana := srv.NewUser(admin, "hana")
	hana.Do("PATCH", "/api/v1/me", map[string]any{"language": "zh-CN"}, http.StatusOK, nil)
	srv.Client().Do("POST", "/api/v1/auth/password-reset", map[string]string{"email": "hana@example.com"}, http.StatusAccepted, nil)
	got := mail.WaitFor(t, 1, 10*time.Second)[0].Parse(t)
	srv.WaitJobs(jobs.TypeResetMail)
	if got.Subject != "重置您的 Parley 密码" || !strings.Contains(got.Text, "如需设置新密码") || !strings.Contains(got.Text, "/console/#/reset-password?token=") {
		t.Fatalf("reset mail: %q\n%s", got.Subject, got.Text)
	}
}

func TestGroupJoinIsAStructuredEvent(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	bob := srv.NewUser(admin, "bob")
	var g struct {
		ID             int64 `json:"id"`
		Number         int64 `json:"number"`
		ConversationID int64 `json:"conversation_id"`
	}
	admin.Do("POST", "/api/v1/groups", map[string]string{"name": "Tea club", "join_policy": "open"}, http.StatusCreated, &g)
	ws := admin.Dial()
	bob.Do("POST", "/api/v1/groups/join", map[string]int64{"number": g.Number}, http.StatusOK, nil)

	// The frame carries the event (the AsyncAPI document checks its shape).
	f := ws.ReadType("message", 10*time.Second)
	var frame struct {
		Message struct {
			Kind  string `json:"kind"`
			Body  string `json:"body"`
			Event struct {
				Type  string `json:"type"`
				Actor struct {
					ID   int64  `json:"id"`
					Name string `json:"name"`
				} `json:"actor"`
			} `json:"event"`
		} `json:"message"`
	}
	f.Decode(t, &frame)
	m := frame.Message
	if m.Kind != "system" || m.Event.Type != "member_joined" || m.Event.Actor.ID != bob.UserID || m.Event.Actor.Name == "" {
		t.Fatalf("join frame: %v", f)
	}
	// The body is the English rendering, for clients that know no events.
	if m.Body != m.Event.Actor.Name+" joined the group" {
		t.Fatalf("body %q", m.Body)
	}

	// History shows the same, after the creation event.
	r := admin.Raw("GET", fmt.Sprintf("/api/v1/conversations/%d/messages", g.ConversationID), nil)
	for _, want := range []string{`"type":"group_created"`, `"name":"Tea club"`, `"type":"member_joined"`} {
		if !strings.Contains(string(r.Body), want) {
			t.Fatalf("history lacks %s: %s", want, r.Body)
		}
	}
}

// Frames the server refuses before any service sees them (bad JSON, an
// unknown type, binary) are worded in the socket's language: the user's
// setting, else the Accept-Language of the upgrade; a visitor's widget
// locale. The code stays the same in every language.
func TestProtocolErrorFramesFollowTheSocketsLanguage(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	mei, ann, bob := srv.NewUser(admin, "mei"), srv.NewUser(admin, "ann"), srv.NewUser(admin, "bob")
	mei.Do("PATCH", "/api/v1/me", map[string]any{"language": "zh-CN"}, http.StatusOK, nil)
	bob.Do("PATCH", "/api/v1/me", map[string]any{"language": "en"}, http.StatusOK, nil)
	var site struct {
		PublicKey string `json:"public_key"`
	}
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Shop"}, http.StatusCreated, &site)
	visitor, _ := srv.NewVisitor(site.PublicKey, map[string]any{"locale": "zh-CN"})

	zhHeader := http.Header{"Accept-Language": {"zh-CN,zh;q=0.9"}}
	sockets := []struct {
		name string
		ws   *testkit.WS
		zh   bool
	}{
		{"setting zh-CN, no header", mei.Dial(), true},
		{"no setting, browser zh-CN", ann.DialWith(zhHeader), true},
		{"no setting, no header", ann.Dial(), false},
		{"setting en, browser zh-CN", bob.DialWith(zhHeader), false},
		{"visitor with widget locale zh-CN", visitor.Dial(), true},
	}
	type want struct{ code, en, zh string }
	for _, s := range sockets {
		t.Run(s.name, func(t *testing.T) {
			for _, tc := range []struct {
				frame string
				want
			}{
				{`{"type":"send",`, want{"bad_json", "the frame is not a JSON object", "该帧不是 JSON 对象"}},
				{`{"type":"teleport"}`, want{"unknown_type", `unknown frame type "teleport"`, `未知的帧类型 "teleport"`}},
				{`{"type":"ping","colour":"red"}`, want{"invalid_frame", `unknown field "colour"`, `未知字段 "colour"`}},
				{`{"type":"typing","conversation_id":1,"state":"maybe"}`, want{"invalid_frame", "state must be start or stop", "state 必须是 start 或 stop"}},
				{"binary", want{"bad_json", "frames are JSON text, not binary", "帧必须是 JSON 文本，不能是二进制"}},
			} {
				if tc.frame == "binary" {
					if err := s.ws.Conn.WriteMessage(websocket.BinaryMessage, []byte{1, 2}); err != nil {
						t.Fatal(err)
					}
				} else {
					s.ws.SendUnchecked(tc.frame)
				}
				var e struct{ Code, Message string }
				s.ws.ReadType("error", 10*time.Second).Decode(t, &e)
				msg := tc.en
				if s.zh {
					msg = tc.zh
				}
				if e.Code != tc.code || e.Message != msg {
					t.Errorf("%s: got %s %q, want %s %q", tc.frame, e.Code, e.Message, tc.code, msg)
				}
			}
		})
	}
}
