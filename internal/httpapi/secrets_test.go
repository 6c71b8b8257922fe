package httpapi_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/testkit/smtpd"
)

// TestSecretsNeverReachTheLog runs the flows that create tokens and
// secrets, with debug logging on, and looks for each of them in the log.
func TestSecretsNeverReachTheLog(t *testing.T) {
	mail := smtpd.Start(t)
	srv := testkit.Start(t, testkit.WithSMTP(mail.URL()), testkit.WithOutboundAllow("127.0.0.1/32"))
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
	vTicket := v.Ticket()
	v.Dial()
	identified, idSess := srv.NewVisitor(site.PublicKey, map[string]any{"identity_token": signIdentity(t, site.Secret)})
	identified.Open(nil)
	event := `{"to":{"visitor_external_id":"cust-7"},"name":"order.shipped","data":{}}`
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(site.Secret))
	mac.Write([]byte(ts + "." + event))
	eventSig := hex.EncodeToString(mac.Sum(nil))
	if r := srv.Client().Raw("POST", fmt.Sprintf("/api/v1/sites/%d/events", site.ID), event,
		"X-Parley-Timestamp", ts, "X-Parley-Signature", eventSig); r.Status >= 300 {
		t.Fatalf("server event: %d %s", r.Status, r.Body)
	}
	var rotated struct {
		Secret string `json:"secret"`
	}
	admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/secret", site.ID), nil, http.StatusOK, &rotated)

	srv.Client().Do("POST", "/api/v1/auth/register", map[string]string{"username": "carl", "email": "carl@example.com", "password": "carls-secret-pw"}, http.StatusCreated, nil)
	verifyMail := mail.WaitFor(t, 1, 10*time.Second)[0].Parse(t)
	verifyToken := tokenIn(t, verifyMail.Text, "verify-email?token=")
	srv.Client().Do("POST", "/api/v1/auth/verify-email", map[string]string{"token": verifyToken}, http.StatusOK, nil)
	srv.Client().Raw("POST", "/api/v1/auth/login", map[string]string{"login": "carl", "password": "a mistyped password"})
	srv.Client().Do("POST", "/api/v1/auth/password-reset", map[string]string{"email": "carl@example.com"}, http.StatusAccepted, nil)
	resetMail := mail.WaitFor(t, 2, 10*time.Second)[1].Parse(t)
	resetToken := tokenIn(t, resetMail.Text, "reset-password?token=")
	srv.Client().Do("POST", "/api/v1/auth/password-reset/confirm", map[string]string{"token": resetToken, "password": "carls-reset-pw"}, http.StatusNoContent, nil)
	carl := srv.Login("carl", "carls-reset-pw")
	var changed testkit.Session
	carl.Do("POST", "/api/v1/me/password", map[string]string{"current_password": "carls-reset-pw", "new_password": "carls-changed-pw"}, http.StatusOK, &changed)
	srv.Client().Raw("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": carl.RefreshToken}) // revoked by the change
	// The refused refresh is the last request: its log line is written
	// after its answer, so wait for it before reading the log.
	waitFor(t, "the last request's log line", func() bool {
		return strings.Contains(srv.Logs(), `"route":"/api/v1/auth/refresh","status":401`)
	})

	logs := srv.Logs()
	if !strings.Contains(logs, `"msg":"http"`) {
		t.Fatal("the log holds no request lines: the scan would prove nothing")
	}
	secrets := map[string]string{
		"admin access token": admin.Token, "refresh token": bob.RefreshToken, "rotated refresh token": refreshed.RefreshToken,
		"realtime ticket": ticket, "site secret": site.Secret, "webhook secret": hook.Secret, "visitor token": sess.VisitorToken,
		"password": "carls-secret-pw", "admin password": "admin-password", "server secret": srv.Config().Secret,
		"visitor ticket": vTicket, "identified visitor token": idSess.VisitorToken, "identity token": signIdentity(t, site.Secret),
		"event signature": eventSig, "rotated site secret": rotated.Secret, "verification token": verifyToken,
		"reset token": resetToken, "mistyped password": "a mistyped password", "reset password": "carls-reset-pw",
		"changed password": "carls-changed-pw", "access token after reset": carl.Token, "refresh token after reset": carl.RefreshToken,
		"access token after a password change": changed.AccessToken, "refresh token after a password change": changed.RefreshToken,
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

// signIdentity is the identity token a host site's backend would sign for
// its signed-in customer (the same one each call within a second).
func signIdentity(t *testing.T, secret string) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "cust-7", "name": "Nina", "email": "nina@shop.example", "exp": time.Now().Add(time.Hour).Truncate(time.Hour).Unix(),
	}).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// tokenIn returns the token that follows marker in a mail's text.
func tokenIn(t *testing.T, text, marker string) string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(marker) + `(\S+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no %s link in %q", marker, text)
	}
	return m[1]
}
