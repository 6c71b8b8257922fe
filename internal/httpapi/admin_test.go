package httpapi_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/internal/testkit"
)

type adminUser struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Role     string `json:"role"`
	Disabled bool   `json:"disabled"`
}

type userPage struct {
	Items      []adminUser `json:"items"`
	NextCursor *string     `json:"next_cursor"`
}

func usernames(p userPage) []string {
	out := []string{}
	for _, u := range p.Items {
		out = append(out, u.Username)
	}
	return out
}

func TestAdminListsAndSearchesUsers(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	bob := srv.NewUser(admin, "bob")
	srv.NewUser(admin, "bobby_b")
	admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": "carol", "email": "carol@shop.example", "password": "password-carol",
		"nickname": "Carol 100%", "role": "agent", "verified": true}, http.StatusCreated, nil)

	tests := []struct {
		name, query string
		want        string
	}{
		{"everyone by id", "", "[admin bob bobby_b carol]"},
		{"username substring", "?q=BOB", "[bob bobby_b]"},
		{"e-mail substring", "?q=shop.example", "[carol]"},
		{"nickname substring", "?q=carol%20100", "[carol]"},
		{"like wildcards are literal", "?q=%25", "[carol]"},
		{"underscore is no wildcard", "?q=b_b", "[]"},
		{"underscore matches itself", "?q=y_b", "[bobby_b]"},
		{"role filter", "?role=agent", "[carol]"},
		{"role and query", "?role=admin&q=bob", "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p userPage
			admin.Do("GET", "/api/v1/admin/users"+tt.query, nil, http.StatusOK, &p)
			if got := fmt.Sprint(usernames(p)); got != tt.want {
				t.Fatalf("GET %s → %s, want %s", tt.query, got, tt.want)
			}
		})
	}

	t.Run("pages with a cursor", func(t *testing.T) {
		var seen []string
		cursor := ""
		for i := 0; i < 5; i++ {
			var p userPage
			admin.Do("GET", "/api/v1/admin/users?limit=3"+cursor, nil, http.StatusOK, &p)
			seen = append(seen, usernames(p)...)
			if p.NextCursor == nil {
				break
			}
			cursor = "&cursor=" + *p.NextCursor
		}
		if fmt.Sprint(seen) != "[admin bob bobby_b carol]" {
			t.Fatalf("pages gave %v", seen)
		}
	})

	errCases := []struct {
		name   string
		c      *testkit.Client
		query  string
		status int
		code   string
	}{
		{"non-admin", bob, "", 403, "forbidden"},
		{"anonymous", srv.Client(), "", 401, "unauthorized"},
		{"bad role", admin, "?role=root", 400, "invalid_input"},
		{"bad cursor", admin, "?cursor=x", 400, "invalid_input"},
	}
	for _, tt := range errCases {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.Raw("GET", "/api/v1/admin/users"+tt.query, nil)
			if r.Status != tt.status || r.ErrorCode() != tt.code {
				t.Fatalf("→ %d %s, want %d %s", r.Status, r.Body, tt.status, tt.code)
			}
		})
	}
}

func TestAdminChangesRolesAndTheyApplyAtOnce(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	bob := srv.NewUser(admin, "bob")
	path := fmt.Sprintf("/api/v1/admin/users/%d", bob.UserID)

	bob.Do("GET", "/api/v1/admin/users", nil, http.StatusForbidden, nil)
	var u adminUser
	admin.Do("PATCH", path, map[string]any{"role": "admin"}, http.StatusOK, &u)
	if u.Role != "admin" || u.Disabled {
		t.Fatalf("patched user %+v", u)
	}
	// bob's access token was issued while he was a user; the new role counts at once.
	bob.Do("GET", "/api/v1/admin/users", nil, http.StatusOK, nil)
	admin.Do("PATCH", path, map[string]any{"role": "user"}, http.StatusOK, &u)
	bob.Do("GET", "/api/v1/admin/users", nil, http.StatusForbidden, nil)

	errCases := []struct {
		name   string
		c      *testkit.Client
		path   string
		body   any
		status int
		code   string
	}{
		{"bad role", admin, path, map[string]any{"role": "root"}, 400, "invalid_input"},
		{"wrong type", admin, path, map[string]any{"disabled": "yes"}, 400, "invalid_input"},
		{"unknown field", admin, path, map[string]any{"password": "x"}, 400, "invalid_input"},
		{"unknown user", admin, "/api/v1/admin/users/987654", map[string]any{"role": "agent"}, 404, "user_not_found"},
		{"non-admin", bob, fmt.Sprintf("/api/v1/admin/users/%d", admin.UserID), map[string]any{"disabled": true}, 403, "forbidden"},
	}
	for _, tt := range errCases {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.Raw("PATCH", tt.path, tt.body)
			if r.Status != tt.status || r.ErrorCode() != tt.code {
				t.Fatalf("→ %d %s, want %d %s", r.Status, r.Body, tt.status, tt.code)
			}
		})
	}
}

func TestTheLastAdminStays(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	bob := srv.NewUser(admin, "bob")
	self := fmt.Sprintf("/api/v1/admin/users/%d", admin.UserID)
	for _, body := range []map[string]any{{"role": "agent"}, {"disabled": true}, {"role": "admin", "disabled": true}} {
		r := admin.Raw("PATCH", self, body)
		if r.Status != http.StatusConflict || r.ErrorCode() != "last_admin" {
			t.Fatalf("%v → %d %s, want 409 last_admin", body, r.Status, r.Body)
		}
	}
	admin.Do("PATCH", fmt.Sprintf("/api/v1/admin/users/%d", bob.UserID), map[string]any{"role": "admin"}, http.StatusOK, nil)
	admin.Do("PATCH", self, map[string]any{"role": "agent"}, http.StatusOK, nil)
	r := bob.Raw("PATCH", fmt.Sprintf("/api/v1/admin/users/%d", bob.UserID), map[string]any{"disabled": true})
	if r.Status != http.StatusConflict || r.ErrorCode() != "last_admin" {
		t.Fatalf("bob disabling himself → %d %s, want 409 last_admin", r.Status, r.Body)
	}
	// The former admin's token lost its powers at once.
	admin.Do("GET", "/api/v1/admin/users", nil, http.StatusForbidden, nil)
}

func TestDisablingAUserSignsThemOutEverywhere(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	bob := srv.NewUser(admin, "bob")
	ws := bob.Dial()
	path := fmt.Sprintf("/api/v1/admin/users/%d", bob.UserID)

	var u adminUser
	admin.Do("PATCH", path, map[string]any{"disabled": true}, http.StatusOK, &u)
	if !u.Disabled {
		t.Fatalf("patched user %+v", u)
	}
	_ = ws.Conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := ws.Conn.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != 4001 || ce.Text != "account_disabled" {
			t.Fatalf("socket ended with %v, want close 4001 account_disabled", err)
		}
		break
	}
	checks := []struct {
		name   string
		r      *testkit.Response
		status int
		code   string
	}{
		{"api call", bob.Raw("GET", "/api/v1/me", nil), 401, "account_disabled"},
		{"ticket", bob.Raw("POST", "/api/v1/realtime/ticket", nil), 401, "account_disabled"},
		{"refresh (revoked)", srv.Client().Raw("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": bob.RefreshToken}), 401, "invalid_refresh_token"},
		{"login", srv.Client().Raw("POST", "/api/v1/auth/login", map[string]string{"login": "bob", "password": "password-bob"}), 403, "account_disabled"},
	}
	for _, c := range checks {
		if c.r.Status != c.status || c.r.ErrorCode() != c.code {
			t.Fatalf("%s → %d %s, want %d %s", c.name, c.r.Status, c.r.Body, c.status, c.code)
		}
	}
	var p userPage
	admin.Do("GET", "/api/v1/admin/users?q=bob", nil, http.StatusOK, &p)
	if len(p.Items) != 1 || !p.Items[0].Disabled {
		t.Fatalf("list shows %+v", p.Items)
	}

	admin.Do("PATCH", path, map[string]any{"disabled": false}, http.StatusOK, &u)
	again := srv.Login("bob", "password-bob")
	again.Do("GET", "/api/v1/me", nil, http.StatusOK, nil)
	again.Dial()
}

func TestDisablingClosesSocketsOnEveryNode(t *testing.T) {
	nodes := testkit.StartCluster(t, 2)
	admin := nodes[0].Setup()
	bob := nodes[0].NewUser(admin, "bob").On(nodes[1])
	ws := bob.Dial()
	admin.Do("PATCH", fmt.Sprintf("/api/v1/admin/users/%d", bob.UserID), map[string]any{"role": "admin"}, http.StatusOK, nil)
	_ = ws.Conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := ws.Conn.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != 4001 || ce.Text != "role_changed" {
			t.Fatalf("socket on the other node ended with %v, want close 4001 role_changed", err)
		}
		break
	}
	// The other node honours the new role of bob's old token, then the disabling.
	bob.Do("GET", "/api/v1/admin/users", nil, http.StatusOK, nil)
	admin.Do("PATCH", fmt.Sprintf("/api/v1/admin/users/%d", bob.UserID), map[string]any{"disabled": true}, http.StatusOK, nil)
	if r := bob.Raw("GET", "/api/v1/me", nil); r.Status != 401 || r.ErrorCode() != "account_disabled" {
		t.Fatalf("node B → %d %s, want 401 account_disabled", r.Status, r.Body)
	}
}
