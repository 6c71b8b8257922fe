package support_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/webhooks"
)

// rotated is a site whose secret was rotated once.
type rotated struct {
	d        *desk
	old, new string
	until    *time.Time
}

func rotateOnce(t *testing.T, grace time.Duration) rotated {
	d := newDesk(t, 0, 1, testkit.WithConfig(func(c *config.Config) { c.SiteSecretGrace = grace }))
	var after struct {
		Secret              string     `json:"secret"`
		PreviousSecretUntil *time.Time `json:"previous_secret_until"`
	}
	d.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/secret", d.site.ID), nil, http.StatusOK, &after)
	if after.Secret == "" || after.Secret == d.site.Secret {
		t.Fatalf("rotation kept the secret: %+v", after)
	}
	return rotated{d: d, old: d.site.Secret, new: after.Secret, until: after.PreviousSecretUntil}
}

func (r rotated) session(t *testing.T, secret string) *testkit.Response {
	return r.d.srv.Client().Raw("POST", "/api/v1/widget/session", map[string]any{
		"site_key": r.d.site.PublicKey, "identity_token": identityToken(t, secret, "cust-9", time.Hour)})
}

func (r rotated) event(secret string) *testkit.Response {
	body := `{"to":{"visitor_external_id":"cust-9"},"name":"order.shipped","data":{}}`
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	return r.d.srv.Client().Raw("POST", fmt.Sprintf("/api/v1/sites/%d/events", r.d.site.ID), body,
		"X-Parley-Timestamp", ts, "X-Parley-Signature", webhooks.Sign(secret, ts, []byte(body)))
}

func TestRotatedSiteSecretVerifiesDuringItsGrace(t *testing.T) {
	r := rotateOnce(t, 24*time.Hour)
	if r.until == nil || r.until.Sub(time.Now()) < 23*time.Hour || r.until.Sub(time.Now()) > 25*time.Hour {
		t.Fatalf("previous_secret_until %v, want about 24 h ahead", r.until)
	}
	for _, secret := range []string{r.old, r.new} {
		if res := r.session(t, secret); res.Status != http.StatusOK {
			t.Fatalf("identity token during the grace: %d %s", res.Status, res.Body)
		}
		if res := r.event(secret); res.Status != http.StatusAccepted {
			t.Fatalf("signed event during the grace: %d %s", res.Status, res.Body)
		}
	}
	if res := r.event("sk_never-was"); res.Status != http.StatusUnauthorized || res.ErrorCode() != "bad_signature" {
		t.Fatalf("event with a wrong secret: %d %s", res.Status, res.Body)
	}
}

func TestRotatedSiteSecretStopsAfterItsGrace(t *testing.T) {
	r := rotateOnce(t, time.Nanosecond)
	if res := r.session(t, r.old); res.Status != http.StatusUnauthorized || res.ErrorCode() != "invalid_identity" {
		t.Fatalf("identity token after the grace: %d %s", res.Status, res.Body)
	}
	if res := r.event(r.old); res.Status != http.StatusUnauthorized || res.ErrorCode() != "bad_signature" {
		t.Fatalf("signed event after the grace: %d %s", res.Status, res.Body)
	}
	if res := r.session(t, r.new); res.Status != http.StatusOK {
		t.Fatalf("identity token with the new secret: %d %s", res.Status, res.Body)
	}
	if res := r.event(r.new); res.Status != http.StatusAccepted {
		t.Fatalf("signed event with the new secret: %d %s", res.Status, res.Body)
	}
}
