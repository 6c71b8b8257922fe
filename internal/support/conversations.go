package support

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// Conversation statuses.
const (
	StatusQueued   = "queued"
	StatusAssigned = "assigned"
	StatusResolved = "resolved"
)

// Agent is who a conversation is assigned to.
type Agent struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Conversation is a support conversation as agents and its visitor see it.
type Conversation struct {
	ID            int64                  `json:"id"`
	Kind          store.ConversationKind `json:"kind"` // support
	Title         string                 `json:"title"`
	Status        string                 `json:"status"`
	SiteID        int64                  `json:"site_id"`
	QueueID       int64                  `json:"queue_id"`
	QueueName     string                 `json:"queue_name"`
	QueuePosition *int                   `json:"queue_position,omitempty"`
	Assignee      *Agent                 `json:"assignee"`
	Visitor       *Visitor               `json:"visitor,omitempty"`
	Prechat       map[string]string      `json:"prechat,omitempty"`
	LastSeq       int64                  `json:"last_seq"`
	LastMessage   *chat.Message          `json:"last_message"`
	Rating        *int                   `json:"rating"`
	RatingComment string                 `json:"rating_comment,omitempty"`
	CreatedAt     time.Time              `json:"created_at"`
	AssignedAt    *time.Time             `json:"assigned_at"`
	ResolvedAt    *time.Time             `json:"resolved_at"`
}

// ConversationFrame carries a support conversation's new state.
type ConversationFrame struct {
	Type         string        `json:"type"` // conversation
	Event        string        `json:"event"`
	Conversation *Conversation `json:"conversation"`
}

// conversationView builds the view; forAgent adds the visitor's details
// and private notes.
func (s *Rules) conversationView(ctx context.Context, sc *store.SupportConversation, forAgent bool) (*Conversation, error) {
	return s.view(ctx, s.store, sc, forAgent, !forAgent)
}

// hostView is what the host site's webhooks are told, read through st (the
// event's transaction): the visitor's details, which the site knows
// anyway, but never a private note.
func (s *Rules) hostView(ctx context.Context, st *store.Store, sc *store.SupportConversation) (*Conversation, error) {
	return s.view(ctx, st, sc, true, true)
}

func (s *Rules) view(ctx context.Context, st *store.Store, sc *store.SupportConversation, forAgent, hideNotes bool) (*Conversation, error) {
	conv, err := st.ConversationByID(ctx, sc.ConversationID)
	if err != nil {
		return nil, err
	}
	v := &Conversation{
		ID: sc.ConversationID, Kind: store.KindSupport, Status: sc.Status, SiteID: sc.SiteID, QueueID: sc.QueueID,
		LastSeq: conv.LastSeq, Rating: sc.Rating, RatingComment: sc.RatingComment, CreatedAt: sc.CreatedAt,
		AssignedAt: sc.AssignedAt, ResolvedAt: sc.ResolvedAt,
	}
	if q, err := st.QueueByID(ctx, sc.QueueID); err == nil {
		v.QueueName = q.Name
	}
	if sc.AssigneeID != nil {
		if u, err := st.UserByID(ctx, *sc.AssigneeID); err == nil {
			name := u.Nickname
			if name == "" {
				name = u.Username
			}
			v.Assignee = &Agent{ID: u.ID, Name: name}
		}
	}
	if sc.Status == StatusQueued {
		if pos, err := st.QueuePosition(ctx, sc); err == nil {
			v.QueuePosition = &pos
		}
	}
	if vis, err := st.VisitorByID(ctx, sc.VisitorID); err == nil {
		v.Visitor = visitorView(vis)
		v.Title = vis.Name
		if v.Title == "" {
			v.Title = fmt.Sprintf("Visitor #%d", vis.ID)
		}
		if !forAgent {
			v.Visitor = nil
		}
	}
	if sc.Prechat != "" && forAgent {
		_ = json.Unmarshal([]byte(sc.Prechat), &v.Prechat)
	}
	if conv.LastSeq > 0 {
		if ms, err := st.MessagesBefore(ctx, conv.ID, 0, 1, hideNotes); err == nil && len(ms) == 1 {
			if page, err := s.views.In(st).Messages(ctx, ms); err == nil {
				v.LastMessage = &page[0]
			}
		}
	}
	return v, nil
}

// OpenInput is the widget's request to start a conversation.
type OpenInput struct {
	QueueID *int64            `json:"queue_id"`
	Prechat map[string]string `json:"prechat"`
}

// Open starts a support conversation for a visitor (or returns the one
// still open) and routes it at once.
func (s *Service) Open(ctx context.Context, visitorID int64, in OpenInput) (*Conversation, error) {
	v, err := s.store.VisitorByID(ctx, visitorID)
	if err != nil {
		return nil, errs.R(errs.Unauthorized, "invalid_visitor_token", "unknown visitor")
	}
	if sc, err := s.store.LatestSupportConversation(ctx, visitorID); err == nil && sc.Status != StatusResolved {
		return s.conversationView(ctx, sc, false)
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
		// Lock the queue before anything references it: the foreign key of
		// the insert below would otherwise take a share lock first, and two
		// visitors upgrading theirs would deadlock.
		if err := tx.LockQueue(ctx, queue.ID); err != nil {
			return err
		}
		now := s.now()
		conv := &store.Conversation{Kind: store.KindSupport, LastMessageAt: &now, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateConversation(ctx, conv); err != nil {
			return err
		}
		sc = &store.SupportConversation{ConversationID: conv.ID, SiteID: site.ID, QueueID: queue.ID, VisitorID: visitorID,
			Status: StatusQueued, Prechat: prechatJSON, QueuedAt: &now, CreatedAt: now}
		if err := tx.CreateSupportConversation(ctx, sc); err != nil {
			return err
		}
		if err := s.logEvent(ctx, tx, sc, "created", nil, 0); err != nil {
			return err
		}
		if fields != (store.VisitorUpdate{}) {
			if err := tx.UpdateVisitor(ctx, visitorID, fields); err != nil {
				return err
			}
		}
		// Created goes to the webhooks before the assignment routing makes.
		if err := s.emitConversation(ctx, tx, sc.ConversationID, "conversation.created"); err != nil {
			return err
		}
		r, err := s.routeTx(ctx, tx, sc, 0, now)
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
	return s.conversationView(ctx, fresh, false)
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
			return "", none, errs.Field("prechat."+f.Name, f.Label+" is required")
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

// Note adds a private note: agents see it, the visitor never does.
func (s *Service) Note(ctx context.Context, actor auth.Identity, conversationID int64, clientMsgID, body string) (*chat.Message, error) {
	if _, err := supportFor(ctx, s.store, actor, conversationID); err != nil {
		return nil, err
	}
	if _, err := s.store.Member(ctx, conversationID, actor.ID); err != nil {
		// Notes come from agents of the site, assigned or not.
		if err := s.store.AddMember(ctx, &store.Member{ConversationID: conversationID, UserID: actor.ID, Role: "agent", JoinedAt: s.now()}); err != nil && !errors.Is(err, store.ErrConflict) {
			return nil, errs.Wrap(err, "join conversation")
		}
	}
	return s.chat.Send(ctx, actor.ID, chat.SendInput{ConversationID: conversationID, ClientMsgID: clientMsgID, Kind: store.MessageNote, Body: body})
}

// Rate records the visitor's rating of a resolved conversation, once.
func (s *Service) Rate(ctx context.Context, visitorID, conversationID int64, score int, comment string) (*Conversation, error) {
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
		if err := s.logEvent(ctx, tx, sc, "rated", sc.AssigneeID, int64(score)); err != nil {
			return err
		}
		return s.emitConversation(ctx, tx, conversationID, "conversation.rated")
	})
	if err != nil {
		return nil, asDomain(err, "rate")
	}
	s.routing.announce(ctx, []routed{{conversationID: conversationID, event: "rated"}})
	sc, _ = s.store.SupportConversationByID(ctx, conversationID)
	return s.conversationView(ctx, sc, false)
}
