package support

import (
	"context"
	"errors"
	"time"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/store"
)

// Routing decides who holds which support conversation: it lets agents
// claim, transfer, resolve and reopen conversations, moves unanswered
// assignments on, keeps the agents' status and connectivity, gives a freed
// slot to the oldest waiting conversation, and tells everyone concerned.
// The decisions made inside a message's transaction (routing a new or
// reopened conversation) are the rules' (see routeTx).
type Routing struct {
	shared
	rules    *Rules
	chat     *chat.Service
	sessions Sessions
}

// NewRouting builds the routing on the rules chat was built with;
// sessions counts an agent's open sessions (nil: connectivity is ignored).
func NewRouting(rules *Rules, ch *chat.Service, sessions Sessions) *Routing {
	return &Routing{shared: rules.shared, rules: rules, chat: ch, sessions: sessions}
}

// routed is what a routing decision changed, announced after commit.
type routed struct {
	conversationID int64
	event          string // opened | assigned | claimed | transferred | queued | resolved | reopened | rated
	agentID        int64
	queueID        int64
	staffOnly      bool // the visitor knows already (a conversation opened with a bot)
}

// routeTx assigns a conversation entering its queue (new, transferred,
// handed off by a bot or reopened) to the best online agent of the
// queue with room: least busy first, then idle longest; preferred (the
// visitor's previous agent) first when they qualify. With nobody free it
// stays queued and nil is returned. The queue and the chosen agent are
// locked, so no two nodes fill the same slot.
func (s *Rules) routeTx(ctx context.Context, tx *store.Store, sc *store.SupportConversation, preferred int64, now time.Time) (*routed, error) {
	// The visitor's previous agent is read before the queue's lock: it does
	// not depend on it, and every statement under the lock holds up every
	// other routing in the queue until commit.
	if preferred == 0 {
		preferred = s.previousAgent(ctx, tx, sc)
	}
	q, err := tx.LockQueue(ctx, sc.QueueID)
	if err != nil {
		return nil, err
	}
	agent, err := s.pickFor(ctx, tx, sc, preferred, 0)
	if err != nil || agent == 0 {
		return nil, err
	}
	r, err := s.assignRoutedTx(ctx, tx, q, sc, agent, now)
	if r != nil {
		// Every caller routes a conversation that enters the queue in this
		// transaction: assigned at once, it never waited, so nobody in
		// line moved up and the waiting visitors need no new positions
		// (with hundreds waiting, sending them all again held up the node).
		r.queueID = 0
	}
	return r, err
}

// previousAgent is the agent of the visitor's last resolved conversation.
func (s *Rules) previousAgent(ctx context.Context, tx *store.Store, sc *store.SupportConversation) int64 {
	prev, err := tx.PreviousAssignee(ctx, sc.VisitorID, sc.ConversationID)
	if err != nil {
		return 0
	}
	return prev
}

// pickAgent returns an online agent of the queue with room (0 if none),
// trying preferred first and never except.
func (s *Rules) pickAgent(ctx context.Context, tx *store.Store, queueID, preferred, except int64) (int64, error) {
	cands, err := tx.Candidates(ctx, queueID, s.now().Add(-s.cfg.AgentGrace))
	if err != nil {
		return 0, err
	}
	return s.firstWithRoom(ctx, tx, cands, preferred, except)
}

// capacityOn is an agent's capacity in a queue (or their largest
// elsewhere on the site when they are not in that queue).
func (s *Routing) capacityOn(ctx context.Context, tx *store.Store, queueID, userID int64) int {
	agents, err := tx.QueueAgents(ctx, queueID)
	if err == nil {
		for _, a := range agents {
			if a.UserID == userID {
				return a.Capacity
			}
		}
	}
	queues, err := tx.AgentQueues(ctx, userID)
	best := 0
	if err == nil {
		for _, q := range queues {
			if as, err := tx.QueueAgents(ctx, q.ID); err == nil {
				for _, a := range as {
					if a.UserID == userID && a.Capacity > best {
						best = a.Capacity
					}
				}
			}
		}
	}
	if best == 0 { // serving through a team only
		best = teamDefaultCapacity(ctx, tx, userID)
	}
	return best
}

// assignTx gives sc to agentID and makes them a member of the conversation.
func (s *Rules) assignTx(ctx context.Context, tx *store.Store, sc *store.SupportConversation, agentID int64, now time.Time, event string) (*routed, error) {
	if err := s.botLetGo(ctx, tx, sc); err != nil {
		return nil, err
	}
	if err := tx.UpdateSupportConversation(ctx, sc.ConversationID, store.SupportConversationUpdate{
		Status: new(StatusAssigned), AssigneeID: store.SetTo(agentID), AssignedAt: store.SetTo(now)}); err != nil {
		return nil, err
	}
	if err := tx.EnsureMember(ctx, &store.Member{ConversationID: sc.ConversationID, UserID: agentID, Role: "agent", JoinedAt: now}); err != nil {
		return nil, err
	}
	if err := tx.MarkAssigned(ctx, agentID, now); err != nil {
		return nil, err
	}
	if err := s.logEvent(ctx, tx, sc, "assigned", &agentID, 0); err != nil {
		return nil, err
	}
	sc.Status, sc.AssigneeID, sc.AssignedAt = StatusAssigned, &agentID, &now
	if err := s.emitConversation(ctx, tx, sc, "conversation.assigned"); err != nil {
		return nil, err
	}
	return &routed{conversationID: sc.ConversationID, event: event, agentID: agentID, queueID: sc.QueueID}, nil
}

// assignRoutedTx gives sc to the agent routing chose in q (the queue as
// LockQueue returned it) and schedules the queue's time-out for an
// answer.
func (s *Rules) assignRoutedTx(ctx context.Context, tx *store.Store, q *store.Queue, sc *store.SupportConversation, agentID int64, now time.Time) (*routed, error) {
	r, err := s.assignTx(ctx, tx, sc, agentID, now, "assigned")
	if err != nil {
		return nil, err
	}
	if q.AssignTimeoutS > 0 && s.jobs != nil {
		timeout := time.Duration(q.AssignTimeoutS) * time.Second
		if err := s.jobs.EnqueueAssignTimeout(ctx, tx, sc.ConversationID, agentID, now.UnixNano(), timeout); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// drain gives an agent with room the oldest waiting conversations of their
// queues, one routing decision per transaction.
func (s *Routing) drain(ctx context.Context, agentID int64) {
	queues, err := s.store.AgentQueues(ctx, agentID)
	if err != nil {
		return
	}
	for {
		var events []routed
		err := s.store.Tx(ctx, func(tx *store.Store) error {
			a, err := tx.AgentByID(ctx, agentID)
			if errors.Is(err, store.ErrNotFound) {
				return nil // never chose a status: takes no chats
			}
			if err != nil || !s.available(a) {
				return err
			}
			// The oldest waiting conversation across the agent's queues.
			var best *store.SupportConversation
			for _, q := range queues {
				w, err := tx.OldestQueued(ctx, q.ID, 1)
				if err != nil {
					return err
				}
				if len(w) == 1 && (best == nil || w[0].QueuedAt.Before(*best.QueuedAt)) {
					best = &w[0]
				}
			}
			// And the oldest waiting for one of the agent's teams.
			if w, err := teamWaiting(ctx, tx, agentID); err != nil {
				return err
			} else if w != nil && (best == nil || w.QueuedAt.Before(*best.QueuedAt)) {
				best = w
			}
			if best == nil {
				return nil
			}
			q, err := tx.LockQueue(ctx, best.QueueID)
			if err != nil {
				return err
			}
			if err := tx.LockAgent(ctx, agentID); err != nil {
				return err
			}
			load, err := tx.AgentLoad(ctx, agentID)
			if err != nil {
				return err
			}
			if load >= s.capacityFor(ctx, tx, best, agentID) {
				return nil
			}
			fresh, err := tx.SupportConversationByID(ctx, best.ConversationID)
			if err != nil || fresh.Status != StatusQueued {
				return err // taken meanwhile: the loop looks again
			}
			r, err := s.rules.assignRoutedTx(ctx, tx, q, fresh, agentID, s.now())
			if r != nil {
				events = append(events, *r)
			}
			return err
		})
		if err != nil {
			s.log.WarnContext(ctx, "drain queue", "agent_id", agentID, "err", err)
			return
		}
		if len(events) == 0 {
			return
		}
		s.announce(ctx, events)
	}
}

// announce tells everyone concerned what routing did: the conversation's
// visitor and agents get its new state, the assignee is told, waiting
// visitors of the queue get their new positions, and the assignment's
// time-out is scheduled.
func (s *Routing) announce(ctx context.Context, events []routed) {
	for _, e := range events {
		sc, err := s.store.SupportConversationByID(ctx, e.conversationID)
		if err != nil {
			continue
		}
		if v, err := s.rules.conversationView(ctx, sc, false); err == nil && !e.staffOnly {
			s.chat.PublishKeys(ctx, []string{chat.VisitorKey(sc.VisitorID)}, ConversationFrame{Type: "conversation", Event: e.event, Conversation: v})
		}
		if v, err := s.rules.conversationView(ctx, sc, true); err == nil {
			if agents, err := s.siteAgentIDs(ctx, sc.SiteID); err == nil {
				s.chat.PublishTo(ctx, agents, ConversationFrame{Type: "conversation", Event: e.event, Conversation: v})
			}
		}
		if e.queueID != 0 {
			s.publishPositions(ctx, e.queueID)
		}
	}
}

// publishPositions sends every waiting visitor of a queue their position.
func (s *Routing) publishPositions(ctx context.Context, queueID int64) {
	waiting, err := s.store.OldestQueued(ctx, queueID, 1000)
	if err != nil {
		return
	}
	for i := range waiting {
		v, err := s.rules.conversationView(ctx, &waiting[i], false)
		if err != nil {
			continue
		}
		s.chat.PublishKeys(ctx, []string{chat.VisitorKey(waiting[i].VisitorID)}, ConversationFrame{Type: "conversation", Event: "position", Conversation: v})
	}
}

// siteAgentIDs lists who serves a site now: its enabled agents and every
// enabled admin.
func (s *Routing) siteAgentIDs(ctx context.Context, siteID int64) ([]int64, error) {
	return s.store.SiteStaffIDs(ctx, siteID)
}

// HandleAssignTimeout moves a conversation on when its agent has not
// answered within the queue's time-out. It re-checks everything: the task
// may be late, run twice, or the agent may have answered.
func (s *Routing) HandleAssignTimeout(ctx context.Context, conversationID, agentID, assignedAtUnixNano int64) error {
	var (
		events []routed
		sys    *store.Message
	)
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		sc, err := tx.SupportConversationByID(ctx, conversationID)
		if err != nil {
			return nil
		}
		if sc.Status != StatusAssigned || sc.AssigneeID == nil || *sc.AssigneeID != agentID || sc.AssignedAt == nil || sc.AssignedAt.UnixNano() != assignedAtUnixNano {
			return nil // moved on already
		}
		answered, err := tx.UserPostedSince(ctx, conversationID, agentID, *sc.AssignedAt)
		if err != nil || answered {
			return err
		}
		q, err := tx.LockQueue(ctx, sc.QueueID)
		if err != nil {
			return err
		}
		next, err := s.rules.pickFor(ctx, tx, sc, 0, agentID)
		if err != nil || next == 0 {
			return err // nobody else free: it stays with the agent
		}
		sys, err = s.chat.PostSystemTx(ctx, tx, conversationID, chat.Event{Type: chat.EventConversationMoved, Target: who(ctx, tx, next)})
		if err != nil {
			return err
		}
		r, err := s.rules.assignRoutedTx(ctx, tx, q, sc, next, s.now())
		if r != nil {
			events = append(events, *r)
		}
		return err
	})
	if err != nil {
		return err
	}
	s.chat.Announce(ctx, nil, sys)
	s.announce(ctx, events)
	if len(events) > 0 {
		s.drain(ctx, agentID)
	}
	return nil
}

// reopenTx reopens inside another transaction (a visitor writing again).
func (s *Rules) reopenTx(ctx context.Context, tx *store.Store, sc *store.SupportConversation, now time.Time) error {
	_, err := s.reopenRouted(ctx, tx, sc, now)
	return err
}

func (s *Rules) reopenRouted(ctx context.Context, tx *store.Store, sc *store.SupportConversation, now time.Time) (*routed, error) {
	prev := sc.AssigneeID
	u := store.SupportConversationUpdate{
		Status: new(StatusQueued), AssigneeID: store.SetNull[int64](), QueuedAt: store.SetTo(now), ResolvedAt: store.SetNull[time.Time](), AssignedAt: store.SetNull[time.Time]()}
	// The resolution is due again from the reopening, by the queue's target now.
	if q, err := tx.QueueByID(ctx, sc.QueueID); err == nil {
		u.ResolutionDueAt = store.Null[time.Time]{Set: true, Value: dueAfter(now, q.ResolutionTargetS)}
	}
	if err := tx.UpdateSupportConversation(ctx, sc.ConversationID, u); err != nil {
		return nil, err
	}
	if err := s.logEvent(ctx, tx, sc, "reopened", nil, 0); err != nil {
		return nil, err
	}
	sc.Status, sc.AssigneeID, sc.QueuedAt = StatusQueued, nil, &now
	var preferred int64
	if prev != nil {
		preferred = *prev
	}
	r, err := s.routeTx(ctx, tx, sc, preferred, now)
	if r == nil && err == nil {
		r = &routed{conversationID: sc.ConversationID, event: "reopened", queueID: sc.QueueID}
	}
	return r, err
}
