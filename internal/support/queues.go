package support

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/audit"
	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

var errNoQueue = errs.R(errs.NotFound, "queue_not_found", "no such queue")

// SiteQueues lists a site's queues with their agents (admins and the site's agents).
func (s *Sites) SiteQueues(ctx context.Context, actor auth.Identity, siteID int64) ([]Queue, error) {
	site, err := s.GetSite(ctx, actor, siteID)
	if err != nil {
		return nil, err
	}
	if site.Queues == nil {
		return []Queue{}, nil
	}
	return site.Queues, nil
}

// QueuePatch changes a queue; nil fields stay.
type QueuePatch struct {
	Name           *string `json:"name"`
	AssignTimeoutS *int    `json:"assign_timeout_s"`
	IsDefault      *bool   `json:"is_default"`
	// Service-level targets: seconds, or null for none.
	FirstResponseTargetS json.RawMessage `json:"first_response_target_s"`
	ResolutionTargetS    json.RawMessage `json:"resolution_target_s"`
	// TeamID names a team whose members serve the queue; null takes it off.
	TeamID OptionalID `json:"team_id"`
	// BotID names a bot of the site that answers first; null takes it off.
	BotID OptionalID `json:"bot_id"`
}

// UpdateQueue renames a queue, changes its assignment time-out or makes it
// the site's default (admins only). Errors: 403, 400, 404 queue_not_found.
func (s *Sites) UpdateQueue(ctx context.Context, actor auth.Identity, id int64, p QueuePatch) (*Queue, error) {
	// The widget's public settings show the change at once on this node.
	defer s.sites.forget()
	if !actor.IsAdmin() {
		return nil, errNeedAdmin
	}
	var u store.QueueUpdate
	detail := map[string]any{}
	if p.Name != nil {
		name := strings.TrimSpace(*p.Name)
		if name == "" || utf8.RuneCountInString(name) > 64 {
			return nil, errs.Field("name", "1 to 64 characters")
		}
		u.Name, detail["name"] = &name, name
	}
	if p.AssignTimeoutS != nil {
		if *p.AssignTimeoutS < 1 || *p.AssignTimeoutS > 3600 {
			return nil, errs.Field("assign_timeout_s", "1 to 3600 seconds")
		}
		u.AssignTimeoutS, detail["assign_timeout_s"] = p.AssignTimeoutS, *p.AssignTimeoutS
	}
	for _, t := range []struct {
		field string
		raw   json.RawMessage
		into  *store.Null[int]
	}{{"first_response_target_s", p.FirstResponseTargetS, &u.FirstResponseTargetS}, {"resolution_target_s", p.ResolutionTargetS, &u.ResolutionTargetS}} {
		if t.raw == nil {
			continue
		}
		v, err := slaTarget(t.field, t.raw)
		if err != nil {
			return nil, err
		}
		*t.into, detail[t.field] = v, v.Value
	}
	if p.IsDefault != nil && !*p.IsDefault {
		return nil, errs.Field("is_default", "make another queue the default instead")
	}
	var q *store.Queue
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		var err error
		q, err = tx.QueueByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNoQueue
		}
		if err != nil {
			return errs.Wrap(err, "load queue")
		}
		if p.TeamID.Set {
			if err := setQueueTeam(ctx, tx, id, p.TeamID.Value); err != nil {
				return err
			}
			detail["team_id"] = p.TeamID.Value
		}
		if p.BotID.Set {
			if p.BotID.Value != nil {
				b, err := tx.BotByID(ctx, *p.BotID.Value)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return errs.Wrap(err, "load bot")
				}
				if err != nil || b.SiteID != q.SiteID {
					return errs.R(errs.Rule, "bot_not_on_site", "this site has no such bot")
				}
			}
			u.BotID, detail["bot_id"] = store.Null[int64]{Set: true, Value: p.BotID.Value}, p.BotID.Value
		}
		if p.IsDefault != nil && !q.IsDefault {
			if err := tx.ClearDefaultQueue(ctx, q.SiteID); err != nil {
				return errs.Wrap(err, "clear default queue")
			}
			u.IsDefault, detail["is_default"] = new(true), true
		}
		if len(detail) == 0 {
			return nil
		}
		if err := tx.UpdateQueue(ctx, id, u); err != nil {
			return errs.Wrap(err, "update queue")
		}
		before := *q
		if q, err = tx.QueueByID(ctx, id); err != nil {
			return errs.Wrap(err, "reload queue")
		}
		// The open conversations are due by the new targets.
		if err := restampQueueSLA(ctx, tx, &before, q); err != nil {
			return errs.Wrap(err, "recompute due times")
		}
		return audit.Record(ctx, tx, actor.ID, "queue.update", "queue", id, detail)
	})
	if err != nil {
		return nil, err
	}
	if p.TeamID.Value != nil {
		s.routing.drainTeam(ctx, *p.TeamID.Value) // its members serve the queue now
	}
	return &Queue{ID: q.ID, SiteID: q.SiteID, Name: q.Name, IsDefault: q.IsDefault, AssignTimeoutS: q.AssignTimeoutS,
		FirstResponseTargetS: q.FirstResponseTargetS, ResolutionTargetS: q.ResolutionTargetS, TeamID: q.TeamID, BotID: q.BotID}, nil
}

// slaTarget reads a service-level target of a queue patch: whole seconds
// from 1 to 30 days, or null for none.
func slaTarget(field string, raw json.RawMessage) (store.Null[int], error) {
	if string(raw) == "null" {
		return store.SetNull[int](), nil
	}
	var n int
	if err := json.Unmarshal(raw, &n); err != nil || n < 1 || n > MaxSLATargetS {
		return store.Null[int]{}, errs.Field(field, "1 to 2592000 seconds, or null for none")
	}
	return store.SetTo(n), nil
}

// DeleteQueue removes a queue (admins only). Its resolved conversations
// move to the site's default queue; the default queue itself and a queue
// with open conversations stay. Errors: 403, 404 queue_not_found, 409
// default_queue or queue_has_open_conversations.
func (s *Sites) DeleteQueue(ctx context.Context, actor auth.Identity, id int64) error {
	// The widget's public settings show the change at once on this node.
	defer s.sites.forget()
	if !actor.IsAdmin() {
		return errNeedAdmin
	}
	return s.store.Tx(ctx, func(tx *store.Store) error {
		q, err := tx.QueueByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNoQueue
		}
		if err != nil {
			return errs.Wrap(err, "load queue")
		}
		if _, err := tx.LockQueue(ctx, id); err != nil {
			return errs.Wrap(err, "lock queue")
		}
		if q.IsDefault {
			return errs.R(errs.Conflict, "default_queue", "the default queue cannot be deleted; make another queue the default first")
		}
		n, err := tx.CountOpenInQueue(ctx, id)
		if err != nil {
			return errs.Wrap(err, "count open conversations")
		}
		if n > 0 {
			return errs.R(errs.Conflict, "queue_has_open_conversations", "this queue has open conversations; resolve or transfer them first")
		}
		queues, err := tx.QueuesOfSite(ctx, q.SiteID)
		if err != nil {
			return errs.Wrap(err, "load queues")
		}
		for _, other := range queues {
			if other.IsDefault {
				if err := tx.MoveQueueConversations(ctx, id, other.ID); err != nil {
					return errs.Wrap(err, "move conversations")
				}
				break
			}
		}
		if err := tx.DeleteQueue(ctx, id); err != nil {
			return errs.Wrap(err, "delete queue")
		}
		return audit.Record(ctx, tx, actor.ID, "queue.delete", "queue", id, map[string]any{"site_id": q.SiteID, "name": q.Name})
	})
}

// RemoveQueueAgent takes an agent out of a queue (admins only). Errors:
// 403, 404 queue_not_found or not_in_queue.
func (s *Sites) RemoveQueueAgent(ctx context.Context, actor auth.Identity, queueID, userID int64) error {
	// The widget's public settings show the change at once on this node.
	defer s.sites.forget()
	if !actor.IsAdmin() {
		return errNeedAdmin
	}
	return s.store.Tx(ctx, func(tx *store.Store) error {
		if _, err := tx.QueueByID(ctx, queueID); errors.Is(err, store.ErrNotFound) {
			return errNoQueue
		} else if err != nil {
			return errs.Wrap(err, "load queue")
		}
		removed, err := tx.RemoveQueueAgent(ctx, queueID, userID)
		if err != nil {
			return errs.Wrap(err, "remove agent")
		}
		if !removed {
			return errs.R(errs.NotFound, "not_in_queue", "this user is not an agent of the queue")
		}
		return audit.Record(ctx, tx, actor.ID, "queue.agent_remove", "queue", queueID, map[string]any{"user_id": userID})
	})
}

// NewQueue is what it takes to add a queue.
type NewQueue struct {
	Name           string `json:"name"`
	AssignTimeoutS int    `json:"assign_timeout_s"`
	IsDefault      bool   `json:"is_default"`
}

// CreateQueue adds a queue to a site (admins only).
func (s *Sites) CreateQueue(ctx context.Context, actor auth.Identity, siteID int64, in NewQueue) (*Queue, error) {
	// The widget's public settings show the change at once on this node.
	defer s.sites.forget()
	if !actor.IsAdmin() {
		return nil, errNeedAdmin
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || utf8.RuneCountInString(name) > 64 {
		return nil, errs.Field("name", "1 to 64 characters")
	}
	if in.AssignTimeoutS == 0 {
		in.AssignTimeoutS = 120
	}
	if in.AssignTimeoutS < 1 || in.AssignTimeoutS > 3600 {
		return nil, errs.Field("assign_timeout_s", "1 to 3600 seconds")
	}
	if _, err := s.store.SiteByID(ctx, siteID); errors.Is(err, store.ErrNotFound) {
		return nil, errNoSite
	}
	q := &store.Queue{SiteID: siteID, Name: name, IsDefault: in.IsDefault, AssignTimeoutS: in.AssignTimeoutS, CreatedAt: s.now()}
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.CreateQueue(ctx, q); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.ID, "queue.create", "queue", q.ID, map[string]any{"site_id": siteID, "name": name})
	})
	if err != nil {
		return nil, errs.Wrap(err, "create queue")
	}
	return s.queueView(ctx, q)
}

// SetQueueAgent puts an agent (role agent or admin) in a queue with a
// capacity, or changes it; capacity 0 removes them (admins only).
func (s *Sites) SetQueueAgent(ctx context.Context, actor auth.Identity, queueID, userID int64, capacity int) error {
	// The widget's public settings show the change at once on this node.
	defer s.sites.forget()
	if !actor.IsAdmin() {
		return errNeedAdmin
	}
	if capacity < 0 || capacity > 100 {
		return errs.Field("capacity", "0 (remove) to 100 concurrent conversations")
	}
	if _, err := s.store.QueueByID(ctx, queueID); errors.Is(err, store.ErrNotFound) {
		return errs.R(errs.NotFound, "queue_not_found", "no such queue")
	}
	u, err := s.store.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return errs.R(errs.NotFound, "user_not_found", "no such user")
	}
	if err != nil {
		return errs.Wrap(err, "load user")
	}
	if u.Role != auth.RoleAgent && u.Role != auth.RoleAdmin {
		return errs.R(errs.Rule, "not_an_agent", "only users with the agent or admin role can join queues")
	}
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		if capacity == 0 {
			removed, err := tx.RemoveQueueAgent(ctx, queueID, userID)
			if err != nil || !removed {
				return err
			}
			return audit.Record(ctx, tx, actor.ID, "queue.agent_remove", "queue", queueID, map[string]any{"user_id": userID})
		}
		if err := tx.UpsertQueueAgent(ctx, &store.QueueAgent{QueueID: queueID, UserID: userID, Capacity: capacity, CreatedAt: s.now()}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.ID, "queue.agent_set", "queue", queueID, map[string]any{"user_id": userID, "capacity": capacity})
	})
	if err != nil {
		return errs.Wrap(err, "set queue agent")
	}
	if capacity > 0 {
		s.routing.drain(ctx, userID) // room may have appeared
	}
	return nil
}
