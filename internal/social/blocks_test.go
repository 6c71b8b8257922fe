package social_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-chat/parley/internal/testkit"
)

func search(c *testkit.Client, q string) []string {
	var page struct {
		Items []publicUser `json:"items"`
	}
	c.Do("GET", "/api/v1/users/search?q="+q, nil, http.StatusOK, &page)
	var names []string
	for _, u := range page.Items {
		names = append(names, u.Username)
	}
	return names
}

func blocked(c *testkit.Client) []string {
	var page struct {
		Items      []publicUser `json:"items"`
		NextCursor any          `json:"next_cursor"`
	}
	c.Do("GET", "/api/v1/blocks", nil, http.StatusOK, &page)
	var names []string
	for _, u := range page.Items {
		names = append(names, u.Username)
	}
	return names
}

func TestBlockRefusesRequestsMessagesAndSearch(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	alice, bob, carol, dave := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob"), srv.NewUser(admin, "carol"), srv.NewUser(admin, "dave")
	srv.MakeFriends(alice, dave)
	conv := dave.OpenDirect(alice.UserID)
	ask(carol, alice, http.StatusCreated)

	for _, u := range []*testkit.Client{bob, carol, dave} {
		alice.Do("PUT", fmt.Sprintf("/api/v1/blocks/%d", u.UserID), nil, http.StatusNoContent, nil)
	}
	alice.Do("PUT", fmt.Sprintf("/api/v1/blocks/%d", bob.UserID), nil, http.StatusNoContent, nil) // again: no error
	if got := strings.Join(blocked(alice), ","); got != "dave,carol,bob" {
		t.Fatalf("alice blocked %s", got)
	}

	// Requests, either way, are refused without saying who blocked whom.
	for _, tc := range []struct {
		from, to *testkit.Client
	}{{bob, alice}, {alice, bob}} {
		r := tc.from.Raw("POST", "/api/v1/friend-requests", map[string]any{"user_id": tc.to.UserID})
		wantError(t, r, http.StatusForbidden, "blocked")
		if strings.Contains(string(r.Body), "alice") || strings.Contains(string(r.Body), "bob") {
			t.Fatalf("the refusal names someone: %s", r.Body)
		}
	}
	// Carol's pending request went away with the block.
	if in, out := requests(alice, "incoming"), requests(carol, "outgoing"); len(in)+len(out) != 0 {
		t.Fatalf("pending after block: %+v %+v", in, out)
	}
	// The friendship stays; messages are refused both ways.
	if ids := friendIDs(dave); len(ids) != 1 || ids[0] != alice.UserID {
		t.Fatalf("block removed the friendship: %v", ids)
	}
	msgs := fmt.Sprintf("/api/v1/conversations/%d/messages", conv.ID)
	wantError(t, dave.Raw("POST", msgs, map[string]string{"client_msg_id": "d1", "body": "hi"}), http.StatusUnprocessableEntity, "blocked")
	wantError(t, alice.Raw("POST", msgs, map[string]string{"client_msg_id": "a1", "body": "hi"}), http.StatusUnprocessableEntity, "blocked")
	// Search hides alice from those she blocked, not the other way round.
	if got := search(bob, "alice"); len(got) != 0 {
		t.Fatalf("bob finds %v", got)
	}
	if got := search(admin, "alice"); len(got) != 1 {
		t.Fatalf("admin finds %v", got)
	}
	if got := search(alice, "bob"); len(got) != 1 {
		t.Fatalf("alice finds %v", got)
	}

	for _, tt := range []struct {
		name, method, path string
		status             int
		code               string
	}{
		{"block oneself", "PUT", fmt.Sprintf("/api/v1/blocks/%d", alice.UserID), 400, "invalid_input"},
		{"block nobody", "PUT", "/api/v1/blocks/987654", 404, "user_not_found"},
		{"unblock nobody", "DELETE", "/api/v1/blocks/987654", 404, "user_not_found"},
		{"bad id", "PUT", "/api/v1/blocks/bob", 404, "not_found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, alice.Raw(tt.method, tt.path, nil), tt.status, tt.code)
		})
	}

	alice.Do("DELETE", fmt.Sprintf("/api/v1/blocks/%d", dave.UserID), nil, http.StatusNoContent, nil)
	alice.Do("DELETE", fmt.Sprintf("/api/v1/blocks/%d", dave.UserID), nil, http.StatusNoContent, nil)
	dave.SendText(conv.ID, "d2", "thanks for unblocking")
	alice.Do("DELETE", fmt.Sprintf("/api/v1/blocks/%d", bob.UserID), nil, http.StatusNoContent, nil)
	if got := search(bob, "alice"); len(got) != 1 {
		t.Fatalf("after unblock bob finds %v", got)
	}
	ask(bob, alice, http.StatusCreated)
	if got := strings.Join(blocked(alice), ","); got != "carol" {
		t.Fatalf("alice still blocks %s", got)
	}
	// A new direct conversation with someone blocked is refused too.
	srv.MakeFriends(carol, bob)
	bob.Do("PUT", fmt.Sprintf("/api/v1/blocks/%d", carol.UserID), nil, http.StatusNoContent, nil)
	wantError(t, carol.Raw("POST", "/api/v1/conversations/direct", map[string]any{"user_id": bob.UserID}), http.StatusUnprocessableEntity, "blocked")
}
