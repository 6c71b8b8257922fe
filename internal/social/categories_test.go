package social_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-chat/parley/internal/testkit"
)

type category struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Position int    `json:"position"`
}

func categories(t *testing.T, c *testkit.Client) string {
	t.Helper()
	var page struct {
		Items      []category `json:"items"`
		NextCursor any        `json:"next_cursor"`
	}
	c.Do("GET", "/api/v1/friend-categories", nil, http.StatusOK, &page)
	if page.NextCursor != nil {
		t.Fatalf("next_cursor %v", page.NextCursor)
	}
	var parts []string
	for i, cat := range page.Items {
		if cat.Position != i {
			t.Fatalf("positions %+v", page.Items)
		}
		parts = append(parts, cat.Name)
	}
	return strings.Join(parts, ",")
}

func TestCategoriesRenameReorderAndDelete(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	me, friend, other := srv.NewUser(admin, "myself"), srv.NewUser(admin, "friend"), srv.NewUser(admin, "other")
	srv.MakeFriends(me, friend)
	made := map[string]category{}
	for _, name := range []string{"Family", "Work", "School"} {
		var c category
		me.Do("POST", "/api/v1/friend-categories", map[string]string{"name": name}, http.StatusCreated, &c)
		made[name] = c
	}
	if made["School"].Position != 2 {
		t.Fatalf("new categories go last: %+v", made)
	}
	if got := categories(t, me); got != "Family,Work,School" {
		t.Fatalf("categories %s", got)
	}
	if got := categories(t, other); got != "" {
		t.Fatalf("other sees %s", got)
	}
	// Someone else may use the same name.
	other.Do("POST", "/api/v1/friend-categories", map[string]string{"name": "Work"}, http.StatusCreated, nil)

	path := func(c category) string { return fmt.Sprintf("/api/v1/friend-categories/%d", c.ID) }
	for _, tt := range []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"duplicate", "POST", "/api/v1/friend-categories", map[string]string{"name": "work"}, 409, "category_exists"},
		{"empty", "POST", "/api/v1/friend-categories", map[string]string{"name": "  "}, 400, "invalid_input"},
		{"too long", "POST", "/api/v1/friend-categories", map[string]string{"name": strings.Repeat("n", 33)}, 400, "invalid_input"},
		{"no body", "POST", "/api/v1/friend-categories", "", 400, "bad_json"},
		{"rename onto another", "PATCH", path(made["School"]), map[string]string{"name": "Family"}, 409, "category_exists"},
		{"negative position", "PATCH", path(made["School"]), map[string]int{"position": -1}, 400, "invalid_input"},
		{"position as text", "PATCH", path(made["School"]), `{"position":"first"}`, 400, "invalid_input"},
		{"someone else's", "PATCH", path(made["Work"]), map[string]string{"name": "Mine"}, 404, "category_not_found"},
		{"delete someone else's", "DELETE", path(made["Work"]), nil, 404, "category_not_found"},
		{"bad id", "DELETE", "/api/v1/friend-categories/x", nil, 404, "not_found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := me
			if strings.HasPrefix(tt.name, "someone") || strings.HasPrefix(tt.name, "delete someone") {
				c = other
			}
			wantError(t, c.Raw(tt.method, tt.path, tt.body), tt.status, tt.code)
		})
	}

	var moved category
	me.Do("PATCH", path(made["School"]), map[string]int{"position": 0}, http.StatusOK, &moved)
	if moved.Position != 0 || moved.Name != "School" {
		t.Fatalf("moved %+v", moved)
	}
	if got := categories(t, me); got != "School,Family,Work" {
		t.Fatalf("after moving School first: %s", got)
	}
	me.Do("PATCH", path(made["School"]), map[string]any{"position": 99, "name": "Old school"}, http.StatusOK, &moved)
	if moved.Position != 2 || moved.Name != "Old school" {
		t.Fatalf("moved past the end: %+v", moved)
	}
	if got := categories(t, me); got != "Family,Work,Old school" {
		t.Fatalf("after moving last: %s", got)
	}
	// Renaming to the same name in another case is a rename, not a clash.
	me.Do("PATCH", path(made["Work"]), map[string]string{"name": "WORK"}, http.StatusOK, nil)

	me.Do("PATCH", fmt.Sprintf("/api/v1/friends/%d", friend.UserID), map[string]any{"category_id": made["Family"].ID}, http.StatusOK, nil)
	me.Do("DELETE", path(made["Family"]), nil, http.StatusNoContent, nil)
	if got := categories(t, me); got != "WORK,Old school" {
		t.Fatalf("after delete: %s", got)
	}
	if f := friendsOf(me); len(f) != 1 || f[0].CategoryID != nil {
		t.Fatalf("friend of a deleted category: %+v", f)
	}
	wantError(t, me.Raw("DELETE", path(made["Family"]), nil), http.StatusNotFound, "category_not_found")
}
