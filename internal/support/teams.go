package support

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/audit"
	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// Team is a group of agents with its members, as the console lists it.
type Team struct {
	ID              int64        `json:"id"`
	Name            string       `json:"name"`
	Description     string       `json:"description"`
	DefaultCapacity int          `json:"default_capacity"`
	Members         []TeamMember `json:"members"`
}

// TeamMember is a member of a team with their state now.
type TeamMember struct {
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
	Status string `json:"status"`
	Online bool   `json:"online"`
	Load   int    `json:"load"`
}

// TeamRef names the team a conversation is with.
type TeamRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// TeamInput creates a team (every field) or changes one (nil fields stay).
type TeamInput struct {
	Name            *string `json:"name"`
	Description     *string `json:"description"`
	DefaultCapacity *int    `json:"default_capacity"`
}

var (
	errNoTeam        = errs.R(errs.NotFound, "team_not_found", "no such team")
	errTeamAdminOnly = errs.R(errs.Forbidden, "forbidden", "only admins manage teams")
	errTeamNameTaken = errs.R(errs.Conflict, "team_name_taken", "another team has this name")
)

// Teams lists every team with its members, their online state and load,
// for agents and admins.
func (s *Routing) Teams(ctx context.Context, actor auth.Identity) ([]Team, error) {
	if err := s.requireStaffRole(ctx, actor); err != nil {
		return nil, err
	}
	teams, err := s.store.Teams(ctx)
	if err != nil {
		return nil, errs.Wrap(err, "list teams")
	}
	return s.teamViews(ctx, teams)
}

// Team returns one team (agents and admins); 404 team_not_found.
func (s *Routing) Team(ctx context.Context, actor auth.Identity, id int64) (*Team, error) {
	if err := s.requireStaffRole(ctx, actor); err != nil {
		return nil, err
	}
	return s.teamView(ctx, id)
}

func (s *Routing) teamView(ctx context.Context, id int64) (*Team, error) {
	t, err := s.store.TeamByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoTeam
	}
	if err != nil {
		return nil, errs.Wrap(err, "load team")
	}
	views, err := s.teamViews(ctx, []store.Team{*t})
	if err != nil {
		return nil, err
	}
	return &views[0], nil
}

func (s *Routing) requireStaffRole(ctx context.Context, actor auth.Identity) error {
	u, err := s.store.UserByID(ctx, actor.ID)
	if err != nil {
		return errs.Wrap(err, "load user")
	}
	if u.DisabledAt != nil || (u.Role != auth.RoleAgent && u.Role != auth.RoleAdmin) {
		return errs.R(errs.Forbidden, "forbidden", "only agents and admins see teams")
	}
	return nil
}

func (s *Routing) teamViews(ctx context.Context, teams []store.Team) ([]Team, error) {
	ids := make([]int64, len(teams))
	for i, t := range teams {
		ids[i] = t.ID
	}
	members, err := s.store.TeamMembers(ctx, ids)
	if err != nil {
		return nil, errs.Wrap(err, "load members")
	}
	userIDs := make([]int64, 0, len(members))
	for _, m := range members {
		userIDs = append(userIDs, m.UserID)
	}
	loads, err := s.store.AgentsLoad(ctx, userIDs)
	if err != nil {
		return nil, errs.Wrap(err, "load agents")
	}
	out := make([]Team, len(teams))
	for i, t := range teams {
		out[i] = Team{ID: t.ID, Name: t.Name, Description: t.Description, DefaultCapacity: t.DefaultCapacity, Members: []TeamMember{}}
		for _, m := range members {
			if m.TeamID != t.ID {
				continue
			}
			l := loads[m.UserID]
			status := l.Status
			if status == "" {
				status = "offline"
			}
			out[i].Members = append(out[i].Members, TeamMember{UserID: m.UserID, Name: userName(ctx, s.store, m.UserID), Status: status,
				Online: s.available(&store.Agent{Status: status, DisconnectedAt: l.DisconnectedAt}), Load: l.Load})
		}
	}
	return out, nil
}

// checkTeamInput validates a team's fields; create requires a name.
func checkTeamInput(in *TeamInput, create bool) error {
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		in.Name = &n
	}
	if (create && in.Name == nil) || (in.Name != nil && (*in.Name == "" || utf8.RuneCountInString(*in.Name) > 64)) {
		return errs.Field("name", "1 to 64 characters")
	}
	if in.Description != nil {
		d := strings.TrimSpace(*in.Description)
		if utf8.RuneCountInString(d) > 500 {
			return errs.Field("description", "at most 500 characters")
		}
		in.Description = &d
	}
	if in.DefaultCapacity != nil && (*in.DefaultCapacity < 1 || *in.DefaultCapacity > 100) {
		return errs.Field("default_capacity", "1 to 100 concurrent conversations")
	}
	return nil
}

// CreateTeam adds a team (admins only). Errors: 403, 400, 409 team_name_taken.
func (s *Routing) CreateTeam(ctx context.Context, actor auth.Identity, in TeamInput) (*Team, error) {
	if !actor.IsAdmin() {
		return nil, errTeamAdminOnly
	}
	if err := checkTeamInput(&in, true); err != nil {
		return nil, err
	}
	t := &store.Team{Name: *in.Name, DefaultCapacity: 3, CreatedAt: s.now()}
	if in.Description != nil {
		t.Description = *in.Description
	}
	if in.DefaultCapacity != nil {
		t.DefaultCapacity = *in.DefaultCapacity
	}
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.CreateTeam(ctx, t); errors.Is(err, store.ErrConflict) {
			return errTeamNameTaken
		} else if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.ID, "team.create", "team", t.ID, map[string]any{"name": t.Name})
	})
	if err != nil {
		return nil, asDomain(err, "create team")
	}
	return s.teamView(ctx, t.ID)
}

// UpdateTeam changes a team (admins only). Errors: 403, 400, 404, 409.
func (s *Routing) UpdateTeam(ctx context.Context, actor auth.Identity, id int64, in TeamInput) (*Team, error) {
	if !actor.IsAdmin() {
		return nil, errTeamAdminOnly
	}
	if err := checkTeamInput(&in, false); err != nil {
		return nil, err
	}
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		if _, err := tx.TeamByID(ctx, id); errors.Is(err, store.ErrNotFound) {
			return errNoTeam
		} else if err != nil {
			return err
		}
		err := tx.UpdateTeam(ctx, id, store.TeamUpdate{Name: in.Name, Description: in.Description, DefaultCapacity: in.DefaultCapacity})
		if errors.Is(err, store.ErrConflict) {
			return errTeamNameTaken
		} else if err != nil {
			return err
		}
		detail := map[string]any{}
		if in.Name != nil {
			detail["name"] = *in.Name
		}
		if in.Description != nil {
			detail["description"] = *in.Description
		}
		if in.DefaultCapacity != nil {
			detail["default_capacity"] = *in.DefaultCapacity
		}
		return audit.Record(ctx, tx, actor.ID, "team.update", "team", id, detail)
	})
	if err != nil {
		return nil, asDomain(err, "update team")
	}
	if in.DefaultCapacity != nil {
		s.drainTeam(ctx, id) // room may have appeared
	}
	return s.teamView(ctx, id)
}

// DeleteTeam removes a team (admins only); its queues keep their own
// agents and its waiting conversations go back to their queues.
func (s *Routing) DeleteTeam(ctx context.Context, actor auth.Identity, id int64) error {
	if !actor.IsAdmin() {
		return errTeamAdminOnly
	}
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		t, err := tx.TeamByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNoTeam
		} else if err != nil {
			return err
		}
		if err := tx.DeleteTeam(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.ID, "team.delete", "team", id, map[string]any{"name": t.Name})
	})
	if err != nil {
		return asDomain(err, "delete team")
	}
	return nil
}

// AddTeamMember puts an agent or admin in a team (admins only); they take
// the team's waiting conversations at once if they have room. Errors: 403,
// 404 team_not_found or user_not_found, 422 not_an_agent.
func (s *Routing) AddTeamMember(ctx context.Context, actor auth.Identity, teamID, userID int64) (*Team, error) {
	if !actor.IsAdmin() {
		return nil, errTeamAdminOnly
	}
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		if _, err := tx.TeamByID(ctx, teamID); errors.Is(err, store.ErrNotFound) {
			return errNoTeam
		} else if err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, userID)
		if errors.Is(err, store.ErrNotFound) {
			return errs.R(errs.NotFound, "user_not_found", "no such user")
		} else if err != nil {
			return err
		}
		if u.Role != auth.RoleAgent && u.Role != auth.RoleAdmin {
			return errs.R(errs.Rule, "not_an_agent", "only users with the agent or admin role can join teams")
		}
		if err := tx.AddTeamMember(ctx, &store.TeamMember{TeamID: teamID, UserID: userID, CreatedAt: s.now()}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.ID, "team.member_add", "team", teamID, map[string]any{"user_id": userID})
	})
	if err != nil {
		return nil, asDomain(err, "add team member")
	}
	s.drain(ctx, userID)
	return s.teamView(ctx, teamID)
}

// RemoveTeamMember takes a user out of a team (admins only); what they
// hold stays theirs. Errors: 403, 404 team_not_found or not_in_team.
func (s *Routing) RemoveTeamMember(ctx context.Context, actor auth.Identity, teamID, userID int64) error {
	if !actor.IsAdmin() {
		return errTeamAdminOnly
	}
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		if _, err := tx.TeamByID(ctx, teamID); errors.Is(err, store.ErrNotFound) {
			return errNoTeam
		} else if err != nil {
			return err
		}
		removed, err := tx.RemoveTeamMember(ctx, teamID, userID)
		if err != nil {
			return err
		}
		if !removed {
			return errs.R(errs.NotFound, "not_in_team", "this user is not a member of the team")
		}
		return audit.Record(ctx, tx, actor.ID, "team.member_remove", "team", teamID, map[string]any{"user_id": userID})
	})
	if err != nil {
		return asDomain(err, "remove team member")
	}
	return nil
}

// drainTeam lets every member of a team take what waits for them.
func (s *Routing) drainTeam(ctx context.Context, teamID int64) {
	members, err := s.store.TeamMembers(ctx, []int64{teamID})
	if err != nil {
		return
	}
	for _, m := range members {
		s.drain(ctx, m.UserID)
	}
}

// pickFor returns who should take a waiting conversation (0: nobody free):
// a member of its team when it was transferred to one, else an agent of
// its queue.
func (s *Rules) pickFor(ctx context.Context, tx *store.Store, sc *store.SupportConversation, preferred, except int64) (int64, error) {
	if sc.TeamID == nil {
		return s.pickAgent(ctx, tx, sc.QueueID, preferred, except)
	}
	cands, err := tx.TeamCandidates(ctx, *sc.TeamID, sc.QueueID, sc.SiteID, s.now().Add(-s.cfg.AgentGrace))
	if err != nil {
		return 0, err
	}
	return s.firstWithRoom(ctx, tx, cands, preferred, except)
}

// firstWithRoom returns the first candidate (preferred first) with room
// under their capacity, checked again under their lock.
func (s *Rules) firstWithRoom(ctx context.Context, tx *store.Store, cands []store.Candidate, preferred, except int64) (int64, error) {
	for i, c := range cands {
		if c.UserID == preferred && i > 0 {
			cands[0], cands[i] = cands[i], cands[0]
		}
	}
	for _, c := range cands {
		if c.UserID == except || c.Load >= c.Capacity {
			continue
		}
		if err := tx.LockAgent(ctx, c.UserID); err != nil {
			return 0, err
		}
		load, err := tx.AgentLoad(ctx, c.UserID)
		if err != nil {
			return 0, err
		}
		if load < c.Capacity {
			return c.UserID, nil
		}
	}
	return 0, nil
}

// teamWaiting returns the oldest conversation waiting for one of the
// user's teams (nil if none).
func teamWaiting(ctx context.Context, tx *store.Store, userID int64) (*store.SupportConversation, error) {
	teams, err := tx.UserTeamIDs(ctx, userID)
	if err != nil {
		return nil, err
	}
	var best *store.SupportConversation
	for _, id := range teams {
		w, err := tx.OldestTeamQueued(ctx, id, 1)
		if err != nil {
			return nil, err
		}
		if len(w) == 1 && (best == nil || w[0].QueuedAt.Before(*best.QueuedAt)) {
			best = &w[0]
		}
	}
	return best, nil
}

// capacityFor is a user's capacity for a conversation: for one waiting
// for a team, theirs in its queue or the team's default; else theirs in
// the queue (see capacityOn).
func (s *Routing) capacityFor(ctx context.Context, tx *store.Store, sc *store.SupportConversation, userID int64) int {
	if sc.TeamID != nil {
		if c, err := tx.TeamCapacity(ctx, *sc.TeamID, sc.QueueID, userID); err == nil {
			return c
		}
	}
	return s.capacityOn(ctx, tx, sc.QueueID, userID)
}

// teamDefaultCapacity is the largest default capacity of the user's
// teams (0 if in none): the capacity of a team member in a queue their
// team serves.
func teamDefaultCapacity(ctx context.Context, tx *store.Store, userID int64) int {
	ids, err := tx.UserTeamIDs(ctx, userID)
	if err != nil {
		return 0
	}
	best := 0
	for _, id := range ids {
		if t, err := tx.TeamByID(ctx, id); err == nil && t.DefaultCapacity > best {
			best = t.DefaultCapacity
		}
	}
	return best
}

// teamRef names a conversation's team (nil if none).
func teamRef(ctx context.Context, st *store.Store, teamID *int64) *TeamRef {
	if teamID == nil {
		return nil
	}
	t, err := st.TeamByID(ctx, *teamID)
	if err != nil {
		return nil
	}
	return &TeamRef{ID: t.ID, Name: t.Name}
}

func countSet(ids ...*int64) int {
	n := 0
	for _, id := range ids {
		if id != nil {
			n++
		}
	}
	return n
}

// transferToTeamTx hands a conversation to a team: to its least busy
// online member with room who serves the site, else it waits for the team
// (the members take it as they come online or free a slot).
func (s *Routing) transferToTeamTx(ctx context.Context, tx *store.Store, sc *store.SupportConversation, actor auth.Identity, teamID int64, now time.Time) (*routed, *store.Message, error) {
	t, err := tx.TeamByID(ctx, teamID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, errNoTeam
	}
	if err != nil {
		return nil, nil, err
	}
	if _, err := tx.LockQueue(ctx, sc.QueueID); err != nil {
		return nil, nil, err
	}
	sys, err := s.chat.PostSystemTx(ctx, tx, sc.ConversationID, chat.Event{Type: chat.EventTransferredToTeam, Actor: who(ctx, tx, actor.ID), Name: t.Name})
	if err != nil {
		return nil, nil, err
	}
	if err := s.rules.logEvent(ctx, tx, sc, "transferred", &actor.ID, 0); err != nil {
		return nil, nil, err
	}
	if err := s.rules.botLetGo(ctx, tx, sc); err != nil {
		return nil, nil, err
	}
	if err := tx.UpdateSupportConversation(ctx, sc.ConversationID, store.SupportConversationUpdate{
		Status: new(StatusQueued), AssigneeID: store.SetNull[int64](), QueuedAt: store.SetTo(now), AssignedAt: store.SetNull[time.Time]()}); err != nil {
		return nil, nil, err
	}
	if err := tx.SetConversationTeam(ctx, sc.ConversationID, &t.ID); err != nil {
		return nil, nil, err
	}
	sc.TeamID, sc.Status, sc.AssigneeID, sc.QueuedAt = &t.ID, StatusQueued, nil, &now
	r, err := s.rules.routeTx(ctx, tx, sc, 0, now)
	if r == nil && err == nil {
		r = &routed{conversationID: sc.ConversationID, event: "queued", queueID: sc.QueueID}
	}
	return r, sys, err
}

// OptionalID is a JSON field that may be absent (unchanged), null (none)
// or an id.
type OptionalID struct {
	Set   bool
	Value *int64
}

// UnmarshalJSON records that the field was given, null or an id.
func (o *OptionalID) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Value = nil
		return nil
	}
	var id int64
	if err := json.Unmarshal(b, &id); err != nil {
		return err
	}
	o.Value = &id
	return nil
}

// setQueueTeam makes a team serve a queue (nil: none); 404 for no such team.
func setQueueTeam(ctx context.Context, tx *store.Store, queueID int64, teamID *int64) error {
	if teamID != nil {
		if _, err := tx.TeamByID(ctx, *teamID); errors.Is(err, store.ErrNotFound) {
			return errNoTeam
		} else if err != nil {
			return errs.Wrap(err, "load team")
		}
	}
	if err := tx.SetQueueTeam(ctx, queueID, teamID); err != nil {
		return errs.Wrap(err, "set queue team")
	}
	return nil
}

// checkTeamView lets a team's members and admins see its inbox: 400
// without a team, 404 for no such team, 403 for anyone else.
func (s *Inbox) checkTeamView(ctx context.Context, actor auth.Identity, teamID int64) error {
	if teamID <= 0 {
		return errs.Field("team_id", "the team view needs team_id")
	}
	if _, err := s.store.TeamByID(ctx, teamID); errors.Is(err, store.ErrNotFound) {
		return errNoTeam
	} else if err != nil {
		return errs.Wrap(err, "load team")
	}
	if actor.IsAdmin() {
		return nil
	}
	ok, err := s.store.IsTeamMember(ctx, teamID, actor.ID)
	if err != nil {
		return errs.Wrap(err, "check team")
	}
	if !ok {
		return errs.R(errs.Forbidden, "forbidden", "only the team's members and admins see its conversations")
	}
	return nil
}
