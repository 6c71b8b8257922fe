package auth_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/testkit/smtpd"
)

// gated is one thing an account may not do before its e-mail is verified.
type gated struct {
	name   string
	method string
	path   string
	body   any
}

// gatedActions are the requests an unverified account is refused, aimed at
// real objects (a verified friend-to-be, the admin's open group), in an
// order in which a verified account gets each one done.
func gatedActions(t *testing.T, admin *testkit.Client, other *testkit.Client) []gated {
	var g struct {
		ConversationID int64 `json:"conversation_id"`
		Number         int64 `json:"number"`
	}
	admin.Do("POST", "/api/v1/groups", map[string]string{"name": "Open club", "join_policy": "open"}, http.StatusCreated, &g)
	return []gated{
		{"ask for a friend", "POST", "/api/v1/friend-requests", map[string]int64{"user_id": other.UserID}},
		{"create a group", "POST", "/api/v1/groups", map[string]string{"name": "Mine", "join_policy": "open"}},
		{"join a group", "POST", "/api/v1/groups/join", map[string]int64{"number": g.Number}},
		{"send a message", "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", g.ConversationID), map[string]string{"client_msg_id": "m1", "kind": "text", "body": "hi"}},
	}
}

func uploadBody(t *testing.T) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, err := w.CreateFormFile("file", "note.txt")
	if err != nil {
		t.Fatal(err)
	}
	part.Write([]byte("hello"))
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func TestUnverifiedAccountSignsInButWaitsForItsEmailToAct(t *testing.T) {
	mail := smtpd.Start(t)
	srv := testkit.Start(t, testkit.WithSMTP(mail.URL()), testkit.WithConfig(func(c *config.Config) { c.ResetLimitPerAccount = 2 }))
	admin := srv.Setup()
	bea := srv.NewUser(admin, "bea")
	srv.Client().Do("POST", "/api/v1/auth/register", map[string]string{
		"username": "uma", "email": "uma@example.com", "password": "umas-long-password",
	}, http.StatusCreated, nil)
	first := mail.WaitFor(t, 1, 10*time.Second)[0].Parse(t)
	uma := srv.Login("uma", "umas-long-password")

	var me testkit.User
	uma.Do("GET", "/api/v1/me", nil, http.StatusOK, &me)
	if me.EmailVerified {
		t.Fatalf("a new account is verified: %+v", me)
	}
	actions := gatedActions(t, admin, bea)
	direct := gated{"open a direct chat", "POST", "/api/v1/conversations/direct", map[string]int64{"user_id": bea.UserID}}
	for _, a := range append([]gated{direct}, actions...) {
		t.Run("refused: "+a.name, func(t *testing.T) {
			if r := uma.Raw(a.method, a.path, a.body); r.Status != http.StatusForbidden || r.ErrorCode() != "email_unverified" {
				t.Fatalf("%s %s: %d %s, want 403 email_unverified", a.method, a.path, r.Status, r.Body)
			}
		})
	}
	t.Run("refused: upload", func(t *testing.T) {
		body, ct := uploadBody(t)
		if r := uma.Raw("POST", "/api/v1/uploads", body, "Content-Type", ct); r.Status != http.StatusForbidden || r.ErrorCode() != "email_unverified" {
			t.Fatalf("upload: %d %s, want 403 email_unverified", r.Status, r.Body)
		}
	})
	t.Run("refused: send frame", func(t *testing.T) {
		ws := uma.Dial()
		ws.Send(map[string]any{"type": "send", "client_msg_id": "w1", "conversation_id": 1, "kind": "text", "body": "hi"})
		if e := ws.ReadType("error", 5*time.Second); e["code"] != "email_unverified" || e["client_msg_id"] != "w1" {
			t.Fatalf("error frame %v, want email_unverified for w1", e)
		}
	})

	// Resending is allowed, up to the per-account cap.
	for i := range 2 {
		var sent struct {
			Email string `json:"email"`
		}
		uma.Do("POST", "/api/v1/me/verification", nil, http.StatusAccepted, &sent)
		if sent.Email != "uma@example.com" {
			t.Fatalf("resend %d answered %+v", i, sent)
		}
	}
	if r := uma.Raw("POST", "/api/v1/me/verification", nil); r.Status != http.StatusTooManyRequests || r.ErrorCode() != "rate_limited" {
		t.Fatalf("third resend: %d %s, want 429", r.Status, r.Body)
	}
	mails := mail.WaitFor(t, 3, 10*time.Second)
	last := mails[len(mails)-1].Parse(t)
	link := linkRE.FindStringSubmatch(last.Text)
	if link == nil || last.To[0] != "uma@example.com" || last.Text == first.Text {
		t.Fatalf("the resent mail holds no new link: %q", last.Text)
	}

	// Following the newest link counts at once, with the same access token.
	srv.Client().Do("POST", "/api/v1/auth/verify-email", map[string]string{"token": link[1]}, http.StatusOK, nil)
	for _, a := range actions {
		if r := uma.Raw(a.method, a.path, a.body); r.Status >= 300 {
			t.Fatalf("verified, %s answers %d %s", a.name, r.Status, r.Body)
		}
	}
	if r := uma.Raw("POST", "/api/v1/me/verification", nil); r.Status != http.StatusConflict || r.ErrorCode() != "already_verified" {
		t.Fatalf("resend when verified: %d %s, want 409 already_verified", r.Status, r.Body)
	}
}

func TestVerificationNotRequiredWhenTurnedOffAndNeverForAdmins(t *testing.T) {
	t.Run("PARLEY_REQUIRE_VERIFIED_EMAIL=false", func(t *testing.T) {
		srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) { c.RequireVerifiedEmail = false }))
		admin := srv.Setup()
		bea := srv.NewUser(admin, "bea")
		srv.Client().Do("POST", "/api/v1/auth/register", map[string]string{"username": "uma", "email": "uma@example.com", "password": "umas-long-password"}, http.StatusCreated, nil)
		uma := srv.Login("uma", "umas-long-password")
		for _, a := range gatedActions(t, admin, bea) {
			if r := uma.Raw(a.method, a.path, a.body); r.Status >= 300 {
				t.Fatalf("%s: %d %s with verification off", a.name, r.Status, r.Body)
			}
		}
	})
	t.Run("an admin created without --verified", func(t *testing.T) {
		srv := testkit.Start(t)
		admin := srv.Setup()
		bea := srv.NewUser(admin, "bea")
		admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": "ada", "email": "ada@example.com", "password": "adas-long-password", "role": "admin"}, http.StatusCreated, nil)
		ada := srv.Login("ada", "adas-long-password")
		for _, a := range gatedActions(t, admin, bea) {
			if r := ada.Raw(a.method, a.path, a.body); r.Status >= 300 {
				t.Fatalf("%s: %d %s for an admin", a.name, r.Status, r.Body)
			}
		}
	})
}
