// Package support is Parley's customer service: sites that embed the
// widget, their visitors, queues of agents, the routing of support
// conversations to agents, and the agents' actions on them.
//
// It is one service per resource, all built on Rules, the support kind
// of conversation that chat is built with: Sites (sites, settings,
// queues), Routing (who holds which conversation, agent status), Inbox
// (the agents' lists, notes, canned responses, viewers), Visitors (the
// widget's sessions and conversations, the server event API), FollowUps
// (mails to whoever is away) and Reports.
package support

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/jobs"
	"github.com/parley-chat/parley/internal/notify"
	"github.com/parley-chat/parley/internal/store"
)

// Jobs schedules support's delayed work through the transaction that
// decides it.
type Jobs interface {
	EnqueueAssignTimeout(ctx context.Context, tx *store.Store, conversationID, agentID, assignedAtUnixNano int64, delay time.Duration) error
	EnqueueNotifyAgents(ctx context.Context, tx *store.Store, conversationID int64, delay time.Duration) error
	EnqueueNotifyVisitor(ctx context.Context, tx *store.Store, conversationID int64, delay, window time.Duration) error
	EnqueueBotDelivery(ctx context.Context, tx *store.Store, p jobs.BotDeliveryPayload) error
}

// Sessions counts a user's open sessions (on this node; across nodes with
// the Redis broker).
type Sessions func(userID int64) int

// Events tells the host site's webhooks what happened, in the transaction
// of the change.
type Events interface {
	Emit(ctx context.Context, tx *store.Store, siteID int64, event string, data func() (any, error)) error
}

// Config tunes customer service.
type Config struct {
	// AgentGrace keeps an agent who lost every connection routable for a
	// while, so a flaky network or a reload does not bounce chats.
	AgentGrace time.Duration
	// AgentNotifyDelay is how long a visitor's message waits unanswered
	// before the responsible agents are mailed.
	AgentNotifyDelay time.Duration
	// VisitorNotifyDelay is how long an agent's reply waits unseen before
	// the visitor is mailed it (one mail per delay window).
	VisitorNotifyDelay time.Duration
	PublicURL          string
	Secret             string // the deployment secret; visitor tokens are signed with a key derived from it
	// PreviousSecret is the deployment secret before the last rotation:
	// visitor tokens it signed still verify.
	PreviousSecret string
	// SiteSecretGrace is how long a rotated site secret keeps verifying.
	SiteSecretGrace time.Duration
	// WidgetSessionsPerIPPerMinute caps widget sessions started from one
	// address (0: unlimited).
	WidgetSessionsPerIPPerMinute int
	// WidgetSiteReadsPerIPPerMinute caps reads of a site's public widget
	// settings from one address (0: unlimited).
	WidgetSiteReadsPerIPPerMinute int
	// Clock tells the time of assignments, time-outs, hours and reports
	// (the real clock when nil).
	Clock clockwork.Clock
}

// Rules is the kind of support conversations (a chat.Kind): who reads,
// writes and hears them, and what a message changes of their support state
// in its transaction (first-reply stamps, reopening and routing, webhook
// events, follow-up mails). It needs no chat service, so that chat is
// built with it; the services that need chat are built on it after chat.
type Rules struct {
	shared
	views   *chat.Views
	pub     chat.Publisher
	viewers *viewerSet // nil: collision detection is off
	jobs    Jobs
	events  Events
	mailer  notify.Mailer
	// automation hears the events rules react to (nil: none).
	automation Automation
}

var _ chat.Kind = (*Rules)(nil)

// Viewers is where collision detection keeps who views which
// conversation: in Redis, shared by every node, under keys made by Key; a
// dead node's viewers go after TTL. A nil Redis turns it off.
type Viewers struct {
	Redis redis.UniversalClient
	Key   func(parts ...string) string
	TTL   time.Duration
}

// NewRules builds the rules of support conversations. views shows messages
// in webhook events; pub tells agents who views a conversation; events
// (nil: none) tells the host sites' webhooks.
func NewRules(st *store.Store, views *chat.Views, pub chat.Publisher, viewers Viewers, jobs Jobs, events Events, mailer notify.Mailer, cfg Config, log *slog.Logger) *Rules {
	r := &Rules{shared: shared{store: st, cfg: cfg, log: log,
		// Microseconds: PostgreSQL keeps no finer, and assignment stamps
		// are compared after a round trip through the database.
		now:   func() time.Time { return cfg.clock().Now().UTC().Truncate(time.Microsecond) },
		sites: newSiteCache()},
		views: views, pub: pub, jobs: jobs, events: events, mailer: mailer}
	if viewers.Redis != nil {
		r.viewers = newViewerSet(viewers.Redis, viewers.Key, viewers.TTL)
	}
	return r
}

// emitConversation tells the site's webhooks, in tx, about a change of a
// conversation, which it shows as its agents will see it once tx commits.
func (s *Rules) emitConversation(ctx context.Context, tx *store.Store, sc *store.SupportConversation, event string) error {
	if s.events == nil {
		return nil
	}
	return s.events.Emit(ctx, tx, sc.SiteID, event, func() (any, error) {
		// Read as this transaction left it, and only when a webhook wants
		// it (most sites have none).
		now, err := tx.SupportConversationByID(ctx, sc.ConversationID)
		if err != nil {
			return nil, err
		}
		v, err := s.hostView(ctx, tx, now)
		return map[string]any{"conversation": v}, err
	})
}

// emitMessage tells the site's webhooks, in tx, about a new message;
// private notes stay inside Parley.
func (s *Rules) emitMessage(ctx context.Context, tx *store.Store, sc *store.SupportConversation, msg *store.Message) error {
	if s.events == nil || msg.Kind == store.MessageNote {
		return nil
	}
	return s.events.Emit(ctx, tx, sc.SiteID, "message.created", func() (any, error) {
		views, err := s.views.In(tx).Messages(ctx, []store.Message{*msg})
		if err != nil {
			return nil, err
		}
		return map[string]any{"conversation_id": sc.ConversationID, "message": &views[0]}, nil
	})
}

// Published runs after a message was committed and published; support's
// part (webhooks, follow-ups) was written with the message by AfterSend.
func (s *Rules) Published(ctx context.Context, conv *store.Conversation, msg *chat.Message) {}

var errNoConversation = errs.R(errs.NotFound, "conversation_not_found", "no such conversation")

// visitorCanUse lets a visitor into their own support conversations only.
func (s *Rules) visitorCanUse(ctx context.Context, st *store.Store, conv *store.Conversation, visitorID int64) error {
	sc, err := st.SupportConversationByID(ctx, conv.ID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && sc.VisitorID != visitorID) {
		return errNoConversation
	}
	return err
}

// userCanRead lets the staff of the conversation's site read it: enabled
// admins, and enabled agents in one of its queues, as they are now.
func (s *Rules) userCanRead(ctx context.Context, st *store.Store, conv *store.Conversation, userID int64) (bool, error) {
	sc, err := st.SupportConversationByID(ctx, conv.ID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return canActOnSite(ctx, st, sc.SiteID, userID)
}

var errNotAssignee = errs.R(errs.Forbidden, "not_assignee", "only the agent this conversation is assigned to writes to the visitor; claim it first")

// userCanSend lets the site's staff write private notes, and only the
// current assignee among them write to the visitor: whoever the
// conversation was transferred away from, or moved on from after a
// time-out, reads it still and writes no more.
func (s *Rules) userCanSend(ctx context.Context, st *store.Store, conv *store.Conversation, userID int64, kind store.MessageKind) error {
	sc, err := st.SupportConversationByID(ctx, conv.ID)
	if errors.Is(err, store.ErrNotFound) {
		return errNoConversation
	}
	if err != nil {
		return err
	}
	ok, err := canActOnSite(ctx, st, sc.SiteID, userID)
	if err != nil {
		return err
	}
	if !ok {
		return errNoConversation
	}
	if kind == store.MessageNote || (sc.AssigneeID != nil && *sc.AssigneeID == userID) {
		return nil
	}
	return errNotAssignee
}

// AfterSend keeps the support state in step with messages: an agent's
// first reply is stamped, a visitor writing to a resolved chat reopens
// it, and the message's webhook event and follow-up mail are written.
func (s *Rules) AfterSend(ctx context.Context, tx *store.Store, conv *store.Conversation, msg *store.Message) error {
	sc, err := tx.SupportConversationByID(ctx, conv.ID)
	if err != nil {
		return err
	}
	if err := s.emitMessage(ctx, tx, sc, msg); err != nil {
		return err
	}
	if sc.Status == StatusBot {
		// The bot answers: it hears of the visitor's messages, and nobody
		// is mailed about them.
		if msg.SenderKind == store.SenderVisitor && sc.BotID != nil {
			return s.tellBot(ctx, tx, sc, botPayload(BotEventMessage, msg.Seq, ""))
		}
		return nil
	}
	if msg.Kind != store.MessageNote {
		if err := s.scheduleFollowUp(ctx, tx, sc, msg); err != nil {
			return err
		}
		from := map[store.SenderKind]string{store.SenderVisitor: "visitor", store.SenderUser: "agent"}[msg.SenderKind]
		if from != "" {
			if err := s.trigger(ctx, tx, AutomationEvent{Trigger: "message_created", SiteID: sc.SiteID, ConversationID: sc.ConversationID,
				Key: fmt.Sprintf("message:%d", msg.ID), From: from}); err != nil {
				return err
			}
		}
	}
	now := s.now()
	switch {
	case msg.SenderKind == store.SenderUser && msg.Kind != store.MessageNote && sc.FirstResponseAt == nil:
		if err := tx.UpdateSupportConversation(ctx, conv.ID, store.SupportConversationUpdate{FirstResponseAt: store.SetTo(now)}); err != nil {
			return err
		}
		return s.logEvent(ctx, tx, sc, "first_reply", &msg.SenderID, 0)
	case msg.SenderKind == store.SenderVisitor && sc.Status == StatusResolved:
		return s.reopenTx(ctx, tx, sc, now)
	}
	return nil
}

// Audience names who hears an event of a conversation when it is
// published: of userIDs, those who serve its site at this moment, and the
// visitor for every event but private notes.
func (s *Rules) Audience(ctx context.Context, conv *store.Conversation, msg *store.Message, userIDs []int64) []string {
	sc, err := s.store.SupportConversationByID(ctx, conv.ID)
	if err != nil {
		return nil
	}
	staff, err := s.store.SiteStaffAmong(ctx, sc.SiteID, userIDs)
	if err != nil {
		// Nobody is told rather than someone who lost access: clients resync.
		s.log.WarnContext(ctx, "audience unavailable", "conversation_id", conv.ID, "err", err)
		staff = nil
	}
	keys := make([]string, 0, len(staff)+1)
	for _, id := range staff {
		keys = append(keys, chat.UserKey(id))
	}
	if msg == nil || msg.Kind != store.MessageNote {
		keys = append(keys, chat.VisitorKey(sc.VisitorID))
	}
	return keys
}

// logEvent appends to the conversation event log inside tx.
func (s *Rules) logEvent(ctx context.Context, tx *store.Store, sc *store.SupportConversation, typ string, agentID *int64, value int64) error {
	var agent *int64
	if agentID != nil {
		id := *agentID
		agent = &id
	}
	return tx.AddConversationEvent(ctx, &store.ConversationEvent{
		ConversationID: sc.ConversationID, SiteID: sc.SiteID, QueueID: sc.QueueID, AgentID: agent, Type: typ, Value: value, At: s.now(),
	})
}
