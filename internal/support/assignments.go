package support

import (
	"context"
	"time"

	"github.com/parley-chat/parley/internal/audit"
	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// ClaimInput is an agent's request to take a conversation.
type ClaimInput struct {
	// Takeover lets an admin take a conversation another agent holds.
	Takeover bool `json:"takeover"`
}

// Claim takes a conversation for the calling agent: a waiting one, or,
// with Takeover, an admin takes one another agent holds (logged in the
// action log). The claimer needs room under their capacity; an admin who
// serves no queue has no capacity to respect. Of many claims
// racing for one conversation exactly one wins; the others get 409
// already_assigned.
func (s *Routing) Claim(ctx context.Context, actor auth.Identity, conversationID int64, in ClaimInput) (*Conversation, error) {
	var (
		events []routed
		freed  *int64
		sys    *store.Message
	)
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		sc, err := supportFor(ctx, tx, actor, conversationID)
		if err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, actor.ID)
		if err != nil {
			return err
		}
		admin := u.Role == "admin"
		if in.Takeover && !admin {
			return errs.R(errs.Forbidden, "takeover_admin_only", "only admins take over a conversation another agent holds")
		}
		if _, err := tx.LockQueue(ctx, sc.QueueID); err != nil {
			return err
		}
		// The agent's row serialises everything that fills their slots
		// (routing, transfers, claims from other queues).
		if err := tx.EnsureAgent(ctx, actor.ID, s.now()); err != nil {
			return err
		}
		if err := tx.LockAgent(ctx, actor.ID); err != nil {
			return err
		}
		// Read again under the locks: another claim may have just committed.
		if sc, err = tx.SupportConversationByID(ctx, conversationID); err != nil {
			return err
		}
		if sc.Status == StatusResolved {
			return errs.R(errs.Conflict, "resolved", "this conversation is resolved; reopen it first")
		}
		from := sc.AssigneeID
		if from != nil && *from == actor.ID {
			return nil
		}
		if from != nil && !in.Takeover {
			return errAlreadyAssigned
		}
		capacity := s.capacityOn(ctx, tx, sc.QueueID, actor.ID)
		if capacity > 0 || !admin {
			load, err := tx.AgentLoad(ctx, actor.ID)
			if err != nil {
				return err
			}
			if load >= capacity {
				return errs.Rf(errs.Conflict, "at_capacity", "you have %d conversations, as many as your capacity allows", load)
			}
		}
		// The conditional update decides the race: it only takes the
		// conversation from the assignee read above.
		taken, err := tx.TakeSupportConversation(ctx, conversationID, actor.ID, from, s.now())
		if err != nil {
			return err
		}
		if !taken {
			return errAlreadyAssigned
		}
		r, err := s.rules.assignTx(ctx, tx, sc, actor.ID, s.now(), "claimed")
		if err != nil {
			return err
		}
		events = append(events, *r)
		if from == nil {
			return nil
		}
		freed = from
		if sys, err = s.chat.PostSystemTx(ctx, tx, conversationID, chat.Event{Type: chat.EventConversationTaken, Actor: who(ctx, tx, actor.ID), Target: who(ctx, tx, *from)}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.ID, "conversation.takeover", "conversation", conversationID, map[string]any{"site_id": sc.SiteID, "from_agent_id": *from})
	})
	if err != nil {
		return nil, asDomain(err, "claim")
	}
	s.chat.Announce(ctx, nil, sys)
	s.announce(ctx, events)
	if freed != nil {
		s.drain(ctx, *freed)
	}
	return s.agentView(ctx, conversationID)
}

var errAlreadyAssigned = errs.R(errs.Conflict, "already_assigned", "another agent has this conversation; an admin can take it over")

// TransferInput names where a conversation goes: an agent, a queue or a team.
type TransferInput struct {
	AgentID *int64 `json:"agent_id"`
	QueueID *int64 `json:"queue_id"`
	TeamID  *int64 `json:"team_id"`
}

// Transfer hands a conversation to another agent (who must be online with
// room: 409 otherwise) or to another queue of the site, where it is routed.
func (s *Routing) Transfer(ctx context.Context, actor auth.Identity, conversationID int64, in TransferInput) (*Conversation, error) {
	if n := countSet(in.AgentID, in.QueueID, in.TeamID); n != 1 {
		return nil, errs.Field("agent_id", "give one of agent_id, queue_id or team_id")
	}
	var (
		events []routed
		freed  *int64
		sys    *store.Message
	)
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		sc, err := supportFor(ctx, tx, actor, conversationID)
		if err != nil {
			return err
		}
		if sc.Status == StatusResolved {
			return errs.R(errs.Conflict, "resolved", "this conversation is resolved; reopen it first")
		}
		now := s.now()
		freed = sc.AssigneeID
		by := who(ctx, tx, actor.ID)
		if in.TeamID != nil {
			r, m, err := s.transferToTeamTx(ctx, tx, sc, actor, *in.TeamID, now)
			if r != nil {
				events = append(events, *r)
			}
			sys = m
			return err
		}
		// Handed to an agent or a queue, it is no longer the team's.
		if sc.TeamID != nil {
			if err := tx.SetConversationTeam(ctx, conversationID, nil); err != nil {
				return err
			}
			sc.TeamID = nil
		}
		if in.AgentID != nil {
			target := *in.AgentID
			if ok, err := canActOnSite(ctx, tx, sc.SiteID, target); err != nil || !ok {
				return errs.R(errs.NotFound, "agent_not_found", "no such agent on this site")
			}
			a, err := tx.AgentByID(ctx, target)
			if err != nil || !s.available(a) {
				return errs.R(errs.Conflict, "agent_offline", "that agent is not online")
			}
			if err := tx.LockAgent(ctx, target); err != nil {
				return err
			}
			load, err := tx.AgentLoad(ctx, target)
			if err != nil {
				return err
			}
			if capacity := s.capacityOn(ctx, tx, sc.QueueID, target); load >= capacity {
				return errs.R(errs.Conflict, "agent_at_capacity", "that agent has no room for another conversation")
			}
			if sys, err = s.chat.PostSystemTx(ctx, tx, conversationID, chat.Event{Type: chat.EventTransferredToAgent, Actor: by, Target: who(ctx, tx, target)}); err != nil {
				return err
			}
			if err := s.rules.logEvent(ctx, tx, sc, "transferred", &actor.ID, 0); err != nil {
				return err
			}
			r, err := s.rules.assignTx(ctx, tx, sc, target, now, "transferred")
			if r != nil {
				events = append(events, *r)
			}
			return err
		}
		q, err := tx.QueueByID(ctx, *in.QueueID)
		if err != nil || q.SiteID != sc.SiteID {
			return errs.R(errs.NotFound, "queue_not_found", "this site has no such queue")
		}
		if _, err := tx.LockQueue(ctx, q.ID); err != nil {
			return err
		}
		if sys, err = s.chat.PostSystemTx(ctx, tx, conversationID, chat.Event{Type: chat.EventTransferredToQueue, Actor: by, Name: q.Name}); err != nil {
			return err
		}
		if err := s.rules.logEvent(ctx, tx, sc, "transferred", &actor.ID, 0); err != nil {
			return err
		}
		if err := s.rules.botLetGo(ctx, tx, sc); err != nil {
			return err
		}
		// The due times follow the new queue's targets.
		from, err := tx.QueueByID(ctx, sc.QueueID)
		if err != nil {
			return err
		}
		if sc.Status == StatusBot { // handed off now
			sc.Status, sc.QueuedAt = StatusQueued, &now
		}
		if err := restampSLA(ctx, tx, sc, from, q); err != nil {
			return err
		}
		if err := tx.UpdateSupportConversation(ctx, conversationID, store.SupportConversationUpdate{
			QueueID: &q.ID, Status: new(StatusQueued), AssigneeID: store.SetNull[int64](), QueuedAt: store.SetTo(now), AssignedAt: store.SetNull[time.Time]()}); err != nil {
			return err
		}
		sc.QueueID, sc.Status, sc.AssigneeID, sc.QueuedAt = q.ID, StatusQueued, nil, &now
		r, err := s.rules.routeTx(ctx, tx, sc, 0, now)
		if r != nil {
			events = append(events, *r)
		} else {
			events = append(events, routed{conversationID: conversationID, event: "queued", queueID: q.ID})
		}
		return err
	})
	if err != nil {
		return nil, asDomain(err, "transfer")
	}
	s.chat.Announce(ctx, nil, sys)
	s.announce(ctx, events)
	if freed != nil {
		s.drain(ctx, *freed)
	}
	return s.agentView(ctx, conversationID)
}

// Resolve closes a conversation; the visitor may then rate it, and writing
// again reopens it. The agent's slot goes to the oldest waiting chat.
func (s *Routing) Resolve(ctx context.Context, actor auth.Identity, conversationID int64) (*Conversation, error) {
	var (
		freed *int64
		sys   *store.Message
	)
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		sc, err := supportFor(ctx, tx, actor, conversationID)
		if err != nil {
			return err
		}
		if sc.Status == StatusResolved {
			return errs.R(errs.Conflict, "already_resolved", "this conversation is already resolved")
		}
		freed = sc.AssigneeID
		if err := tx.UpdateSupportConversation(ctx, conversationID, store.SupportConversationUpdate{Status: new(StatusResolved), ResolvedAt: store.SetTo(s.now())}); err != nil {
			return err
		}
		if err := s.rules.logEvent(ctx, tx, sc, "resolved", sc.AssigneeID, 0); err != nil {
			return err
		}
		if sys, err = s.chat.PostSystemTx(ctx, tx, conversationID, chat.Event{Type: chat.EventConversationResolved, Actor: who(ctx, tx, actor.ID)}); err != nil {
			return err
		}
		return s.rules.emitConversation(ctx, tx, sc, "conversation.resolved")
	})
	if err != nil {
		return nil, asDomain(err, "resolve")
	}
	s.chat.Announce(ctx, nil, sys)
	s.announce(ctx, []routed{{conversationID: conversationID, event: "resolved"}})
	if freed != nil {
		s.drain(ctx, *freed)
	}
	return s.agentView(ctx, conversationID)
}

// Reopen brings a resolved conversation back to its agent (if they have
// room) or to its queue.
func (s *Routing) Reopen(ctx context.Context, actor auth.Identity, conversationID int64) (*Conversation, error) {
	var (
		events []routed
		sys    *store.Message
	)
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		sc, err := supportFor(ctx, tx, actor, conversationID)
		if err != nil {
			return err
		}
		if sc.Status != StatusResolved {
			return errs.R(errs.Conflict, "not_resolved", "this conversation is not resolved")
		}
		if sys, err = s.chat.PostSystemTx(ctx, tx, conversationID, chat.Event{Type: chat.EventConversationReopened, Actor: who(ctx, tx, actor.ID)}); err != nil {
			return err
		}
		r, err := s.rules.reopenRouted(ctx, tx, sc, s.now())
		if r != nil {
			events = append(events, *r)
		}
		return err
	})
	if err != nil {
		return nil, asDomain(err, "reopen")
	}
	s.chat.Announce(ctx, nil, sys)
	s.announce(ctx, events)
	return s.agentView(ctx, conversationID)
}

func (s *Routing) agentView(ctx context.Context, conversationID int64) (*Conversation, error) {
	sc, err := s.store.SupportConversationByID(ctx, conversationID)
	if err != nil {
		return nil, errs.Wrap(err, "load conversation")
	}
	return s.rules.conversationView(ctx, sc, true)
}
