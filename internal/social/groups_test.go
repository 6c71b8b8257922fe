package social_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

// Group is a group as the API returns it.
type Group struct {
	ID             int64  `json:"id"`
	Number         int64  `json:"number"`
	Name           string `json:"name"`
	Announcement   string `json:"announcement"`
	JoinPolicy     string `json:"join_policy"`
	MuteAll        bool   `json:"mute_all"`
	MemberCount    int64  `json:"member_count"`
	OwnerID        int64  `json:"owner_id"`
	ConversationID int64  `json:"conversation_id"`
	MyRole         string `json:"my_role"`
}

type member struct {
	User struct {
		ID int64 `json:"id"`
	} `json:"user"`
	Role       string     `json:"role"`
	MutedUntil *time.Time `json:"muted_until"`
}

func createGroup(c *testkit.Client, name, policy string) Group {
	var g Group
	c.Do("POST", "/api/v1/groups", map[string]string{"name": name, "join_policy": policy}, http.StatusCreated, &g)
	return g
}

// join adds c to g through an invite link made by admin (works for any policy).
func join(admin, c *testkit.Client, g Group) {
	var inv struct {
		Token string `json:"token"`
	}
	admin.Do("POST", fmt.Sprintf("/api/v1/groups/%d/invites", g.ID), map[string]int{"max_uses": 1}, http.StatusCreated, &inv)
	c.Do("POST", "/api/v1/invites/"+inv.Token+"/accept", nil, http.StatusOK, nil)
}

func members(c *testkit.Client, g Group) map[int64]member {
	var page struct {
		Items []member `json:"items"`
	}
	c.Do("GET", fmt.Sprintf("/api/v1/groups/%d/members?limit=200", g.ID), nil, http.StatusOK, &page)
	out := map[int64]member{}
	for _, m := range page.Items {
		out[m.User.ID] = m
	}
	return out
}

func bodies(p testkit.MessagePage) string {
	var b []string
	for _, m := range p.Items {
		b = append(b, m.Kind+":"+m.Body)
	}
	return strings.Join(b, "\n")
}

func TestGroupLifecycleWithSystemMessages(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	olga, pete, quinn := srv.NewUser(admin, "olga"), srv.NewUser(admin, "pete"), srv.NewUser(admin, "quinn")

	g := createGroup(olga, "Book club", "open")
	if g.Number < 100000 || g.Number > 999999999 || g.MyRole != "owner" || g.MemberCount != 1 || g.OwnerID != olga.UserID {
		t.Fatalf("created %+v", g)
	}
	var res struct {
		Status string `json:"status"`
		Group  Group  `json:"group"`
	}
	pete.Do("POST", "/api/v1/groups/join", map[string]int64{"number": g.Number}, http.StatusOK, &res)
	if res.Status != "joined" || res.Group.MyRole != "member" || res.Group.MemberCount != 2 {
		t.Fatalf("join: %+v", res)
	}
	if r := pete.Raw("POST", "/api/v1/groups/join", map[string]int64{"number": g.Number}); r.Status != http.StatusConflict || r.ErrorCode() != "already_member" {
		t.Fatalf("second join: %d %s", r.Status, r.Body)
	}
	// The group is a conversation of kind group for its members.
	var convs struct {
		Items []testkit.Conversation `json:"items"`
	}
	pete.Do("GET", "/api/v1/conversations", nil, http.StatusOK, &convs)
	if len(convs.Items) != 1 || convs.Items[0].Kind != "group" || convs.Items[0].Title != "Book club" || convs.Items[0].ID != g.ConversationID {
		t.Fatalf("pete's conversations %+v", convs.Items)
	}
	m := pete.SendText(g.ConversationID, "p1", "hello club")
	if m.Seq != 3 {
		t.Fatalf("seq %d after two system messages, want 3", m.Seq)
	}
	olga.Do("PATCH", fmt.Sprintf("/api/v1/groups/%d", g.ID), map[string]string{"announcement": "Meet on Friday", "name": "Readers"}, http.StatusOK, nil)
	if r := pete.Raw("PATCH", fmt.Sprintf("/api/v1/groups/%d", g.ID), map[string]string{"name": "Mine"}); r.Status != http.StatusForbidden {
		t.Fatalf("member renaming: %d", r.Status)
	}
	if r := olga.Raw("POST", fmt.Sprintf("/api/v1/groups/%d/leave", g.ID), nil); r.Status != http.StatusUnprocessableEntity || r.ErrorCode() != "owner_must_transfer" {
		t.Fatalf("owner leaving: %d %s", r.Status, r.Body)
	}
	olga.Do("POST", fmt.Sprintf("/api/v1/groups/%d/transfer", g.ID), map[string]int64{"user_id": pete.UserID}, http.StatusOK, nil)
	ms := members(pete, g)
	if ms[pete.UserID].Role != "owner" || ms[olga.UserID].Role != "admin" {
		t.Fatalf("after transfer: %+v", ms)
	}
	olga.Do("POST", fmt.Sprintf("/api/v1/groups/%d/leave", g.ID), nil, http.StatusNoContent, nil)
	if r := olga.Raw("GET", fmt.Sprintf("/api/v1/groups/%d", g.ID), nil); r.Status != http.StatusNotFound {
		t.Fatalf("left member sees the group: %d", r.Status)
	}
	history := bodies(pete.History(g.ConversationID, "after_seq=0"))
	for _, want := range []string{
		`system:Olga created the group "Book club"`, "system:Pete joined the group", "text:hello club",
		`system:Olga renamed the group to "Readers"`, "system:Olga posted an announcement: Meet on Friday",
		"system:Olga made Pete the owner of the group", "system:Olga left the group",
	} {
		if !strings.Contains(history, want) {
			t.Errorf("history lacks %q:\n%s", want, history)
		}
	}
	// Quinn can't see it; dissolving removes everyone.
	if r := quinn.Raw("GET", fmt.Sprintf("/api/v1/groups/%d/members", g.ID), nil); r.Status != http.StatusNotFound {
		t.Fatalf("outsider lists members: %d", r.Status)
	}
	pete.Do("DELETE", fmt.Sprintf("/api/v1/groups/%d", g.ID), nil, http.StatusNoContent, nil)
	if r := pete.Raw("GET", fmt.Sprintf("/api/v1/groups/%d", g.ID), nil); r.Status != http.StatusNotFound {
		t.Fatalf("dissolved group still there: %d", r.Status)
	}
}

func TestJoinUnderApprovalAndInviteOnly(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	owner, ray, sam := srv.NewUser(admin, "owner"), srv.NewUser(admin, "ray"), srv.NewUser(admin, "sam")
	g := createGroup(owner, "Approval", "approval")
	var res struct {
		Status    string `json:"status"`
		RequestID int64  `json:"request_id"`
	}
	ray.Do("POST", "/api/v1/groups/join", map[string]any{"number": g.Number, "message": "let me in"}, http.StatusAccepted, &res)
	if res.Status != "pending" || res.RequestID == 0 {
		t.Fatalf("approval join: %+v", res)
	}
	if r := ray.Raw("POST", "/api/v1/groups/join", map[string]any{"number": g.Number}); r.Status != http.StatusConflict || r.ErrorCode() != "request_exists" {
		t.Fatalf("repeat request: %d %s", r.Status, r.Body)
	}
	sam.Do("POST", "/api/v1/groups/join", map[string]any{"number": g.Number}, http.StatusAccepted, nil)
	var reqs struct {
		Items []struct {
			ID      int64  `json:"id"`
			Message string `json:"message"`
			User    struct {
				ID int64 `json:"id"`
			} `json:"user"`
		} `json:"items"`
	}
	owner.Do("GET", fmt.Sprintf("/api/v1/groups/%d/join-requests", g.ID), nil, http.StatusOK, &reqs)
	if len(reqs.Items) != 2 || reqs.Items[0].Message != "let me in" {
		t.Fatalf("requests %+v", reqs.Items)
	}
	owner.Do("POST", fmt.Sprintf("/api/v1/groups/%d/join-requests/%d/accept", g.ID, reqs.Items[0].ID), nil, http.StatusNoContent, nil)
	owner.Do("POST", fmt.Sprintf("/api/v1/groups/%d/join-requests/%d/reject", g.ID, reqs.Items[1].ID), nil, http.StatusNoContent, nil)
	if r := owner.Raw("POST", fmt.Sprintf("/api/v1/groups/%d/join-requests/%d/accept", g.ID, reqs.Items[1].ID), nil); r.Status != http.StatusConflict {
		t.Fatalf("deciding twice: %d", r.Status)
	}
	if r := ray.Raw("GET", fmt.Sprintf("/api/v1/groups/%d/join-requests", g.ID), nil); r.Status != http.StatusForbidden {
		t.Fatalf("member listing requests: %d", r.Status)
	}
	ms := members(owner, g)
	if _, in := ms[ray.UserID]; !in || len(ms) != 2 {
		t.Fatalf("members after decisions: %+v", ms)
	}
	if !strings.Contains(bodies(ray.History(g.ConversationID, "after_seq=0")), "Ray joined the group, approved by Owner") {
		t.Fatal("no system message for the approved join")
	}
	inv := createGroup(owner, "Invite only", "invite")
	if r := sam.Raw("POST", "/api/v1/groups/join", map[string]any{"number": inv.Number}); r.Status != http.StatusForbidden || r.ErrorCode() != "invite_only" {
		t.Fatalf("joining invite-only by number: %d %s", r.Status, r.Body)
	}
	if r := sam.Raw("POST", "/api/v1/groups/join", map[string]any{"number": 123}); r.Status != http.StatusNotFound {
		t.Fatalf("unknown number: %d", r.Status)
	}
}

func TestInviteLinksExpireRunOutAndRevoke(t *testing.T) {
	srv := testkit.Start(t, testkit.WithFakeClock())
	admin := srv.Setup()
	owner := srv.NewUser(admin, "owner")
	u := []*testkit.Client{srv.NewUser(admin, "una"), srv.NewUser(admin, "vic"), srv.NewUser(admin, "wes"), srv.NewUser(admin, "xia")}
	g := createGroup(owner, "Links", "invite")
	var once, timed, revoked struct {
		Token string `json:"token"`
		URL   string `json:"url"`
	}
	owner.Do("POST", fmt.Sprintf("/api/v1/groups/%d/invites", g.ID), map[string]int{"max_uses": 1}, http.StatusCreated, &once)
	if !strings.HasPrefix(once.URL, srv.URL+"/console/#/invite/") {
		t.Fatalf("invite url %q", once.URL)
	}
	var preview struct {
		Group struct {
			Name        string `json:"name"`
			MemberCount int64  `json:"member_count"`
		} `json:"group"`
	}
	u[0].Do("GET", "/api/v1/invites/"+once.Token, nil, http.StatusOK, &preview)
	if preview.Group.Name != "Links" || preview.Group.MemberCount != 1 {
		t.Fatalf("preview %+v", preview)
	}
	u[0].Do("POST", "/api/v1/invites/"+once.Token+"/accept", nil, http.StatusOK, nil)
	if r := u[1].Raw("POST", "/api/v1/invites/"+once.Token+"/accept", nil); r.Status != http.StatusGone {
		t.Fatalf("used-up invite: %d %s", r.Status, r.Body)
	}
	owner.Do("POST", fmt.Sprintf("/api/v1/groups/%d/invites", g.ID), map[string]int{"expires_in": 1}, http.StatusCreated, &timed)
	srv.Advance(1100 * time.Millisecond)
	if r := u[1].Raw("POST", "/api/v1/invites/"+timed.Token+"/accept", nil); r.Status != http.StatusGone {
		t.Fatalf("expired invite: %d %s", r.Status, r.Body)
	}
	owner.Do("POST", fmt.Sprintf("/api/v1/groups/%d/invites", g.ID), map[string]int{}, http.StatusCreated, &revoked)
	owner.Do("DELETE", fmt.Sprintf("/api/v1/groups/%d/invites/%s", g.ID, revoked.Token), nil, http.StatusNoContent, nil)
	if r := u[2].Raw("POST", "/api/v1/invites/"+revoked.Token+"/accept", nil); r.Status != http.StatusGone {
		t.Fatalf("revoked invite: %d %s", r.Status, r.Body)
	}
	if r := u[3].Raw("GET", "/api/v1/invites/nonsense", nil); r.Status != http.StatusNotFound {
		t.Fatalf("unknown invite: %d", r.Status)
	}
	if r := u[0].Raw("POST", fmt.Sprintf("/api/v1/groups/%d/invites", g.ID), map[string]int{}); r.Status != http.StatusForbidden {
		t.Fatalf("member creating invites: %d", r.Status)
	}
	if r := owner.Raw("POST", fmt.Sprintf("/api/v1/groups/%d/invites", g.ID), map[string]int{"max_uses": -1}); r.Status != http.StatusBadRequest {
		t.Fatalf("negative max uses: %d", r.Status)
	}
}

func TestMutedMembersAndMuteAll(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	owner, mod, mia := srv.NewUser(admin, "owner"), srv.NewUser(admin, "mod"), srv.NewUser(admin, "mia")
	g := createGroup(owner, "Quiet", "open")
	join(owner, mod, g)
	join(owner, mia, g)
	owner.Do("PATCH", fmt.Sprintf("/api/v1/groups/%d/members/%d", g.ID, mod.UserID), map[string]string{"role": "admin"}, http.StatusOK, nil)
	until := time.Now().UTC().Add(time.Hour).Truncate(time.Second)
	var m member
	mod.Do("PATCH", fmt.Sprintf("/api/v1/groups/%d/members/%d", g.ID, mia.UserID), map[string]any{"muted_until": until}, http.StatusOK, &m)
	if m.MutedUntil == nil || !m.MutedUntil.Equal(until) {
		t.Fatalf("muted member %+v", m)
	}
	r := mia.Raw("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", g.ConversationID), map[string]string{"client_msg_id": "m1", "body": "let me speak"})
	if r.Status != http.StatusUnprocessableEntity || r.ErrorCode() != "muted" || !strings.Contains(string(r.Body), until.Format(time.RFC3339)) {
		t.Fatalf("muted send over REST: %d %s", r.Status, r.Body)
	}
	ws := mia.Dial()
	ws.Send(map[string]any{"type": "send", "client_msg_id": "m2", "conversation_id": g.ConversationID, "body": "please"})
	var e struct {
		ClientMsgID string `json:"client_msg_id"`
		Code        string `json:"code"`
		Until       string `json:"until"`
	}
	ws.ReadType("error", 5*time.Second).Decode(t, &e)
	if e.Code != "muted" || e.Until != until.Format(time.RFC3339) || e.ClientMsgID != "m2" {
		t.Fatalf("muted send over WebSocket: %+v", e)
	}
	if r := mia.Raw("PATCH", fmt.Sprintf("/api/v1/groups/%d/members/%d", g.ID, mod.UserID), map[string]any{"muted_until": until}); r.Status != http.StatusForbidden {
		t.Fatalf("member muting an admin: %d", r.Status)
	}
	if r := mod.Raw("PATCH", fmt.Sprintf("/api/v1/groups/%d/members/%d", g.ID, owner.UserID), map[string]any{"muted_until": until}); r.Status != http.StatusForbidden {
		t.Fatalf("admin muting the owner: %d", r.Status)
	}
	mod.Do("PATCH", fmt.Sprintf("/api/v1/groups/%d/members/%d", g.ID, mia.UserID), map[string]any{"muted_until": nil}, http.StatusOK, nil)
	mia.SendText(g.ConversationID, "m3", "thanks")
	owner.Do("PATCH", fmt.Sprintf("/api/v1/groups/%d", g.ID), map[string]bool{"mute_all": true}, http.StatusOK, nil)
	if r := mia.Raw("POST", fmt.Sprintf("/api/v1/conversations/%d/messages", g.ConversationID), map[string]string{"client_msg_id": "m4", "body": "hm"}); r.Status != http.StatusUnprocessableEntity || r.ErrorCode() != "muted_all" {
		t.Fatalf("member under mute-all: %d %s", r.Status, r.Body)
	}
	mod.SendText(g.ConversationID, "a1", "admins still speak")
	owner.SendText(g.ConversationID, "o1", "and the owner")
	history := bodies(owner.History(g.ConversationID, "after_seq=0"))
	for _, want := range []string{"system:Owner made Mod an admin", "system:Mod muted Mia until", "system:Mod unmuted Mia", "system:Owner turned on mute-all"} {
		if !strings.Contains(history, want) {
			t.Errorf("history lacks %q:\n%s", want, history)
		}
	}
}

func TestFullGroupRefusesNewMembers(t *testing.T) {
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) { c.GroupMemberCap = 2 }))
	admin := srv.Setup()
	owner, a, b := srv.NewUser(admin, "owner"), srv.NewUser(admin, "amy"), srv.NewUser(admin, "ben")
	g := createGroup(owner, "Tiny", "open")
	a.Do("POST", "/api/v1/groups/join", map[string]int64{"number": g.Number}, http.StatusOK, nil)
	r := b.Raw("POST", "/api/v1/groups/join", map[string]int64{"number": g.Number})
	if r.Status != http.StatusConflict || r.ErrorCode() != "group_full" {
		t.Fatalf("joining a full group: %d %s", r.Status, r.Body)
	}
}

func TestMemberListShowsPresence(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	owner, on, off := srv.NewUser(admin, "owner"), srv.NewUser(admin, "onny"), srv.NewUser(admin, "offy")
	g := createGroup(owner, "Dots", "open")
	join(owner, on, g)
	join(owner, off, g)
	on.Dial()
	var page struct {
		Items []struct {
			User struct {
				ID int64 `json:"id"`
			} `json:"user"`
			Presence struct {
				Status string `json:"status"`
			} `json:"presence"`
		} `json:"items"`
	}
	owner.Do("GET", fmt.Sprintf("/api/v1/groups/%d/members", g.ID), nil, http.StatusOK, &page)
	got := map[int64]string{}
	for _, m := range page.Items {
		got[m.User.ID] = m.Presence.Status
	}
	if got[on.UserID] != "online" || got[off.UserID] != "offline" {
		t.Fatalf("presence in the member list: %v", got)
	}
}
