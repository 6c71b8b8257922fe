package support

import (
	"context"
	"errors"
	"slices"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// MaxSearchRunes bounds the inbox search text.
const MaxSearchRunes = 200

// Inbox is the agents' side of support conversations: their lists, the
// visitors' histories, private notes, canned responses, and who views
// which conversation (collision detection).
type Inbox struct {
	shared
	rules   *Rules
	chat    *chat.Service
	viewers *viewerSet // the rules' (nil: collision detection is off)
}

// NewInbox builds the inbox on the rules chat was built with.
func NewInbox(rules *Rules, ch *chat.Service) *Inbox {
	return &Inbox{shared: rules.shared, rules: rules, chat: ch, viewers: rules.viewers}
}

// InboxQuery is what an agent asks of their inbox: a view (mine, queued or
// all), optional filters, a search text and a page.
type InboxQuery struct {
	View     string
	Status   string
	QueueID  int64
	SiteID   int64
	LabelID  int64
	TeamID   int64 // the team view's team
	Search   string
	BeforeID int64
	Limit    int
}

// List lists support conversations for an agent: mine (assigned to me),
// queued (waiting in my queues) or all (my sites'), narrowed by status,
// queue, site, label and a search over messages (notes included) and the
// visitor's name, e-mail and external id. Filtering on a site or queue the
// agent does not serve is 403; an unknown one 404.
func (s *Inbox) List(ctx context.Context, actor auth.Identity, in InboxQuery) ([]Conversation, int64, error) {
	f := store.SupportFilter{BeforeID: in.BeforeID, Status: in.Status, QueueID: in.QueueID, SiteID: in.SiteID}
	if utf8.RuneCountInString(in.Search) > MaxSearchRunes {
		return nil, 0, errs.Field("q", "at most 200 characters")
	}
	if !utf8.ValidString(in.Search) {
		return nil, 0, errs.Field("q", "must be valid UTF-8 text")
	}
	f.Search = in.Search
	if in.LabelID > 0 {
		if _, err := s.store.LabelByID(ctx, in.LabelID); errors.Is(err, store.ErrNotFound) {
			return nil, 0, errNoLabel
		} else if err != nil {
			return nil, 0, errs.Wrap(err, "load label")
		}
		f.LabelID = in.LabelID
	}
	if err := s.checkInboxScope(ctx, actor, in.SiteID, in.QueueID); err != nil {
		return nil, 0, err
	}
	served, err := s.servedSites(ctx, actor.ID)
	if err != nil {
		return nil, 0, err
	}
	switch in.View {
	case "", "mine":
		f.AssigneeID = &actor.ID
		// Chats still assigned to someone who no longer serves their site
		// are not theirs to see.
		f.SiteIDs = served
		if in.Status == "" {
			f.Status = StatusAssigned
		}
	case "queued":
		queues, err := s.store.AgentQueues(ctx, actor.ID)
		if err != nil {
			return nil, 0, errs.Wrap(err, "load queues")
		}
		f.QueueIDs = []int64{}
		for _, q := range queues {
			if served == nil || slices.Contains(served, q.SiteID) {
				f.QueueIDs = append(f.QueueIDs, q.ID)
			}
		}
		if f.WaitingTeamIDs, err = s.store.UserTeamIDs(ctx, actor.ID); err != nil {
			return nil, 0, errs.Wrap(err, "load teams")
		}
		if f.WaitingTeamIDs == nil {
			f.WaitingTeamIDs = []int64{}
		}
		if in.Status != "" && in.Status != StatusQueued {
			return []Conversation{}, 0, nil // the queued view holds queued conversations only
		}
		f.Status = StatusQueued
	case "all":
		f.SiteIDs = served
	case "team":
		if err := s.checkTeamView(ctx, actor, in.TeamID); err != nil {
			return nil, 0, err
		}
		f.TeamID, f.SiteIDs = in.TeamID, served
	default:
		return nil, 0, errs.Field("view", "mine, queued, all or team")
	}
	if f.Status != "" && f.Status != StatusBot && f.Status != StatusQueued && f.Status != StatusAssigned && f.Status != StatusResolved {
		return nil, 0, errs.Field("status", "bot, queued, assigned or resolved")
	}
	rows, err := s.store.SupportConversations(ctx, f, in.Limit)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list conversations")
	}
	return s.views(ctx, rows, in.Limit)
}

// servedSites returns the sites a user serves now: nil (every site) for an
// enabled admin, the sites of their queues for an enabled agent, and none
// for anyone else, whatever queue rows are left from before a demotion.
func (s *Inbox) servedSites(ctx context.Context, userID int64) ([]int64, error) {
	u, err := s.store.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return []int64{}, nil
	}
	if err != nil {
		return nil, errs.Wrap(err, "load user")
	}
	switch {
	case u.DisabledAt != nil:
		return []int64{}, nil
	case u.Role == auth.RoleAdmin:
		return nil, nil
	case u.Role != auth.RoleAgent:
		return []int64{}, nil
	}
	queues, err := s.store.AgentQueues(ctx, userID)
	if err != nil {
		return nil, errs.Wrap(err, "load queues")
	}
	sites := []int64{}
	for _, q := range queues {
		if !slices.Contains(sites, q.SiteID) {
			sites = append(sites, q.SiteID)
		}
	}
	return sites, nil
}

// checkInboxScope refuses filters on a site or queue the agent does not serve.
func (s *Inbox) checkInboxScope(ctx context.Context, actor auth.Identity, siteID, queueID int64) error {
	if queueID > 0 {
		q, err := s.store.QueueByID(ctx, queueID)
		if errors.Is(err, store.ErrNotFound) {
			return errs.R(errs.NotFound, "queue_not_found", "no such queue")
		}
		if err != nil {
			return errs.Wrap(err, "load queue")
		}
		if siteID > 0 && q.SiteID != siteID {
			return errs.Field("queue_id", "this queue belongs to another site")
		}
		siteID = q.SiteID
	}
	if siteID == 0 {
		return nil
	}
	if _, err := s.store.SiteByID(ctx, siteID); errors.Is(err, store.ErrNotFound) {
		return errs.R(errs.NotFound, "site_not_found", "no such site")
	} else if err != nil {
		return errs.Wrap(err, "load site")
	}
	ok, err := canActOnSite(ctx, s.store, siteID, actor.ID)
	if err != nil {
		return errs.Wrap(err, "check site")
	}
	if !ok {
		return errs.R(errs.Forbidden, "forbidden", "you are not an agent of this site")
	}
	return nil
}

// VisitorConversations lists a visitor's conversations, newest first, for
// the agents of the visitor's site: 404 for an unknown visitor, 403 for
// anyone else.
func (s *Inbox) VisitorConversations(ctx context.Context, actor auth.Identity, visitorID, beforeID int64, limit int) ([]Conversation, int64, error) {
	v, err := s.store.VisitorByID(ctx, visitorID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, errs.R(errs.NotFound, "visitor_not_found", "no such visitor")
	}
	if err != nil {
		return nil, 0, errs.Wrap(err, "load visitor")
	}
	ok, err := canActOnSite(ctx, s.store, v.SiteID, actor.ID)
	if err != nil {
		return nil, 0, errs.Wrap(err, "check site")
	}
	if !ok {
		return nil, 0, errs.R(errs.Forbidden, "forbidden", "you are not an agent of this visitor's site")
	}
	rows, err := s.store.SupportConversations(ctx, store.SupportFilter{VisitorID: visitorID, BeforeID: beforeID}, limit)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list conversations")
	}
	return s.views(ctx, rows, limit)
}

// views builds the agents' views of a page of rows and its next cursor.
func (s *Inbox) views(ctx context.Context, rows []store.SupportConversation, limit int) ([]Conversation, int64, error) {
	return s.rules.conversationPage(ctx, rows, limit, true)
}

// Note adds a private note: agents see it, the visitor never does.
func (s *Inbox) Note(ctx context.Context, actor auth.Identity, conversationID int64, clientMsgID, body string) (*chat.Message, error) {
	if _, err := supportFor(ctx, s.store, actor, conversationID); err != nil {
		return nil, err
	}
	// Notes come from agents of the site, assigned or not.
	if err := s.store.EnsureMember(ctx, &store.Member{ConversationID: conversationID, UserID: actor.ID, Role: "agent", JoinedAt: s.now()}); err != nil {
		return nil, errs.Wrap(err, "join conversation")
	}
	return s.chat.Send(ctx, actor.ID, chat.SendInput{ConversationID: conversationID, ClientMsgID: clientMsgID, Kind: store.MessageNote, Body: body})
}
