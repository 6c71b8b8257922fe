package support_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/parley-chat/parley/internal/testkit"
)

type team struct {
	ID              int64  `json:"id"`
	Name            string `json:"name"`
	DefaultCapacity int    `json:"default_capacity"`
	Members         []struct {
		UserID int64 `json:"user_id"`
		Online bool  `json:"online"`
		Load   int   `json:"load"`
	} `json:"members"`
}

type teamConversation struct {
	ID       int64  `json:"id"`
	Status   string `json:"status"`
	Assignee *struct {
		ID int64 `json:"id"`
	} `json:"assignee"`
	Team *struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"team"`
}

// newAgent makes an agent who serves no queue yet.
func (d *desk) newAgent(name string) *testkit.Client {
	d.admin.Do("POST", "/api/v1/admin/users", map[string]any{"username": name, "email": name + "@example.com",
		"password": "password-" + name, "nickname": name, "role": "agent", "verified": true}, http.StatusCreated, nil)
	return d.srv.Login(name, "password-"+name)
}

func (d *desk) newTeam(name string, capacity int) team {
	var t team
	d.admin.Do("POST", "/api/v1/teams", map[string]any{"name": name, "description": "the " + name + " people", "default_capacity": capacity}, http.StatusCreated, &t)
	return t
}

func (d *desk) join(t team, a *testkit.Client) {
	d.admin.Do("PUT", fmt.Sprintf("/api/v1/teams/%d/members/%d", t.ID, a.UserID), nil, http.StatusOK, nil)
}

func TestTeamsAreManagedByAdminsAndListedForAgents(t *testing.T) {
	d := newDesk(t, 1, 2)
	ann := d.newAgent("ann")
	billing := d.newTeam("Billing", 2)
	// Names are unique, whatever their case; fields are checked.
	d.admin.Do("POST", "/api/v1/teams", map[string]any{"name": "billing"}, http.StatusConflict, nil)
	r := d.admin.Do("POST", "/api/v1/teams", map[string]any{"name": "  "}, http.StatusBadRequest, nil)
	assertField(t, r, "name")
	r = d.admin.Do("PATCH", fmt.Sprintf("/api/v1/teams/%d", billing.ID), map[string]any{"default_capacity": 0}, http.StatusBadRequest, nil)
	assertField(t, r, "default_capacity")
	// Only admins manage; only agents and admins are members.
	d.agents[0].Do("POST", "/api/v1/teams", map[string]any{"name": "Rogue"}, http.StatusForbidden, nil)
	d.agents[0].Do("PUT", fmt.Sprintf("/api/v1/teams/%d/members/%d", billing.ID, ann.UserID), nil, http.StatusForbidden, nil)
	plain := d.srv.NewUser(d.admin, "plain")
	d.admin.Do("PUT", fmt.Sprintf("/api/v1/teams/%d/members/%d", billing.ID, plain.UserID), nil, http.StatusUnprocessableEntity, nil)
	d.admin.Do("PUT", fmt.Sprintf("/api/v1/teams/%d/members/%d", 9999, ann.UserID), nil, http.StatusNotFound, nil)
	plain.Do("GET", "/api/v1/teams", nil, http.StatusForbidden, nil)
	d.join(billing, ann)
	d.online(ann)
	var list struct{ Items []team }
	d.agents[0].Do("GET", "/api/v1/teams", nil, http.StatusOK, &list)
	if len(list.Items) != 1 || len(list.Items[0].Members) != 1 || list.Items[0].Members[0].UserID != ann.UserID || !list.Items[0].Members[0].Online {
		t.Fatalf("teams %+v", list.Items)
	}
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/teams/%d", billing.ID), map[string]any{"name": "Billing EU"}, http.StatusOK, &billing)
	d.admin.Do("DELETE", fmt.Sprintf("/api/v1/teams/%d/members/%d", billing.ID, ann.UserID), nil, http.StatusNoContent, nil)
	d.admin.Do("DELETE", fmt.Sprintf("/api/v1/teams/%d/members/%d", billing.ID, ann.UserID), nil, http.StatusNotFound, nil)
	d.admin.Do("DELETE", fmt.Sprintf("/api/v1/teams/%d", billing.ID), nil, http.StatusNoContent, nil)
	d.admin.Do("GET", fmt.Sprintf("/api/v1/teams/%d", billing.ID), nil, http.StatusNotFound, nil)
}

// A queue naming a team is served by its members with the team's default
// capacity, and a member who joins takes what waits at once.
func TestQueueServedByTeamRoutesToItsMembers(t *testing.T) {
	d := newDesk(t, 0, 1)
	ann, bob := d.newAgent("ann"), d.newAgent("bob")
	support := d.newTeam("Support", 1)
	d.join(support, ann)
	d.online(ann)
	d.online(bob)
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/queues/%d", d.queue), map[string]any{"team_id": support.ID}, http.StatusOK, nil)
	v1, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	c1 := v1.Open(nil)
	if c1.AssigneeID() != ann.UserID {
		t.Fatalf("first conversation %+v, want it with ann", c1)
	}
	v2, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	c2 := v2.Open(nil)
	if c2.Status != "queued" {
		t.Fatalf("second conversation %+v, want it waiting (ann is at the team's capacity 1)", c2)
	}
	// Bob serves the site once he joins the team, and takes the waiting chat.
	bob.Do("GET", fmt.Sprintf("/api/v1/sites/%d/contacts", d.site.ID), nil, http.StatusForbidden, nil)
	d.join(support, bob)
	mine := inbox(t, bob, "view=mine")
	if len(mine) != 1 || mine[0].ID != c2.ID {
		t.Fatalf("bob's inbox %+v, want conversation %d", mine, c2.ID)
	}
	// The team view shows both to members and admins, nobody else.
	if got := inbox(t, ann, fmt.Sprintf("view=team&team_id=%d", support.ID)); len(got) != 2 {
		t.Fatalf("team view %+v", got)
	}
	// Taken out of the team, bob no longer serves the site.
	d.admin.Do("DELETE", fmt.Sprintf("/api/v1/teams/%d/members/%d", support.ID, bob.UserID), nil, http.StatusNoContent, nil)
	bob.Do("GET", fmt.Sprintf("/api/v1/agent/conversations?view=team&team_id=%d", support.ID), nil, http.StatusForbidden, nil)
	bob.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/resolve", c2.ID), nil, http.StatusForbidden, nil)
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/queues/%d", d.queue), map[string]any{"team_id": 9999}, http.StatusNotFound, nil)
	var q struct {
		TeamID *int64 `json:"team_id"`
	}
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/queues/%d", d.queue), map[string]any{"team_id": nil}, http.StatusOK, &q)
	if q.TeamID != nil {
		t.Fatalf("queue still has team %d", *q.TeamID)
	}
}

// A transfer to a team goes to its least busy online member, or waits for
// the team until a member comes online.
func TestTransferToTeamWaitsForAMember(t *testing.T) {
	d := newDesk(t, 1, 5)
	first := d.agents[0]
	d.online(first)
	mia, max := d.newAgent("mia"), d.newAgent("max")
	sales := d.newTeam("Sales", 2)
	d.join(sales, mia)
	d.join(sales, max)
	// The team serves another queue of the site, so its members serve the site.
	var other struct{ ID int64 }
	d.admin.Do("POST", fmt.Sprintf("/api/v1/sites/%d/queues", d.site.ID), map[string]any{"name": "Sales"}, http.StatusCreated, &other)
	d.admin.Do("PATCH", fmt.Sprintf("/api/v1/queues/%d", other.ID), map[string]any{"team_id": sales.ID}, http.StatusOK, nil)
	v, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	c := v.Open(nil)
	if c.AssigneeID() != first.UserID {
		t.Fatalf("conversation %+v", c)
	}
	path := fmt.Sprintf("/api/v1/support/conversations/%d/transfer", c.ID)
	first.Do("POST", path, map[string]any{"team_id": sales.ID, "agent_id": mia.UserID}, http.StatusBadRequest, nil)
	first.Do("POST", path, map[string]any{"team_id": 9999}, http.StatusNotFound, nil)
	var moved teamConversation
	first.Do("POST", path, map[string]any{"team_id": sales.ID}, http.StatusOK, &moved)
	if moved.Status != "queued" || moved.Assignee != nil || moved.Team == nil || moved.Team.ID != sales.ID || moved.Team.Name != "Sales" {
		t.Fatalf("transferred %+v, want it waiting for Sales", moved)
	}
	// Agents of the queue do not take what waits for the team.
	if got := inbox(t, first, "view=queued"); len(got) != 0 {
		t.Fatalf("queued view of a non-member %+v", got)
	}
	if got := inbox(t, mia, fmt.Sprintf("view=team&team_id=%d", sales.ID)); len(got) != 1 || got[0].ID != c.ID {
		t.Fatalf("team view %+v", got)
	}
	first.Do("GET", fmt.Sprintf("/api/v1/agent/conversations?view=team&team_id=%d", sales.ID), nil, http.StatusForbidden, nil)
	first.Do("GET", "/api/v1/agent/conversations?view=team", nil, http.StatusBadRequest, nil)
	d.admin.Do("GET", "/api/v1/agent/conversations?view=team&team_id=9999", nil, http.StatusNotFound, nil)
	// A member coming online takes it.
	d.online(max)
	mine := inbox(t, max, "view=mine")
	if len(mine) != 1 || mine[0].ID != c.ID {
		t.Fatalf("max's inbox %+v", mine)
	}
	// With a member online and free, a transfer assigns at once.
	d.online(mia)
	v2, _ := d.srv.NewVisitor(d.site.PublicKey, nil)
	c2 := v2.Open(nil)
	first.Do("POST", fmt.Sprintf("/api/v1/support/conversations/%d/transfer", c2.ID), map[string]any{"team_id": sales.ID}, http.StatusOK, &moved)
	if moved.Status != "assigned" || moved.Assignee == nil || moved.Assignee.ID != mia.UserID {
		t.Fatalf("second transfer %+v, want it with mia (the least busy)", moved)
	}
}

func assertField(t *testing.T, r *testkit.Response, field string) {
	t.Helper()
	var e struct {
		Error struct {
			Details map[string]string `json:"details"`
		} `json:"error"`
	}
	r.JSON(t, &e)
	if _, ok := e.Error.Details[field]; !ok {
		t.Fatalf("error details %v, want %q named", e.Error.Details, field)
	}
}
