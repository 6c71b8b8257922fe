package auth_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/testkit/smtpd"
)

func TestRegistrationDoesNotRevealTakenAddresses(t *testing.T) {
	mail := smtpd.Start(t)
	srv := testkit.Start(t, testkit.WithSMTP(mail.URL()))
	srv.Setup()
	c := srv.Client()
	register := func(username, email string) map[string]any {
		var out map[string]any
		r := c.Do("POST", "/api/v1/auth/register", map[string]string{"username": username, "email": email, "password": "a long passphrase"}, http.StatusCreated, nil)
		if err := json.Unmarshal(r.Body, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	fresh := register("ivan", "ivan@example.com")
	mail.WaitFor(t, 1, 10*time.Second) // ivan's verification link
	again := register("ivan2", "IVAN@example.com")
	want := map[string]any{"user": map[string]any{"username": "ivan2", "email": "ivan@example.com", "nickname": "ivan2", "role": "user", "email_verified": false}}
	fresh["user"].(map[string]any)["username"], fresh["user"].(map[string]any)["nickname"] = "ivan2", "ivan2"
	for name, got := range map[string]map[string]any{"new address": fresh, "taken address": again} {
		if g, _ := json.Marshal(got); string(g) != string(must(json.Marshal(want))) {
			t.Errorf("%s answered %s, want %s", name, g, must(json.Marshal(want)))
		}
	}
	msgs := mail.WaitFor(t, 2, 10*time.Second)
	notice := msgs[1].Parse(t)
	if notice.To[0] != "ivan@example.com" || !strings.Contains(notice.Subject, "tried to register") || !strings.Contains(notice.Text, "username ivan") {
		t.Fatalf("owner's notice: %+v", notice)
	}
	// No second account exists.
	if r := c.Raw("POST", "/api/v1/auth/login", map[string]string{"login": "ivan2", "password": "a long passphrase"}); r.Status != http.StatusUnauthorized {
		t.Fatalf("login as the refused account: %d %s", r.Status, r.Body)
	}
	// Usernames are public handles: a taken one is still a conflict.
	if r := c.Raw("POST", "/api/v1/auth/register", map[string]string{"username": "ivan", "email": "other@example.com", "password": "a long passphrase"}); r.Status != http.StatusConflict || r.ErrorCode() != "username_taken" {
		t.Fatalf("taken username: %d %s", r.Status, r.Body)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestLoginAnswersAlikeForUnknownAccounts checks the answer and the code
// path: a login for an account that does not exist spends one argon2id
// hash, as a wrong password does, so neither body nor time tells them
// apart.
func TestLoginAnswersAlikeForUnknownAccounts(t *testing.T) {
	srv := testkit.Start(t)
	srv.Setup()
	c := srv.Client()
	try := func(login string) (*testkit.Response, int64) {
		before := auth.PasswordChecks()
		r := c.Raw("POST", "/api/v1/auth/login", map[string]string{"login": login, "password": "not-the-password"})
		return r, auth.PasswordChecks() - before
	}
	wrong, wrongHashes := try("admin")
	unknown, unknownHashes := try("nobody-at-all")
	if wrong.Status != http.StatusUnauthorized || unknown.Status != wrong.Status || string(unknown.Body) != string(wrong.Body) {
		t.Fatalf("wrong password: %d %s; unknown account: %d %s", wrong.Status, wrong.Body, unknown.Status, unknown.Body)
	}
	if wrongHashes != 1 || unknownHashes != 1 {
		t.Fatalf("argon2id hashes spent: %d for a wrong password, %d for an unknown account; want 1 each", wrongHashes, unknownHashes)
	}
}

func TestCommonPasswordsAreRefusedEverywhere(t *testing.T) {
	srv := testkit.Start(t)
	c := srv.Client()
	if r := c.Raw("POST", "/api/v1/setup", map[string]string{"username": "admin", "email": "admin@example.com", "password": "PASSWORD"}); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "too common") {
		t.Fatalf("setup with a common password: %d %s", r.Status, r.Body)
	}
	admin := srv.Setup()
	for _, tc := range []struct {
		name string
		do   func() *testkit.Response
	}{
		{"register", func() *testkit.Response {
			return c.Raw("POST", "/api/v1/auth/register", map[string]string{"username": "jolene", "email": "jolene@example.com", "password": "baseball"})
		}},
		{"admin create", func() *testkit.Response {
			return admin.Raw("POST", "/api/v1/admin/users", map[string]any{"username": "kim", "email": "kim@example.com", "password": "Qwertyuiop"})
		}},
		{"change", func() *testkit.Response {
			return admin.Raw("POST", "/api/v1/me/password", map[string]string{"current_password": "admin-password", "new_password": "letmein1"})
		}},
	} {
		if r := tc.do(); r.Status != http.StatusBadRequest || r.ErrorCode() != "invalid_input" || !strings.Contains(string(r.Body), "too common") {
			t.Errorf("%s with a common password: %d %s", tc.name, r.Status, r.Body)
		}
	}
	// Uncommon passwords of the same length pass.
	c.Do("POST", "/api/v1/auth/register", map[string]string{"username": "jolene", "email": "jolene@example.com", "password": "blue-kettle"}, http.StatusCreated, nil)
}
