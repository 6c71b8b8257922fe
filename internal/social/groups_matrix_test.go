package social_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

// TestGroupPermissionMatrix checks every group action for the owner, an
// admin, a plain member and a non-member, each on a fresh group.
func TestGroupPermissionMatrix(t *testing.T) {
	// Every action puts the same members in a fresh group: lift the
	// per-user join limit (tested in internal/httpapi).
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) { c.GroupJoinLimitPerHour = 100000 }))
	admin := srv.Setup()
	owner, adm, mem, tgt, out := srv.NewUser(admin, "owner"), srv.NewUser(admin, "adm"), srv.NewUser(admin, "mem"), srv.NewUser(admin, "tgt"), srv.NewUser(admin, "out")
	actors := map[string]*testkit.Client{"owner": owner, "admin": adm, "member": mem, "non-member": out}
	type action struct {
		name, method, path string
		body               any
	}
	actions := []struct {
		action
		want map[string]int
	}{
		{action{"view group", "GET", "/api/v1/groups/%d", nil}, map[string]int{"owner": 200, "admin": 200, "member": 200, "non-member": 404}},
		{action{"list members", "GET", "/api/v1/groups/%d/members", nil}, map[string]int{"owner": 200, "admin": 200, "member": 200, "non-member": 404}},
		{action{"rename", "PATCH", "/api/v1/groups/%d", map[string]string{"name": "New name"}}, map[string]int{"owner": 200, "admin": 200, "member": 403, "non-member": 404}},
		{action{"mute all", "PATCH", "/api/v1/groups/%d", map[string]bool{"mute_all": true}}, map[string]int{"owner": 200, "admin": 200, "member": 403, "non-member": 404}},
		{action{"create invite", "POST", "/api/v1/groups/%d/invites", map[string]int{}}, map[string]int{"owner": 201, "admin": 201, "member": 403, "non-member": 404}},
		{action{"list invites", "GET", "/api/v1/groups/%d/invites", nil}, map[string]int{"owner": 200, "admin": 200, "member": 403, "non-member": 404}},
		{action{"list join requests", "GET", "/api/v1/groups/%d/join-requests", nil}, map[string]int{"owner": 200, "admin": 200, "member": 403, "non-member": 404}},
		{action{"mute a member", "PATCH", "/api/v1/groups/%d/members/{tgt}", map[string]any{"muted_until": time.Now().Add(time.Hour)}}, map[string]int{"owner": 200, "admin": 200, "member": 403, "non-member": 404}},
		{action{"kick a member", "DELETE", "/api/v1/groups/%d/members/{tgt}", nil}, map[string]int{"owner": 204, "admin": 204, "member": 403, "non-member": 404}},
		{action{"promote a member", "PATCH", "/api/v1/groups/%d/members/{tgt}", map[string]string{"role": "admin"}}, map[string]int{"owner": 200, "admin": 403, "member": 403, "non-member": 404}},
		{action{"transfer ownership", "POST", "/api/v1/groups/%d/transfer", map[string]any{"user_id": tgt.UserID}}, map[string]int{"owner": 200, "admin": 403, "member": 403, "non-member": 404}},
		{action{"dissolve", "DELETE", "/api/v1/groups/%d", nil}, map[string]int{"owner": 204, "admin": 403, "member": 403, "non-member": 404}},
		{action{"leave", "POST", "/api/v1/groups/%d/leave", nil}, map[string]int{"owner": 422, "admin": 204, "member": 204, "non-member": 404}},
		{action{"send a message", "POST", "/api/v1/conversations/{conv}/messages", map[string]string{"client_msg_id": "x", "body": "hi"}}, map[string]int{"owner": 201, "admin": 201, "member": 201, "non-member": 404}},
	}
	for _, a := range actions {
		for _, role := range []string{"owner", "admin", "member", "non-member"} {
			a, role := a, role
			t.Run(a.name+"/"+role, func(t *testing.T) {
				g := createGroup(owner, "Matrix", "open")
				for _, c := range []*testkit.Client{adm, mem, tgt} {
					c.Do("POST", "/api/v1/groups/join", map[string]int64{"number": g.Number}, http.StatusOK, nil)
				}
				owner.Do("PATCH", fmt.Sprintf("/api/v1/groups/%d/members/%d", g.ID, adm.UserID), map[string]string{"role": "admin"}, http.StatusOK, nil)
				path := fmt.Sprintf(a.path, g.ID)
				if a.path == "/api/v1/conversations/{conv}/messages" {
					path = fmt.Sprintf("/api/v1/conversations/%d/messages", g.ConversationID)
				}
				path = replace(path, "{tgt}", fmt.Sprint(tgt.UserID))
				r := actors[role].Raw(a.method, path, a.body)
				if r.Status != a.want[role] {
					t.Fatalf("%s %s as %s: %d %s, want %d", a.method, path, role, r.Status, r.Body, a.want[role])
				}
			})
		}
	}
}

func replace(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	return s
}

// TestGroupMessageReachesTwoHundredMembers: one message reaches every
// online member exactly once and every offline member on resync.
func TestGroupMessageReachesTwoHundredMembers(t *testing.T) {
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) { c.LoginLimitPerIP = 1000 }))
	admin := srv.Setup()
	g := createGroup(admin, "Town square", "open")
	const total, online = 199, 40 // plus the admin: 200 members
	users := make([]*testkit.Client, total)
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				c := srv.NewUser(admin, fmt.Sprintf("citizen%03d", i))
				c.Do("POST", "/api/v1/groups/join", map[string]int64{"number": g.Number}, http.StatusOK, nil)
				users[i] = c
			}
		}()
	}
	for i := 0; i < total; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	var got Group
	admin.Do("GET", fmt.Sprintf("/api/v1/groups/%d", g.ID), nil, http.StatusOK, &got)
	if got.MemberCount != total+1 {
		t.Fatalf("member count %d", got.MemberCount)
	}
	sockets := make([]*testkit.WS, online)
	for i := 0; i < online; i++ {
		sockets[i] = users[i].Dial()
	}
	sent := admin.SendText(g.ConversationID, "town-1", "hear ye")
	for i, ws := range sockets {
		var f struct {
			Message testkit.Message `json:"message"`
		}
		ws.ReadType("message", 10*time.Second).Decode(t, &f)
		if f.Message.ID != sent.ID {
			t.Fatalf("online member %d got %+v", i, f.Message)
		}
	}
	// Exactly once: the next message each socket sees is the next one sent.
	next := admin.SendText(g.ConversationID, "town-2", "again")
	for i, ws := range sockets {
		var f struct {
			Message testkit.Message `json:"message"`
		}
		ws.ReadType("message", 10*time.Second).Decode(t, &f)
		if f.Message.ID != next.ID {
			t.Fatalf("online member %d got a duplicate or stray %+v", i, f.Message)
		}
	}
	for _, c := range users[online:] {
		page := c.History(g.ConversationID, fmt.Sprintf("after_seq=%d", sent.Seq-1))
		if len(page.Items) != 2 || page.Items[0].ID != sent.ID || page.Items[1].ID != next.ID {
			t.Fatalf("offline member %s resynced %+v", c.Username, page.Items)
		}
	}
}
