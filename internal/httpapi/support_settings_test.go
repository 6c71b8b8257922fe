package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/parley-chat/parley/internal/testkit"
)

func TestSupportSettingsCanBeEditedAndRemoved(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	agent := srv.NewUser(admin, "ann")
	outsider := srv.NewUser(admin, "oscar")
	admin.Do("PATCH", fmt.Sprintf("/api/v1/admin/users/%d", agent.UserID), map[string]any{"role": "agent"}, http.StatusOK, nil)
	admin.Do("PATCH", fmt.Sprintf("/api/v1/admin/users/%d", outsider.UserID), map[string]any{"role": "agent"}, http.StatusOK, nil)

	var site, other struct {
		siteBody
		PublicKey string `json:"public_key"`
	}
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Shop"}, http.StatusCreated, &site)
	admin.Do("POST", "/api/v1/sites", map[string]string{"name": "Other"}, http.StatusCreated, &other)
	defaultQ := site.Queues[0].ID
	var sales struct {
		ID        int64  `json:"id"`
		Name      string `json:"name"`
		IsDefault bool   `json:"is_default"`
	}
	admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/queues", site.ID), map[string]any{"name": "Sales"}, http.StatusCreated, &sales)
	admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", defaultQ, agent.UserID), map[string]int{"capacity": 2}, http.StatusNoContent, nil)
	admin.Do("PUT", fmt.Sprintf("/api/v1/queues/%d/agents/%d", other.Queues[0].ID, outsider.UserID), map[string]int{"capacity": 2}, http.StatusNoContent, nil)
	var canned, second struct {
		ID       int64  `json:"id"`
		Shortcut string `json:"shortcut"`
		Body     string `json:"body"`
	}
	agent.Do("POST", fmt.Sprintf("/api/v1/sites/%d/canned-responses", site.ID), map[string]string{"shortcut": "hi", "body": "Hello!"}, http.StatusCreated, &canned)
	agent.Do("POST", fmt.Sprintf("/api/v1/sites/%d/canned-responses", site.ID), map[string]string{"shortcut": "bye", "body": "Bye!"}, http.StatusCreated, &second)

	t.Run("queues are listed, renamed and made default", func(t *testing.T) {
		var qs struct {
			Items []struct {
				ID     int64  `json:"id"`
				Name   string `json:"name"`
				Agents []struct {
					UserID int64 `json:"user_id"`
				} `json:"agents"`
			} `json:"items"`
		}
		agent.Do("GET", fmt.Sprintf("/api/v1/sites/%d/queues", site.ID), nil, http.StatusOK, &qs)
		if len(qs.Items) != 2 || qs.Items[0].ID != defaultQ || len(qs.Items[0].Agents) != 1 || qs.Items[0].Agents[0].UserID != agent.UserID {
			t.Fatalf("queues %+v", qs.Items)
		}
		admin.Do("PATCH", fmt.Sprintf("/api/v1/queues/%d", sales.ID), map[string]any{"name": " Sales EU ", "assign_timeout_s": 60}, http.StatusOK, &sales)
		if sales.Name != "Sales EU" {
			t.Fatalf("renamed queue %+v", sales)
		}
	})

	t.Run("canned responses are edited by the site's agents", func(t *testing.T) {
		agent.Do("PATCH", fmt.Sprintf("/api/v1/canned-responses/%d", canned.ID), map[string]string{"shortcut": "/hello", "body": "Hello there!"}, http.StatusOK, &canned)
		if canned.Shortcut != "hello" || canned.Body != "Hello there!" {
			t.Fatalf("edited %+v", canned)
		}
		var list struct {
			Items []struct {
				Shortcut string `json:"shortcut"`
			} `json:"items"`
		}
		agent.Do("DELETE", fmt.Sprintf("/api/v1/canned-responses/%d", second.ID), nil, http.StatusNoContent, nil)
		agent.Do("GET", fmt.Sprintf("/api/v1/sites/%d/canned-responses", site.ID), nil, http.StatusOK, &list)
		if len(list.Items) != 1 || list.Items[0].Shortcut != "hello" {
			t.Fatalf("after delete %+v", list.Items)
		}
	})

	// An open conversation in the Sales queue.
	visitor, _ := srv.NewVisitor(site.PublicKey, nil)
	visitor.Open(map[string]any{"queue_id": sales.ID})

	errCases := []struct {
		name         string
		c            *testkit.Client
		method, path string
		body         any
		status       int
		code         string
	}{
		{"canned: another site's agent", outsider, "PATCH", fmt.Sprintf("/api/v1/canned-responses/%d", canned.ID), map[string]string{"body": "x"}, 403, "forbidden"},
		{"canned: another site's agent deletes", outsider, "DELETE", fmt.Sprintf("/api/v1/canned-responses/%d", canned.ID), nil, 403, "forbidden"},
		{"canned: unknown", admin, "PATCH", "/api/v1/canned-responses/987654", map[string]string{"body": "x"}, 404, "canned_response_not_found"},
		{"canned: deleted one", admin, "DELETE", fmt.Sprintf("/api/v1/canned-responses/%d", second.ID), nil, 404, "canned_response_not_found"},
		{"canned: bad shortcut", agent, "PATCH", fmt.Sprintf("/api/v1/canned-responses/%d", canned.ID), map[string]string{"shortcut": "Not ok"}, 400, "invalid_input"},
		{"canned: empty body", agent, "PATCH", fmt.Sprintf("/api/v1/canned-responses/%d", canned.ID), map[string]string{"body": "  "}, 400, "invalid_input"},
		{"queue: agent may not edit", agent, "PATCH", fmt.Sprintf("/api/v1/queues/%d", sales.ID), map[string]string{"name": "x"}, 403, "forbidden"},
		{"queue: unknown", admin, "PATCH", "/api/v1/queues/987654", map[string]string{"name": "x"}, 404, "queue_not_found"},
		{"queue: empty name", admin, "PATCH", fmt.Sprintf("/api/v1/queues/%d", sales.ID), map[string]string{"name": " "}, 400, "invalid_input"},
		{"queue: bad time-out", admin, "PATCH", fmt.Sprintf("/api/v1/queues/%d", sales.ID), map[string]int{"assign_timeout_s": 0}, 400, "invalid_input"},
		{"queue: delete the default", admin, "DELETE", fmt.Sprintf("/api/v1/queues/%d", defaultQ), nil, 409, "default_queue"},
		{"queue: delete with an open conversation", admin, "DELETE", fmt.Sprintf("/api/v1/queues/%d", sales.ID), nil, 409, "queue_has_open_conversations"},
		{"queue: agent deletes", agent, "DELETE", fmt.Sprintf("/api/v1/queues/%d", sales.ID), nil, 403, "forbidden"},
		{"queue: delete unknown", admin, "DELETE", "/api/v1/queues/987654", nil, 404, "queue_not_found"},
		{"queue agent: not in the queue", admin, "DELETE", fmt.Sprintf("/api/v1/queues/%d/agents/%d", sales.ID, agent.UserID), nil, 404, "not_in_queue"},
		{"queue agent: unknown queue", admin, "DELETE", fmt.Sprintf("/api/v1/queues/987654/agents/%d", agent.UserID), nil, 404, "queue_not_found"},
		{"queue agent: agent removes", agent, "DELETE", fmt.Sprintf("/api/v1/queues/%d/agents/%d", defaultQ, agent.UserID), nil, 403, "forbidden"},
		{"queues: another site's", outsider, "GET", fmt.Sprintf("/api/v1/sites/%d/queues", site.ID), nil, 403, "forbidden"},
		{"queues: unknown site", admin, "GET", "/api/v1/sites/987654/queues", nil, 404, "site_not_found"},
		{"site: with conversations", admin, "DELETE", fmt.Sprintf("/api/v1/sites/%d", site.ID), nil, 409, "site_has_conversations"},
		{"site: agent deletes", outsider, "DELETE", fmt.Sprintf("/api/v1/sites/%d", other.ID), nil, 403, "forbidden"},
		{"site: unknown", admin, "DELETE", "/api/v1/sites/987654", nil, 404, "site_not_found"},
	}
	for _, tt := range errCases {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.Raw(tt.method, tt.path, tt.body)
			if r.Status != tt.status || r.ErrorCode() != tt.code {
				t.Fatalf("%s %s → %d %s, want %d %s", tt.method, tt.path, r.Status, r.Body, tt.status, tt.code)
			}
		})
	}

	t.Run("a shortcut stays unique", func(t *testing.T) {
		agent.Do("POST", fmt.Sprintf("/api/v1/sites/%d/canned-responses", site.ID), map[string]string{"shortcut": "thanks", "body": "Thanks!"}, http.StatusCreated, &second)
		r := agent.Raw("PATCH", fmt.Sprintf("/api/v1/canned-responses/%d", second.ID), map[string]string{"shortcut": "hello"})
		if r.Status != 409 || r.ErrorCode() != "shortcut_taken" {
			t.Fatalf("→ %d %s, want 409 shortcut_taken", r.Status, r.Body)
		}
	})

	t.Run("a queue whose conversations are resolved goes, and they move to the default queue", func(t *testing.T) {
		var ac struct {
			Items []testkit.SupportConversation `json:"items"`
		}
		admin.Do("GET", "/api/v1/agent/conversations?view=all", nil, http.StatusOK, &ac)
		if len(ac.Items) != 1 {
			t.Fatalf("conversations %+v", ac.Items)
		}
		admin.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/resolve", ac.Items[0].ID), nil, http.StatusOK, nil)
		admin.Do("DELETE", fmt.Sprintf("/api/v1/queues/%d", sales.ID), nil, http.StatusNoContent, nil)
		admin.Do("GET", "/api/v1/agent/conversations?view=all", nil, http.StatusOK, &ac)
		if len(ac.Items) != 1 || ac.Items[0].QueueID != defaultQ {
			t.Fatalf("after the delete %+v, want it in queue %d", ac.Items, defaultQ)
		}
		var qs struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		admin.Do("GET", fmt.Sprintf("/api/v1/sites/%d/queues", site.ID), nil, http.StatusOK, &qs)
		if len(qs.Items) != 1 || qs.Items[0].ID != defaultQ {
			t.Fatalf("queues left %+v", qs.Items)
		}
	})

	t.Run("making a queue the default unsets the old one", func(t *testing.T) {
		var q struct {
			ID        int64 `json:"id"`
			IsDefault bool  `json:"is_default"`
		}
		admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/queues", site.ID), map[string]any{"name": "VIP"}, http.StatusCreated, &q)
		admin.Do("PATCH", fmt.Sprintf("/api/v1/queues/%d", q.ID), map[string]any{"is_default": true}, http.StatusOK, &q)
		if !q.IsDefault {
			t.Fatalf("queue %+v", q)
		}
		admin.Do("DELETE", fmt.Sprintf("/api/v1/queues/%d", defaultQ), nil, http.StatusNoContent, nil)
	})

	t.Run("agent removal and an unused site's deletion", func(t *testing.T) {
		admin.Do("DELETE", fmt.Sprintf("/api/v1/queues/%d/agents/%d", other.Queues[0].ID, outsider.UserID), nil, http.StatusNoContent, nil)
		outsider.Do("GET", fmt.Sprintf("/api/v1/sites/%d", other.ID), nil, http.StatusForbidden, nil)
		admin.Do("DELETE", fmt.Sprintf("/api/v1/sites/%d", other.ID), nil, http.StatusNoContent, nil)
		admin.Do("GET", fmt.Sprintf("/api/v1/sites/%d", other.ID), nil, http.StatusNotFound, nil)
	})
}
