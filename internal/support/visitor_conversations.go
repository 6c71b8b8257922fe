package support

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// visitorConversation loads a visitor's own support conversation.
func (s *Visitors) visitorConversation(ctx context.Context, visitorID, conversationID int64) (*store.SupportConversation, error) {
	sc, err := s.store.SupportConversationByID(ctx, conversationID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && sc.VisitorID != visitorID) {
		return nil, errNoConversation
	}
	if err != nil {
		return nil, errs.Wrap(err, "load conversation")
	}
	return sc, nil
}

// memberIDs lists the agents who took part in a conversation and serve
// its site now: whoever lost access hears nothing more of it.
func (s *Visitors) memberIDs(ctx context.Context, sc *store.SupportConversation) []int64 {
	ms, err := s.store.MembersOf(ctx, sc.ConversationID)
	if err != nil {
		return nil
	}
	ids := make([]int64, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.UserID)
	}
	staff, err := s.store.SiteStaffAmong(ctx, sc.SiteID, ids)
	if err != nil {
		return nil
	}
	return staff
}

// VisitorReadFrame tells agents how far the visitor has read.
type VisitorReadFrame struct {
	Type           string `json:"type"` // read
	ConversationID int64  `json:"conversation_id"`
	VisitorID      int64  `json:"visitor_id"`
	Seq            int64  `json:"seq"`
}

// VisitorRead passes the visitor's read mark to the agents (a receipt).
func (s *Visitors) VisitorRead(ctx context.Context, visitorID, conversationID, seq int64) error {
	sc, err := s.visitorConversation(ctx, visitorID, conversationID)
	if err != nil {
		return err
	}
	moved, err := s.store.AdvanceVisitorReadSeq(ctx, conversationID, seq)
	if err != nil {
		return errs.Wrap(err, "mark read")
	}
	if !moved { // the agents know already: a repeated mark is not news
		return nil
	}
	s.chat.PublishTo(ctx, s.memberIDs(ctx, sc), VisitorReadFrame{Type: "read", ConversationID: conversationID, VisitorID: visitorID, Seq: seq})
	return nil
}

// OpenInput is the widget's request to start a conversation.
type OpenInput struct {
	QueueID *int64            `json:"queue_id"`
	Prechat map[string]string `json:"prechat"`
	// New starts another conversation even while one is open (at most
	// MaxOpenPerVisitor open at once).
	New bool `json:"new"`
}

// MaxOpenPerVisitor bounds the conversations a visitor has open at once.
const MaxOpenPerVisitor = 5

// Open starts a support conversation for a visitor and routes it at once.
// Without New it returns the latest one while that is still open. Errors:
// 409 too_many_open_conversations beyond MaxOpenPerVisitor.
func (s *Visitors) Open(ctx context.Context, visitorID int64, in OpenInput) (*Conversation, error) {
	v, err := s.store.VisitorByID(ctx, visitorID)
	if err != nil {
		return nil, errs.R(errs.Unauthorized, "invalid_visitor_token", "unknown visitor")
	}
	if sc, err := s.store.LatestSupportConversation(ctx, visitorID); err == nil && sc.Status != StatusResolved && !in.New {
		return s.rules.conversationView(ctx, sc, false)
	}
	site, err := s.store.SiteByID(ctx, v.SiteID)
	if err != nil {
		return nil, errs.Wrap(err, "load site")
	}
	queues, err := s.store.QueuesOfSite(ctx, site.ID)
	if err != nil || len(queues) == 0 {
		return nil, errs.R(errs.Rule, "no_queue", "this site has no queue to take chats")
	}
	queue := queues[0]
	if in.QueueID != nil {
		found := false
		for _, q := range queues {
			if q.ID == *in.QueueID {
				queue, found = q, true
			}
		}
		if !found {
			return nil, errs.R(errs.NotFound, "queue_not_found", "this site has no such queue")
		}
	}
	prechatJSON, fields, err := checkPrechat(site, in.Prechat)
	if err != nil {
		return nil, err
	}
	var sc *store.SupportConversation
	var events []routed
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		// The queue is locked only by the routing below: its lock does not
		// wait on the foreign key's share of the queue row that the inserts
		// take, so visitors opening chats at once write their rows side by
		// side and queue up only for the routing decision itself.
		//
		// The visitor's lock makes the count and the insert one step.
		if err := tx.LockVisitor(ctx, visitorID); err != nil {
			return err
		}
		if n, err := tx.CountOpenVisitorConversations(ctx, visitorID); err != nil {
			return err
		} else if n >= MaxOpenPerVisitor {
			return errs.Rf(errs.Conflict, "too_many_open_conversations", "you have %d conversations open already; continue one of them", n)
		}
		now := s.now()
		conv := &store.Conversation{Kind: store.KindSupport, LastMessageAt: &now, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateConversation(ctx, conv); err != nil {
			return err
		}
		sc = &store.SupportConversation{ConversationID: conv.ID, SiteID: site.ID, QueueID: queue.ID, VisitorID: visitorID,
			Status: StatusQueued, Prechat: prechatJSON, QueuedAt: &now, CreatedAt: now,
			FirstResponseDueAt: dueAfter(now, queue.FirstResponseTargetS), ResolutionDueAt: dueAfter(now, queue.ResolutionTargetS)}
		if queue.BotID != nil {
			// The queue's bot answers first: the agents' clocks start at the hand-off.
			sc.Status, sc.BotID, sc.QueuedAt, sc.FirstResponseDueAt = StatusBot, queue.BotID, nil, nil
		}
		if err := tx.CreateSupportConversation(ctx, sc); err != nil {
			return err
		}
		if err := s.rules.logEvent(ctx, tx, sc, "created", nil, 0); err != nil {
			return err
		}
		if fields != (store.VisitorUpdate{}) {
			if err := tx.UpdateVisitor(ctx, visitorID, fields); err != nil {
				return err
			}
		}
		// Created goes to the webhooks before the assignment routing makes.
		if err := s.rules.emitConversation(ctx, tx, sc, "conversation.created"); err != nil {
			return err
		}
		if err := s.rules.trigger(ctx, tx, AutomationEvent{Trigger: "conversation_created", SiteID: sc.SiteID, ConversationID: sc.ConversationID,
			Key: fmt.Sprintf("created:%d", sc.ConversationID)}); err != nil {
			return err
		}
		if sc.Status == StatusBot {
			// No routing tells the agents: they see it open with its bot.
			events = append(events, routed{conversationID: sc.ConversationID, event: "opened", staffOnly: true})
			return s.rules.tellBot(ctx, tx, sc, botPayload(BotEventStarted, 0, ""))
		}
		r, err := s.rules.routeTx(ctx, tx, sc, 0, now)
		if r != nil {
			events = append(events, *r)
		}
		return err
	})
	if err != nil {
		return nil, asDomain(err, "open conversation")
	}
	fresh, err := s.store.SupportConversationByID(ctx, sc.ConversationID)
	if err != nil {
		return nil, errs.Wrap(err, "load conversation")
	}
	s.routing.announce(ctx, events)
	return s.rules.conversationView(ctx, fresh, false)
}

// Conversations lists a visitor's own conversations, open and past, newest
// first, each with its last message.
func (s *Visitors) Conversations(ctx context.Context, visitorID, beforeID int64, limit int) ([]Conversation, int64, error) {
	rows, err := s.store.SupportConversations(ctx, store.SupportFilter{VisitorID: visitorID, BeforeID: beforeID}, limit)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list conversations")
	}
	return s.rules.conversationPage(ctx, rows, limit, false)
}

// checkPrechat validates the pre-chat answers against the site's fields and
// returns them as JSON, plus visitor fields to fill (name, e-mail).
func checkPrechat(site *store.Site, answers map[string]string) (string, store.VisitorUpdate, error) {
	var none store.VisitorUpdate
	fields := prechat(site)
	out := map[string]string{}
	var visitor store.VisitorUpdate
	known := map[string]bool{}
	for _, f := range fields {
		known[f.Name] = true
		v := strings.TrimSpace(answers[f.Name])
		if v == "" && f.Required {
			return "", none, errs.Fieldf("prechat."+f.Name, "%s is required", f.Label)
		}
		if utf8.RuneCountInString(v) > 500 {
			return "", none, errs.Field("prechat."+f.Name, "at most 500 characters")
		}
		if v != "" && f.Type == "email" && (!strings.Contains(v, "@") || strings.ContainsAny(v, " <>")) {
			return "", none, errs.Field("prechat."+f.Name, "a valid e-mail address")
		}
		if v != "" {
			out[f.Name] = v
			switch f.Name {
			case "name":
				visitor.Name = new(clip(v, 100))
			case "email":
				visitor.Email = new(clip(v, 200))
			}
		}
	}
	for k := range answers {
		if !known[k] {
			return "", none, errs.Field("prechat."+k, "this site has no such pre-chat field")
		}
	}
	if len(out) == 0 {
		return "", visitor, nil
	}
	b, _ := json.Marshal(out)
	return string(b), visitor, nil
}

// Rate records the visitor's rating of a resolved conversation, once.
func (s *Visitors) Rate(ctx context.Context, visitorID, conversationID int64, score int, comment string) (*Conversation, error) {
	if score < 1 || score > 5 {
		return nil, errs.Field("score", "1 to 5")
	}
	if utf8.RuneCountInString(comment) > 1000 {
		return nil, errs.Field("comment", "at most 1000 characters")
	}
	sc, err := s.store.SupportConversationByID(ctx, conversationID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && sc.VisitorID != visitorID) {
		return nil, errNoConversation
	}
	if err != nil {
		return nil, errs.Wrap(err, "load conversation")
	}
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		// The update itself checks "resolved and not rated yet", so that of
		// concurrent ratings exactly one is stored; a read first would let
		// several pass.
		rated, err := tx.RateSupportConversation(ctx, conversationID, score, strings.TrimSpace(comment), s.now())
		if err != nil {
			return err
		}
		if !rated {
			now, err := tx.SupportConversationByID(ctx, conversationID)
			if err != nil {
				return err
			}
			if now.Status != StatusResolved {
				return errs.R(errs.Conflict, "not_resolved", "a conversation can be rated once it is resolved")
			}
			return errs.R(errs.Conflict, "already_rated", "this conversation was already rated")
		}
		if err := s.rules.logEvent(ctx, tx, sc, "rated", sc.AssigneeID, int64(score)); err != nil {
			return err
		}
		return s.rules.emitConversation(ctx, tx, sc, "conversation.rated")
	})
	if err != nil {
		return nil, asDomain(err, "rate")
	}
	s.routing.announce(ctx, []routed{{conversationID: conversationID, event: "rated"}})
	sc, _ = s.store.SupportConversationByID(ctx, conversationID)
	return s.rules.conversationView(ctx, sc, false)
}
