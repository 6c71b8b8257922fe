package social_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-chat/parley/internal/testkit"
)

func TestGroupCreatedWithPickedFriends(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	olga, pete, quinn, rita := srv.NewUser(admin, "olga"), srv.NewUser(admin, "pete"), srv.NewUser(admin, "quinn"), srv.NewUser(admin, "rita")
	srv.MakeFriends(olga, pete)
	srv.MakeFriends(olga, quinn)

	var g Group
	olga.Do("POST", "/api/v1/groups", map[string]any{"name": "Trip", "member_ids": []int64{pete.UserID, quinn.UserID}}, http.StatusCreated, &g)
	if g.MemberCount != 3 || g.MyRole != "owner" {
		t.Fatalf("created %+v", g)
	}
	ms := members(olga, g)
	if len(ms) != 3 || ms[pete.UserID].Role != "member" || ms[quinn.UserID].Role != "member" || ms[olga.UserID].Role != "owner" {
		t.Fatalf("members %+v", ms)
	}
	// The picked friends find the group among their conversations and can write in it.
	var convs struct {
		Items []testkit.Conversation `json:"items"`
	}
	pete.Do("GET", "/api/v1/conversations", nil, http.StatusOK, &convs)
	if len(convs.Items) != 1 || convs.Items[0].ID != g.ConversationID {
		t.Fatalf("pete's conversations %+v", convs.Items)
	}
	quinn.SendText(g.ConversationID, "q1", "hi all")
	history := bodies(olga.History(g.ConversationID, "after_seq=0"))
	if !strings.Contains(history, "Olga added Pete, Quinn") || !strings.Contains(history, "text:hi all") {
		t.Fatalf("history:\n%s", history)
	}
	if r := rita.Raw("GET", fmt.Sprintf("/api/v1/groups/%d", g.ID), nil); r.Status != http.StatusNotFound {
		t.Fatalf("a stranger sees the group: %d", r.Status)
	}
}

func TestGroupMembersAtCreationAreChecked(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	olga, pete, rita, sam := srv.NewUser(admin, "olga"), srv.NewUser(admin, "pete"), srv.NewUser(admin, "rita"), srv.NewUser(admin, "sam")
	srv.MakeFriends(olga, pete)
	srv.MakeFriends(olga, sam)
	sam.Do("PUT", fmt.Sprintf("/api/v1/blocks/%d", olga.UserID), nil, http.StatusNoContent, nil)

	for _, tc := range []struct {
		name string
		ids  any
	}{
		{"a stranger", []int64{pete.UserID, rita.UserID}},
		{"a friend who blocked the creator", []int64{sam.UserID}},
		{"no such user", []int64{999999}},
		{"the creator", []int64{olga.UserID}},
		{"twice", []int64{pete.UserID, pete.UserID}},
		{"zero", []int64{0}},
		{"not a list", "pete"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := olga.Raw("POST", "/api/v1/groups", map[string]any{"name": "Nope", "member_ids": tc.ids})
			if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "member_ids") {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	}
	// Nothing was created by the refused attempts.
	var list struct {
		Items []Group `json:"items"`
	}
	olga.Do("GET", "/api/v1/groups", nil, http.StatusOK, &list)
	if len(list.Items) != 0 {
		t.Fatalf("groups after refusals: %+v", list.Items)
	}
}
