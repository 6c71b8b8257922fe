package auth_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/jobs"
	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/testkit/smtpd"
)

var resetLinkRE = regexp.MustCompile(`/console/#/reset-password\?token=(\S+)`)

func TestForgottenPasswordResetsAndSignsOutEverywhere(t *testing.T) {
	mail := smtpd.Start(t)
	srv := testkit.Start(t, testkit.WithSMTP(mail.URL()))
	admin := srv.Setup()
	hana := srv.NewUser(admin, "hana")
	c := srv.Client()
	// The same answer for an account and for nobody.
	for _, email := range []string{"hana@example.com", "nobody@example.com"} {
		r := c.Raw("POST", "/api/v1/auth/password-reset", map[string]string{"email": email})
		if r.Status != http.StatusAccepted {
			t.Fatalf("reset for %s: %d %s", email, r.Status, r.Body)
		}
	}
	got := mail.WaitFor(t, 1, 10*time.Second)[0].Parse(t)
	m := resetLinkRE.FindStringSubmatch(got.Text)
	if got.To[0] != "hana@example.com" || m == nil {
		t.Fatalf("reset mail to %v: %q", got.To, got.Text)
	}
	srv.WaitJobs(jobs.TypeResetMail)
	if n := len(mail.Messages()); n != 1 {
		t.Fatalf("%d mails: an unknown address got one too", n)
	}
	if r := c.Raw("POST", "/api/v1/auth/password-reset/confirm", map[string]string{"token": m[1], "password": "short"}); r.Status != http.StatusBadRequest {
		t.Fatalf("short password: %d", r.Status)
	}
	if r := c.Raw("POST", "/api/v1/auth/password-reset/confirm", map[string]string{"token": m[1], "password": "iloveyou"}); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "too common") {
		t.Fatalf("common password: %d %s", r.Status, r.Body)
	}
	c.Do("POST", "/api/v1/auth/password-reset/confirm", map[string]string{"token": m[1], "password": "a brand new password"}, http.StatusNoContent, nil)
	if r := c.Raw("POST", "/api/v1/auth/password-reset/confirm", map[string]string{"token": m[1], "password": "another new password"}); r.Status != http.StatusGone {
		t.Fatalf("second use of the link: %d", r.Status)
	}
	if r := c.Raw("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": hana.RefreshToken}); r.Status != http.StatusUnauthorized {
		t.Fatalf("old session after a reset: %d", r.Status)
	}
	if r := c.Raw("POST", "/api/v1/auth/login", map[string]string{"login": "hana", "password": "password-hana"}); r.Status != http.StatusUnauthorized {
		t.Fatalf("old password after a reset: %d", r.Status)
	}
	fresh := srv.Login("hana", "a brand new password")

	// Changing the password signs out the other sessions, not this one.
	other := srv.Login("hana", "a brand new password")
	if r := fresh.Raw("POST", "/api/v1/me/password", map[string]string{"current_password": "wrong one", "new_password": "x-new-password"}); r.Status != http.StatusBadRequest || r.ErrorCode() != "wrong_password" {
		t.Fatalf("wrong current password: %d %s", r.Status, r.Body)
	}
	if r := fresh.Raw("POST", "/api/v1/me/password", map[string]string{"current_password": "a brand new password", "new_password": "Sunshine1"}); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "too common") {
		t.Fatalf("common new password: %d %s", r.Status, r.Body)
	}
	var sess testkit.Session
	fresh.Do("POST", "/api/v1/me/password", map[string]string{"current_password": "a brand new password", "new_password": "x-new-password"}, http.StatusOK, &sess)
	if r := c.Raw("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": other.RefreshToken}); r.Status != http.StatusUnauthorized {
		t.Fatalf("other session after a change: %d", r.Status)
	}
	c.Do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": sess.RefreshToken}, http.StatusOK, nil)
}
