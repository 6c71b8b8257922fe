package social_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/testkit"
)

type publicUser struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Nickname string `json:"nickname"`
}

type friendRequest struct {
	ID        int64      `json:"id"`
	From      publicUser `json:"from"`
	To        publicUser `json:"to"`
	Message   string     `json:"message"`
	Status    string     `json:"status"`
	CreatedAt time.Time  `json:"created_at"`
}

type presence struct {
	Status     string     `json:"status"`
	LastSeenAt *time.Time `json:"last_seen_at"`
}

type friendEntry struct {
	User       publicUser `json:"user"`
	Remark     string     `json:"remark"`
	CategoryID *int64     `json:"category_id"`
	Presence   presence   `json:"presence"`
	Since      time.Time  `json:"since"`
}

// ask sends a friend request from c to to and requires status want.
func ask(c, to *testkit.Client, want int) friendRequest {
	var r friendRequest
	c.Do("POST", "/api/v1/friend-requests", map[string]any{"user_id": to.UserID, "message": "hi " + to.Username}, want, &r)
	return r
}

func requests(c *testkit.Client, box string) []friendRequest {
	var page struct {
		Items      []friendRequest `json:"items"`
		NextCursor *string         `json:"next_cursor"`
	}
	c.Do("GET", "/api/v1/friend-requests?box="+box, nil, http.StatusOK, &page)
	return page.Items
}

func friendsOf(c *testkit.Client) []friendEntry {
	var page struct {
		Items []friendEntry `json:"items"`
	}
	c.Do("GET", "/api/v1/friends?limit=200", nil, http.StatusOK, &page)
	return page.Items
}

func friendIDs(c *testkit.Client) []int64 {
	var ids []int64
	for _, f := range friendsOf(c) {
		ids = append(ids, f.User.ID)
	}
	return ids
}

// wantError requires an error answer with this status and code, in the
// envelope, with a message.
func wantError(t *testing.T, r *testkit.Response, status int, code string) {
	t.Helper()
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	r.JSON(t, &e)
	if r.Status != status || e.Error.Code != code || e.Error.Message == "" {
		t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, status, code)
	}
}

func TestFriendRequestIsAcceptedIntoAFriendshipBothWays(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	alice, bob := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob")
	aws, bws := alice.Dial(), bob.Dial()

	req := ask(alice, bob, http.StatusCreated)
	if req.Status != "pending" || req.From.ID != alice.UserID || req.To.ID != bob.UserID || req.Message != "hi bob" || req.CreatedAt.IsZero() {
		t.Fatalf("request %+v", req)
	}
	var f struct {
		Request friendRequest `json:"request"`
	}
	bws.ReadType("friend_request", 5*time.Second).Decode(t, &f)
	if f.Request.ID != req.ID || f.Request.From.Username != "alice" {
		t.Fatalf("bob was told %+v", f.Request)
	}
	if in := requests(bob, "incoming"); len(in) != 1 || in[0].ID != req.ID {
		t.Fatalf("bob's incoming %+v", in)
	}
	if in := requests(bob, ""); len(in) != 1 {
		t.Fatalf("the default box is not incoming: %+v", in)
	}
	if out := requests(alice, "outgoing"); len(out) != 1 || out[0].ID != req.ID {
		t.Fatalf("alice's outgoing %+v", out)
	}
	if in := requests(alice, "incoming"); len(in) != 0 {
		t.Fatalf("alice's incoming %+v", in)
	}
	wantError(t, alice.Raw("POST", "/api/v1/friend-requests", map[string]any{"username": "bob"}), http.StatusConflict, "request_exists")
	wantError(t, alice.Raw("POST", fmt.Sprintf("/api/v1/friend-requests/%d/accept", req.ID), nil), http.StatusNotFound, "request_not_found")

	var accepted friendRequest
	bob.Do("POST", fmt.Sprintf("/api/v1/friend-requests/%d/accept", req.ID), nil, http.StatusOK, &accepted)
	if accepted.Status != "accepted" {
		t.Fatalf("accepted %+v", accepted)
	}
	for _, tc := range []struct {
		ws   *testkit.WS
		peer string
	}{{aws, "bob"}, {bws, "alice"}} {
		var fr struct {
			Event string     `json:"event"`
			User  publicUser `json:"user"`
		}
		tc.ws.ReadType("friend", 5*time.Second).Decode(t, &fr)
		if fr.Event != "added" || fr.User.Username != tc.peer {
			t.Fatalf("friend frame %+v, want added %s", fr, tc.peer)
		}
	}
	if a, b := friendIDs(alice), friendIDs(bob); len(a) != 1 || a[0] != bob.UserID || len(b) != 1 || b[0] != alice.UserID {
		t.Fatalf("friends: alice %v, bob %v", a, b)
	}
	if in := requests(bob, "incoming"); len(in) != 0 {
		t.Fatalf("answered request still listed: %+v", in)
	}
	wantError(t, bob.Raw("POST", fmt.Sprintf("/api/v1/friend-requests/%d/accept", req.ID), nil), http.StatusConflict, "request_not_pending")
	wantError(t, alice.Raw("POST", "/api/v1/friend-requests", map[string]any{"user_id": bob.UserID}), http.StatusConflict, "already_friends")
	wantError(t, bob.Raw("POST", "/api/v1/friend-requests", map[string]any{"username": "alice"}), http.StatusConflict, "already_friends")
}

func TestRejectCancelAndCrossedRequests(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	alice, bob, carol := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob"), srv.NewUser(admin, "carol")

	first := ask(alice, bob, http.StatusCreated)
	var rejected friendRequest
	bob.Do("POST", fmt.Sprintf("/api/v1/friend-requests/%d/reject", first.ID), nil, http.StatusOK, &rejected)
	if rejected.Status != "rejected" || len(friendIDs(alice)) != 0 {
		t.Fatalf("rejected %+v, friends %v", rejected, friendIDs(alice))
	}
	wantError(t, bob.Raw("POST", fmt.Sprintf("/api/v1/friend-requests/%d/accept", first.ID), nil), http.StatusConflict, "request_not_pending")

	second := ask(alice, bob, http.StatusCreated) // asking again after a no is allowed
	bws := bob.Dial()
	wantError(t, bob.Raw("DELETE", fmt.Sprintf("/api/v1/friend-requests/%d", second.ID), nil), http.StatusNotFound, "request_not_found")
	alice.Do("DELETE", fmt.Sprintf("/api/v1/friend-requests/%d", second.ID), nil, http.StatusNoContent, nil)
	var f struct {
		Request friendRequest `json:"request"`
	}
	bws.ReadType("friend_request", 5*time.Second).Decode(t, &f)
	if f.Request.ID != second.ID || f.Request.Status != "canceled" {
		t.Fatalf("bob was told %+v", f.Request)
	}
	if in := requests(bob, "incoming"); len(in) != 0 {
		t.Fatalf("canceled request listed: %+v", in)
	}
	wantError(t, alice.Raw("DELETE", fmt.Sprintf("/api/v1/friend-requests/%d", second.ID), nil), http.StatusConflict, "request_not_pending")
	wantError(t, bob.Raw("POST", fmt.Sprintf("/api/v1/friend-requests/%d/reject", second.ID), nil), http.StatusConflict, "request_not_pending")

	// Carol asks alice; alice, not having looked, asks carol: that accepts.
	theirs := ask(carol, alice, http.StatusCreated)
	mine := ask(alice, carol, http.StatusOK)
	if mine.ID != theirs.ID || mine.Status != "accepted" || mine.From.ID != carol.UserID {
		t.Fatalf("crossed request answered %+v, want carol's request accepted", mine)
	}
	if ids := friendIDs(carol); len(ids) != 1 || ids[0] != alice.UserID {
		t.Fatalf("carol's friends %v", ids)
	}
	if out := requests(carol, "outgoing"); len(out) != 0 {
		t.Fatalf("carol's outgoing %+v", out)
	}
}

func TestFriendRequestBadInput(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	alice, bob := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob")
	pending := ask(bob, alice, http.StatusCreated)
	tests := []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"to oneself by id", "POST", "/api/v1/friend-requests", map[string]any{"user_id": alice.UserID}, 409, "cannot_befriend_self"},
		{"to oneself by name", "POST", "/api/v1/friend-requests", map[string]any{"username": "Alice"}, 409, "cannot_befriend_self"},
		{"unknown id", "POST", "/api/v1/friend-requests", map[string]any{"user_id": 987654}, 404, "user_not_found"},
		{"unknown name", "POST", "/api/v1/friend-requests", map[string]any{"username": "nobody"}, 404, "user_not_found"},
		{"e-mail is not a username", "POST", "/api/v1/friend-requests", map[string]any{"username": "bob@example.com"}, 404, "user_not_found"},
		{"nobody named", "POST", "/api/v1/friend-requests", map[string]any{"message": "hi"}, 400, "invalid_input"},
		{"negative id", "POST", "/api/v1/friend-requests", map[string]any{"user_id": -3}, 400, "invalid_input"},
		{"id as text", "POST", "/api/v1/friend-requests", `{"user_id":"3"}`, 400, "invalid_input"},
		{"message too long", "POST", "/api/v1/friend-requests", map[string]any{"username": "bob", "message": strings.Repeat("m", 201)}, 400, "invalid_input"},
		{"unknown field", "POST", "/api/v1/friend-requests", map[string]any{"username": "bob", "note": "x"}, 400, "invalid_input"},
		{"malformed", "POST", "/api/v1/friend-requests", `{"username":`, 400, "bad_json"},
		{"bad box", "GET", "/api/v1/friend-requests?box=sideways", nil, 400, "invalid_input"},
		{"bad cursor", "GET", "/api/v1/friend-requests?cursor=x", nil, 400, "invalid_input"},
		{"accept unknown", "POST", "/api/v1/friend-requests/987654/accept", nil, 404, "request_not_found"},
		{"accept bad id", "POST", "/api/v1/friend-requests/abc/accept", nil, 404, "not_found"},
		{"cancel someone else's", "DELETE", fmt.Sprintf("/api/v1/friend-requests/%d", pending.ID), nil, 404, "request_not_found"},
		{"bad friends cursor", "GET", "/api/v1/friends?cursor=@@", nil, 400, "invalid_input"},
		{"patch a stranger", "PATCH", fmt.Sprintf("/api/v1/friends/%d", bob.UserID), map[string]any{"remark": "x"}, 404, "friend_not_found"},
		{"delete a stranger", "DELETE", fmt.Sprintf("/api/v1/friends/%d", bob.UserID), nil, 404, "friend_not_found"},
		{"friend bad id", "DELETE", "/api/v1/friends/zero", nil, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, alice.Raw(tt.method, tt.path, tt.body), tt.status, tt.code)
		})
	}
	// The pending request survived all that and still works.
	alice.Do("POST", fmt.Sprintf("/api/v1/friend-requests/%d/accept", pending.ID), nil, http.StatusOK, nil)
}

func TestFriendsListSortsByNicknameWithRemarkAndCategory(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	me := srv.NewUser(admin, "myself")
	zoe, adam, mike := srv.NewUser(admin, "zoe"), srv.NewUser(admin, "adam"), srv.NewUser(admin, "mike")
	other := srv.NewUser(admin, "other")
	for _, f := range []*testkit.Client{zoe, adam, mike} {
		srv.MakeFriends(me, f)
	}
	var work, theirs category
	me.Do("POST", "/api/v1/friend-categories", map[string]string{"name": "Work"}, http.StatusCreated, &work)
	other.Do("POST", "/api/v1/friend-categories", map[string]string{"name": "Mine"}, http.StatusCreated, &theirs)

	var patched friendEntry
	me.Do("PATCH", fmt.Sprintf("/api/v1/friends/%d", mike.UserID), map[string]any{"remark": "  Mike from work ", "category_id": work.ID}, http.StatusOK, &patched)
	if patched.Remark != "Mike from work" || patched.CategoryID == nil || *patched.CategoryID != work.ID || patched.User.Username != "mike" {
		t.Fatalf("patched %+v", patched)
	}
	// A remark-only patch keeps the category.
	me.Do("PATCH", fmt.Sprintf("/api/v1/friends/%d", mike.UserID), map[string]any{"remark": "Mikey"}, http.StatusOK, &patched)
	if patched.Remark != "Mikey" || patched.CategoryID == nil {
		t.Fatalf("remark-only patch gave %+v", patched)
	}
	for _, tt := range []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"someone else's category", map[string]any{"category_id": theirs.ID}, 404, "category_not_found"},
		{"no such category", map[string]any{"category_id": 987654}, 404, "category_not_found"},
		{"category as text", `{"category_id":"work"}`, 400, "invalid_input"},
		{"remark too long", map[string]any{"remark": strings.Repeat("r", 65)}, 400, "invalid_input"},
		{"unknown field", map[string]any{"nickname": "x"}, 400, "invalid_input"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, me.Raw("PATCH", fmt.Sprintf("/api/v1/friends/%d", zoe.UserID), tt.body), tt.status, tt.code)
		})
	}

	list := friendsOf(me)
	var names []string
	for _, f := range list {
		names = append(names, f.User.Nickname)
		if f.Since.IsZero() || f.Presence.Status != "offline" {
			t.Fatalf("entry %+v", f)
		}
	}
	if strings.Join(names, ",") != "Adam,Mike,Zoe" {
		t.Fatalf("order %v", names)
	}
	if list[1].Remark != "Mikey" || list[1].CategoryID == nil || list[0].CategoryID != nil || list[0].Remark != "" {
		t.Fatalf("entries %+v", list)
	}
	// The other side's view is its own.
	if mf := friendsOf(mike); mf[0].Remark != "" || mf[0].CategoryID != nil {
		t.Fatalf("mike sees %+v", mf[0])
	}

	// null takes the friend out of the category.
	me.Do("PATCH", fmt.Sprintf("/api/v1/friends/%d", mike.UserID), map[string]any{"category_id": nil}, http.StatusOK, &patched)
	if patched.CategoryID != nil || patched.Remark != "Mikey" {
		t.Fatalf("after null: %+v", patched)
	}

	// Pages of two.
	var page struct {
		Items      []friendEntry `json:"items"`
		NextCursor *string       `json:"next_cursor"`
	}
	me.Do("GET", "/api/v1/friends?limit=2", nil, http.StatusOK, &page)
	if len(page.Items) != 2 || page.NextCursor == nil || page.Items[1].User.Nickname != "Mike" {
		t.Fatalf("first page %+v", page)
	}
	cursor := *page.NextCursor
	page.NextCursor = nil
	me.Do("GET", "/api/v1/friends?limit=2&cursor="+cursor, nil, http.StatusOK, &page)
	if len(page.Items) != 1 || page.Items[0].User.Nickname != "Zoe" || page.NextCursor != nil {
		t.Fatalf("second page %+v", page)
	}
}

func TestDeletedFriendLeavesHistoryReadableButClosed(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	alice, bob := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob")
	srv.MakeFriends(alice, bob)
	conv := alice.OpenDirect(bob.UserID)
	alice.SendText(conv.ID, "m1", "hello bob")
	bws := bob.Dial()

	alice.Do("DELETE", fmt.Sprintf("/api/v1/friends/%d", bob.UserID), nil, http.StatusNoContent, nil)
	var fr struct {
		Event string     `json:"event"`
		User  publicUser `json:"user"`
	}
	bws.ReadType("friend", 5*time.Second).Decode(t, &fr)
	if fr.Event != "removed" || fr.User.ID != alice.UserID {
		t.Fatalf("bob was told %+v", fr)
	}
	if a, b := friendIDs(alice), friendIDs(bob); len(a)+len(b) != 0 {
		t.Fatalf("still friends: %v %v", a, b)
	}
	for _, c := range []*testkit.Client{alice, bob} {
		if h := c.History(conv.ID, "after_seq=0"); len(h.Items) != 1 || h.Items[0].Body != "hello bob" {
			t.Fatalf("history %+v", h.Items)
		}
	}
	if again := bob.OpenDirect(alice.UserID); again.ID != conv.ID {
		t.Fatalf("reopening gave conversation %d, want %d", again.ID, conv.ID)
	}
	path := fmt.Sprintf("/api/v1/conversations/%d/messages", conv.ID)
	wantError(t, bob.Raw("POST", path, map[string]string{"client_msg_id": "m2", "body": "still there?"}), http.StatusUnprocessableEntity, "not_friends")
	bws.Send(map[string]any{"type": "send", "client_msg_id": "m3", "conversation_id": conv.ID, "body": "hello?"})
	var e struct {
		ClientMsgID string `json:"client_msg_id"`
		Code        string `json:"code"`
	}
	bws.ReadType("error", 5*time.Second).Decode(t, &e)
	if e.Code != "not_friends" || e.ClientMsgID != "m3" {
		t.Fatalf("error frame %+v", e)
	}
	wantError(t, alice.Raw("DELETE", fmt.Sprintf("/api/v1/friends/%d", bob.UserID), nil), http.StatusNotFound, "friend_not_found")

	srv.MakeFriends(bob, alice)
	if m := bob.SendText(conv.ID, "m4", "friends again"); m.Seq != 2 {
		t.Fatalf("message after making up: %+v", m)
	}
}

func TestDirectConversationNeedsFriendship(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	alice, bob := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob")
	r := alice.Raw("POST", "/api/v1/conversations/direct", map[string]any{"user_id": bob.UserID})
	wantError(t, r, http.StatusUnprocessableEntity, "not_friends")
	var list struct {
		Items []testkit.Conversation `json:"items"`
	}
	bob.Do("GET", "/api/v1/conversations", nil, http.StatusOK, &list)
	if len(list.Items) != 0 {
		t.Fatalf("a refused open left %+v", list.Items)
	}
	srv.MakeFriends(alice, bob)
	conv := alice.OpenDirect(bob.UserID)
	bob.SendText(conv.ID, "b1", "hi alice")
}
