package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/testkit/smtpd"
)

// TestSecretsNeverReachTheLog runs the flows that create tokens and
// secrets, with debug logging on, and looks for each of them in the log.
func TestSecretsNeverReachTheLog(t *testing.T) {
	mail := smtpd.Start(t)
	srv := testkit.Start(t, testkit.WithSMTP(mail.URL()))
	admin := srv.Setup()
	bob := srv.NewUser(admin, "bob")
	var refreshed testkit.Session
	srv.Client().Do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": bob.RefreshToken}, http.StatusOK, &refreshed)
	ticket := bob.Ticket()
	bob.Dial()
	var site struct {
		ID        int64  `json:"id"`
		PublicKey string `json:"public_key"`
		Secret    string `json:"secret"`
	}
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Shop"}, http.StatusCreated, &site)
	var hook struct {
		Secret string `json:"secret"`
	}
	admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/webhooks", site.ID), map[string]any{"url": "http://127.0.0.1:9/hook"}, http.StatusCreated, &hook)
	v, sess := srv.NewVisitor(site.PublicKey, nil)
	v.Open(nil)
	srv.Client().Do("POST", "/api/v1/auth/register", map[string]string{"username": "carl", "email": "carl@example.com", "password": "carls-secret-pw"}, http.StatusCreated, nil)
	mail.WaitFor(t, 1, 10*time.Second)
	time.Sleep(200 * time.Millisecond) // let the last log lines land

	logs := srv.Logs()
	if !strings.Contains(logs, `"msg":"http"`) {
		t.Fatal("the log holds no request lines: the scan would prove nothing")
	}
	secrets := map[string]string{
		"admin access token": admin.Token, "refresh token": bob.RefreshToken, "rotated refresh token": refreshed.RefreshToken,
		"realtime ticket": ticket, "site secret": site.Secret, "webhook secret": hook.Secret, "visitor token": sess.VisitorToken,
		"password": "carls-secret-pw", "admin password": "admin-password", "server secret": srv.Config().Secret,
	}
	for name, s := range secrets {
		if s == "" {
			t.Fatalf("%s is empty: the flow did not run", name)
		}
		if strings.Contains(logs, s) {
			t.Errorf("the log contains the %s", name)
		}
	}
}
