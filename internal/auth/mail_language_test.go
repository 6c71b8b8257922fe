package auth_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/testkit/smtpd"
)

// mailTo waits for the n-th mail and returns it, checking its recipient.
func mailTo(t *testing.T, mail *smtpd.Server, n int, to string) smtpd.ParsedMail {
	t.Helper()
	got := mail.WaitFor(t, n, 10*time.Second)[n-1].Parse(t)
	if len(got.To) != 1 || got.To[0] != to {
		t.Fatalf("mail %d went to %v, want %s", n, got.To, to)
	}
	return got
}

// A brand-new account has no language setting yet: its verification mail
// is in the language it signed up in (an explicit language, which becomes
// its setting, else the request's Accept-Language). So are the mails sent
// to an account that never chose one: a password reset, a sign-up attempt
// with its address.
func TestFirstMailsFollowTheRequestsLanguage(t *testing.T) {
	mail := smtpd.Start(t)
	srv := testkit.Start(t, testkit.WithSMTP(mail.URL()), testkit.WithConfig(func(c *config.Config) { c.RegisterLimitPerIP = 100 }))
	srv.Setup()
	anon := srv.Client()
	const zhVerify, enVerify = "确认您在 Parley 的邮箱", "Confirm your e-mail for Parley"
	tests := []struct {
		name, username, header string
		language               any // absent when nil
		subject                string
		setting                any // the account's language afterwards
	}{
		{"browser zh-CN", "mei", "zh-CN,zh;q=0.9,en;q=0.5", nil, zhVerify, nil},
		{"no header", "amy", "", nil, enVerify, nil},
		{"browser en-US", "ann", "en-US", nil, enVerify, nil},
		{"explicit zh-CN, browser en", "lin", "en", "zh-CN", zhVerify, "zh-CN"},
		{"explicit en, browser zh-CN", "ben", "zh-CN", "en", enVerify, "en"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := map[string]any{"username": tt.username, "email": tt.username + "@example.com", "password": tt.username + "-password"}
			if tt.language != nil {
				body["language"] = tt.language
			}
			r := anon.Raw("POST", "/api/v1/auth/register", body, "Accept-Language", tt.header)
			if r.Status != http.StatusCreated {
				t.Fatalf("register: %d %s", r.Status, r.Body)
			}
			got := mailTo(t, mail, i+1, tt.username+"@example.com")
			if got.Subject != tt.subject {
				t.Fatalf("verification mail subject %q, want %q", got.Subject, tt.subject)
			}
			if tt.subject == zhVerify && !strings.Contains(got.Text, "请打开以下链接确认您的邮箱地址") {
				t.Fatalf("body not in Chinese: %s", got.Text)
			}
			var me struct {
				Language any `json:"language"`
			}
			srv.Login(tt.username, tt.username+"-password").Do("GET", "/api/v1/me", nil, http.StatusOK, &me)
			if me.Language != tt.setting {
				t.Fatalf("language setting %v, want %v", me.Language, tt.setting)
			}
		})
	}
	sent := len(tests)

	t.Run("a language Parley does not speak is refused, naming the field", func(t *testing.T) {
		r := anon.Raw("POST", "/api/v1/auth/register", map[string]any{
			"username": "fred", "email": "fred@example.com", "password": "freds-password", "language": "fr"})
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"language"`) {
			t.Fatalf("register with language fr: %d %s", r.Status, r.Body)
		}
	})

	t.Run("password reset of an account without a setting", func(t *testing.T) {
		anon.Raw("POST", "/api/v1/auth/password-reset", map[string]string{"email": "amy@example.com"}, "Accept-Language", "zh-CN")
		sent++
		if got := mailTo(t, mail, sent, "amy@example.com"); got.Subject != "重置您的 Parley 密码" {
			t.Fatalf("reset mail subject %q", got.Subject)
		}
		// A setting wins over the request's language.
		anon.Raw("POST", "/api/v1/auth/password-reset", map[string]string{"email": "ben@example.com"}, "Accept-Language", "zh-CN")
		sent++
		if got := mailTo(t, mail, sent, "ben@example.com"); got.Subject != "Reset your Parley password" {
			t.Fatalf("reset mail of an en account: subject %q", got.Subject)
		}
	})

	t.Run("sign-up attempt with a taken address", func(t *testing.T) {
		r := anon.Raw("POST", "/api/v1/auth/register", map[string]any{
			"username": "amy2", "email": "amy@example.com", "password": "amys-password"}, "Accept-Language", "zh-CN")
		if r.Status != http.StatusCreated {
			t.Fatalf("register: %d %s", r.Status, r.Body)
		}
		sent++
		if got := mailTo(t, mail, sent, "amy@example.com"); got.Subject != "有人试图用您的邮箱注册 Parley" {
			t.Fatalf("sign-up attempt mail subject %q", got.Subject)
		}
	})
}
