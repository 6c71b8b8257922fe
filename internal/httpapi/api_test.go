package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/httpapi"
	"github.com/parley-chat/parley/internal/testkit"
)

func TestBadInputGetsAClearErrorNeverA500(t *testing.T) {
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) { c.MaxBodyBytes = 4096 }))
	admin := srv.Setup()
	bob := srv.NewUser(admin, "bob")
	srv.MakeFriends(admin, bob)
	conv := admin.OpenDirect(bob.UserID)
	msgs := fmt.Sprintf("/api/v1/conversations/%d/messages", conv.ID)
	tests := []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"malformed json", "POST", msgs, `{"client_msg_id":`, 400, "bad_json"},
		{"empty body", "POST", msgs, "", 400, "bad_json"},
		{"wrong type", "POST", msgs, `{"client_msg_id":5,"body":"x"}`, 400, "invalid_input"},
		{"unknown field", "POST", msgs, `{"client_msg_id":"a","body":"x","colour":1}`, 400, "invalid_input"},
		{"oversize body", "POST", msgs, `{"client_msg_id":"a","body":"` + strings.Repeat("x", 5000) + `"}`, 413, "too_large"},
		{"message too long", "PATCH", "/api/v1/me", `{"nickname":"` + strings.Repeat("n", 65) + `"}`, 400, "invalid_input"},
		{"bad id in path", "GET", "/api/v1/conversations/abc/messages", nil, 404, "not_found"},
		{"no such conversation", "GET", "/api/v1/conversations/424242", nil, 404, "conversation_not_found"},
		{"bad query", "GET", msgs + "?after_seq=-1", nil, 400, "invalid_input"},
		{"both cursors", "GET", msgs + "?after_seq=1&before_seq=3", nil, 400, "invalid_input"},
		{"bad limit", "GET", msgs + "?limit=many", nil, 400, "invalid_input"},
		{"bad cursor", "GET", "/api/v1/conversations?cursor=@@@", nil, 400, "invalid_input"},
		{"unknown api path", "GET", "/api/v1/nowhere", nil, 404, "not_found"},
		{"wrong method", "DELETE", "/api/v1/me", nil, 405, "method_not_allowed"},
		{"direct with oneself", "POST", "/api/v1/conversations/direct", map[string]any{"user_id": admin.UserID}, 400, "invalid_input"},
		{"direct with nobody", "POST", "/api/v1/conversations/direct", map[string]any{"user_id": 987654}, 404, "user_not_found"},
		{"recall unknown", "POST", "/api/v1/messages/987654/recall", nil, 404, "message_not_found"},
		{"unsupported kind", "POST", msgs, map[string]any{"client_msg_id": "i1", "kind": "red_packet", "body": "x"}, 422, "unsupported_kind"},
		{"media without attachment", "POST", msgs, map[string]any{"client_msg_id": "i2", "kind": "image"}, 400, "invalid_input"},
		{"search without q", "GET", "/api/v1/users/search", nil, 400, "invalid_input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := admin.Raw(tt.method, tt.path, tt.body)
			if r.Status != tt.status || r.ErrorCode() != tt.code {
				t.Fatalf("%s %s → %d %s, want %d %s", tt.method, tt.path, r.Status, r.Body, tt.status, tt.code)
			}
			var e struct {
				Error struct {
					Message string `json:"message"`
				} `json:"error"`
			}
			r.JSON(t, &e)
			if e.Error.Message == "" {
				t.Fatalf("error without message: %s", r.Body)
			}
		})
	}
}

func TestAuthenticationAndOtherPeoplesObjects(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	alice, bob, eve := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob"), srv.NewUser(admin, "eve")
	srv.MakeFriends(alice, bob)
	conv := alice.OpenDirect(bob.UserID)
	m := alice.SendText(conv.ID, "s1", "secret")
	anon := srv.Client()
	for _, p := range []string{"/api/v1/me", "/api/v1/conversations", fmt.Sprintf("/api/v1/conversations/%d/messages", conv.ID)} {
		if r := anon.Raw("GET", p, nil); r.Status != http.StatusUnauthorized || r.ErrorCode() != "unauthorized" {
			t.Fatalf("GET %s without token: %d %s", p, r.Status, r.Body)
		}
	}
	forged := srv.Client()
	forged.Token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.bad"
	if r := forged.Raw("GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized || r.ErrorCode() != "invalid_token" {
		t.Fatalf("forged token: %d %s", r.Status, r.Body)
	}
	for _, req := range []struct {
		method, path string
		body         any
	}{
		{"GET", fmt.Sprintf("/api/v1/conversations/%d", conv.ID), nil},
		{"GET", fmt.Sprintf("/api/v1/conversations/%d/messages?after_seq=0", conv.ID), nil},
		{"POST", fmt.Sprintf("/api/v1/conversations/%d/messages", conv.ID), map[string]string{"client_msg_id": "e", "body": "hi"}},
		{"POST", fmt.Sprintf("/api/v1/conversations/%d/read", conv.ID), map[string]int64{"seq": 1}},
		{"POST", fmt.Sprintf("/api/v1/messages/%d/recall", m.ID), nil},
	} {
		if r := eve.Raw(req.method, req.path, req.body); r.Status != http.StatusNotFound {
			t.Fatalf("eve %s %s: %d %s, want 404", req.method, req.path, r.Status, r.Body)
		}
	}
	var list struct {
		Items []testkit.Conversation `json:"items"`
	}
	eve.Do("GET", "/api/v1/conversations", nil, http.StatusOK, &list)
	if len(list.Items) != 0 {
		t.Fatalf("eve sees %+v", list.Items)
	}
	if r := alice.Raw("POST", "/api/v1/admin/users", map[string]any{"username": "x1", "email": "x1@example.com", "password": "password1"}); r.Status != http.StatusForbidden {
		t.Fatalf("non-admin creating users: %d", r.Status)
	}
}

func TestConversationListPagesByCursor(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	var peers []*testkit.Client
	for i := 0; i < 5; i++ {
		p := srv.NewUser(admin, fmt.Sprintf("peer%d", i))
		peers = append(peers, p)
		srv.MakeFriends(admin, p)
		admin.SendText(admin.OpenDirect(p.UserID).ID, "hi", fmt.Sprintf("to peer%d", i))
	}
	seen := map[int64]bool{}
	cursor := ""
	pages := 0
	for {
		var page struct {
			Items      []testkit.Conversation `json:"items"`
			NextCursor *string                `json:"next_cursor"`
		}
		admin.Do("GET", "/api/v1/conversations?limit=2&cursor="+cursor, nil, http.StatusOK, &page)
		pages++
		for _, c := range page.Items {
			if seen[c.ID] {
				t.Fatalf("conversation %d twice", c.ID)
			}
			seen[c.ID] = true
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	if len(seen) != 5 || pages != 3 {
		t.Fatalf("saw %d conversations over %d pages", len(seen), pages)
	}
	var first struct {
		Items []testkit.Conversation `json:"items"`
	}
	admin.Do("GET", "/api/v1/conversations?limit=1", nil, http.StatusOK, &first)
	if first.Items[0].Title != "Peer4" || first.Items[0].LastMessage.Body != "to peer4" {
		t.Fatalf("most recent first: %+v", first.Items[0])
	}
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	srv := testkit.Start(t)
	c := srv.Client()
	c.Do("GET", "/healthz", nil, http.StatusOK, nil)
	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	c.Do("GET", "/readyz", nil, http.StatusOK, &ready)
	if ready.Checks["database"] != "ok" || ready.Checks["redis"] != "ok" {
		t.Fatalf("readyz %+v", ready)
	}
	admin := srv.Setup()
	admin.Dial()
	body := string(c.Do("GET", "/metrics", nil, http.StatusOK, nil).Body)
	for _, want := range []string{
		`parley_http_requests_total{method="POST",route="/api/v1/setup",status="201"} 1`,
		"parley_ws_sessions 1",
		"parley_http_request_duration_seconds_bucket",
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestOpenAPIDocumentMatchesTheRoutes(t *testing.T) {
	srv := testkit.Start(t)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	srv.Client().Do("GET", "/api/openapi.json", nil, http.StatusOK, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, r := range srv.App.HTTP.Routes() {
		if strings.HasSuffix(r.Path, "/*") || strings.HasPrefix(r.Method, "echo_") || !isDocumented(r.Path) {
			continue
		}
		served[r.Method+" "+echoToOpenAPI(r.Path)] = true
	}
	var missing, stale []string
	for k := range served {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !served[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 || len(stale) > 0 {
		t.Fatalf("routes missing from openapi.json: %v\ndocumented but not served: %v", missing, stale)
	}
	if len(served) < 20 {
		t.Fatalf("only %d routes found", len(served))
	}
	if string(httpapi.OpenAPIDocument()) == "" {
		t.Fatal("empty document")
	}
}

// isDocumented says which routes the OpenAPI document must list.
func isDocumented(p string) bool {
	return strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/media/") || strings.HasPrefix(p, "/apps/") || p == "/ws" || p == "/healthz" || p == "/readyz" || p == "/metrics"
}

func echoToOpenAPI(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

func TestDemoPageEmbedsTheWidget(t *testing.T) {
	srv := testkit.Start(t)
	r := srv.Client().Raw("GET", "/demo", nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `<script src="/widget.js"`) {
		t.Fatalf("demo page: %d %s", r.Status, r.Body)
	}
	if r := srv.Client().Raw("GET", "/", nil); r.Status != http.StatusOK && r.Status != http.StatusServiceUnavailable {
		t.Fatalf("root: %d", r.Status)
	}
}
