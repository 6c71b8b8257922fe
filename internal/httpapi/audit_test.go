package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-chat/parley/internal/testkit"
)

type auditEntry struct {
	ID    int64 `json:"id"`
	Actor *struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
	} `json:"actor"`
	Action     string         `json:"action"`
	TargetType string         `json:"target_type"`
	TargetID   int64          `json:"target_id"`
	Detail     map[string]any `json:"detail"`
	IP         string         `json:"ip"`
}

type auditPage struct {
	Items      []auditEntry `json:"items"`
	NextCursor *string      `json:"next_cursor"`
}

type siteBody struct {
	ID     int64  `json:"id"`
	Secret string `json:"secret"`
	Queues []struct {
		ID int64 `json:"id"`
	} `json:"queues"`
}

func TestEveryAdminActionIsLoggedOnce(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	bob := srv.NewUser(admin, "bob")
	agent := srv.NewUser(admin, "ann")
	admin.Do("PATCH", fmt.Sprintf("/api/v1/admin/users/%d", agent.UserID), map[string]any{"role": "agent"}, http.StatusOK, nil)
	admin.Do("PATCH", fmt.Sprintf("/api/v1/admin/users/%d", bob.UserID), map[string]any{"disabled": true}, http.StatusOK, nil)
	admin.Do("PATCH", fmt.Sprintf("/api/v1/admin/users/%d", bob.UserID), map[string]any{"disabled": false}, http.StatusOK, nil)
	bob = srv.Login("bob", "password-bob") // disabling ended bob's sessions
	admin.Do("POST", fmt.Sprintf("/api/v1/admin/wallets/%d/credit", bob.UserID), map[string]any{"amount_cents": 500, "note": "welcome"}, http.StatusCreated, nil)

	var site siteBody
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Shop"}, http.StatusCreated, &site)
	admin.Do("PATCH", fmt.Sprintf("/api/v1/sites/%d", site.ID), map[string]any{"color": "#112233"}, http.StatusOK, nil)
	var rotated siteBody
	admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/secret", site.ID), nil, http.StatusOK, &rotated)
	var queue struct {
		ID int64 `json:"id"`
	}
	admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/queues", site.ID), map[string]any{"name": "Sales"}, http.StatusCreated, &queue)
	admin.Do("PATCH", fmt.Sprintf("/api/v1/queues/%d", queue.ID), map[string]any{"name": "Sales EU"}, http.StatusOK, nil)
	admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", queue.ID, agent.UserID), map[string]int{"capacity": 3}, http.StatusNoContent, nil)
	admin.Do("DELETE", fmt.Sprintf("/api/v1/queues/%d/agents/%d", queue.ID, agent.UserID), nil, http.StatusNoContent, nil)
	admin.Do("DELETE", fmt.Sprintf("/api/v1/queues/%d", queue.ID), nil, http.StatusNoContent, nil)
	var canned struct {
		ID int64 `json:"id"`
	}
	admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/canned-responses", site.ID), map[string]string{"shortcut": "hi", "body": "Hello!"}, http.StatusCreated, &canned)
	admin.Do("PATCH", fmt.Sprintf("/api/v1/canned-responses/%d", canned.ID), map[string]string{"body": "Hello there!"}, http.StatusOK, nil)
	admin.Do("DELETE", fmt.Sprintf("/api/v1/canned-responses/%d", canned.ID), nil, http.StatusNoContent, nil)
	var hook struct {
		ID     int64  `json:"id"`
		Secret string `json:"secret"`
	}
	admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/webhooks", site.ID), map[string]any{"url": "https://hooks.example.com/in?token=abc"}, http.StatusCreated, &hook)
	admin.Do("DELETE", fmt.Sprintf("/api/v1/webhooks/%d", hook.ID), nil, http.StatusNoContent, nil)
	admin.Do("DELETE", fmt.Sprintf("/api/v1/sites/%d", site.ID), nil, http.StatusNoContent, nil)
	// Refused actions leave no trace.
	admin.Do("PATCH", fmt.Sprintf("/api/v1/admin/users/%d", admin.UserID), map[string]any{"role": "user"}, http.StatusConflict, nil)

	var page auditPage
	r := admin.Do("GET", "/api/v1/admin/audit-log?limit=200", nil, http.StatusOK, &page)
	for _, secret := range []string{site.Secret, rotated.Secret, hook.Secret, "token=abc", "password"} {
		if strings.Contains(string(r.Body), secret) {
			t.Fatalf("the log shows a secret %q: %s", secret, r.Body)
		}
	}
	type key struct {
		action, targetType string
		targetID           int64
	}
	want := []key{
		{"user.create", "user", bob.UserID}, {"user.create", "user", agent.UserID},
		{"user.role", "user", agent.UserID}, {"user.disable", "user", bob.UserID}, {"user.enable", "user", bob.UserID},
		{"wallet.credit", "user", bob.UserID},
		{"site.create", "site", site.ID}, {"site.update", "site", site.ID}, {"site.secret_rotate", "site", site.ID},
		{"queue.create", "queue", queue.ID}, {"queue.update", "queue", queue.ID}, {"queue.agent_set", "queue", queue.ID},
		{"queue.agent_remove", "queue", queue.ID}, {"queue.delete", "queue", queue.ID},
		{"canned.create", "canned_response", canned.ID}, {"canned.update", "canned_response", canned.ID}, {"canned.delete", "canned_response", canned.ID},
		{"webhook.create", "webhook", hook.ID}, {"webhook.delete", "webhook", hook.ID},
		{"site.delete", "site", site.ID},
	}
	count := map[key]int{}
	for _, e := range page.Items {
		if e.Actor == nil || e.Actor.ID != admin.UserID || e.Actor.Username != "admin" {
			t.Fatalf("entry %+v: actor is not the admin", e)
		}
		if e.IP == "" {
			t.Fatalf("entry %+v has no client address", e)
		}
		count[key{e.Action, e.TargetType, e.TargetID}]++
	}
	for _, k := range want {
		if count[k] != 1 {
			t.Errorf("%v logged %d times, want once", k, count[k])
		}
	}
	if len(page.Items) != len(want) {
		t.Errorf("%d entries, want %d", len(page.Items), len(want))
	}
	if first := page.Items[0]; first.Action != "site.delete" {
		t.Errorf("newest entry %s, want site.delete first", first.Action)
	}
	for _, e := range page.Items {
		if e.Action == "user.role" && (e.Detail["from"] != "user" || e.Detail["to"] != "agent") {
			t.Errorf("user.role detail %v", e.Detail)
		}
		if e.Action == "wallet.credit" && e.Detail["amount_cents"] != float64(500) {
			t.Errorf("wallet.credit detail %v", e.Detail)
		}
	}

	t.Run("filters and pages", func(t *testing.T) {
		var p auditPage
		admin.Do("GET", "/api/v1/admin/audit-log?action=user.create", nil, http.StatusOK, &p)
		if len(p.Items) != 2 || p.Items[0].TargetID != agent.UserID || p.Items[1].TargetID != bob.UserID {
			t.Fatalf("action filter gave %+v", p.Items)
		}
		admin.Do("GET", fmt.Sprintf("/api/v1/admin/audit-log?actor=%d", bob.UserID), nil, http.StatusOK, &p)
		if len(p.Items) != 0 {
			t.Fatalf("bob did nothing, got %+v", p.Items)
		}
		var all []auditEntry
		cursor := ""
		for i := 0; i < 10; i++ {
			var pg auditPage
			admin.Do("GET", "/api/v1/admin/audit-log?limit=7"+cursor, nil, http.StatusOK, &pg)
			all = append(all, pg.Items...)
			if pg.NextCursor == nil {
				break
			}
			cursor = "&cursor=" + *pg.NextCursor
		}
		if len(all) != len(want) {
			t.Fatalf("paging saw %d entries, want %d", len(all), len(want))
		}
	})

	t.Run("admins only", func(t *testing.T) {
		for _, c := range []struct {
			client *testkit.Client
			status int
		}{{bob, 403}, {agent, 403}, {srv.Client(), 401}} {
			if r := c.client.Raw("GET", "/api/v1/admin/audit-log", nil); r.Status != c.status {
				t.Fatalf("→ %d %s, want %d", r.Status, r.Body, c.status)
			}
		}
		if r := admin.Raw("GET", "/api/v1/admin/audit-log?actor=abc", nil); r.Status != 400 || r.ErrorCode() != "invalid_input" {
			t.Fatalf("bad actor → %d %s", r.Status, r.Body)
		}
	})
}
