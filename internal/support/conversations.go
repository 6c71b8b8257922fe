package support

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// Conversation statuses.
const (
	StatusBot      = "bot" // a bot answers until it hands the conversation to agents
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
	Team          *TeamRef               `json:"team"` // the team it was transferred to (agents only)
	Visitor       *Visitor               `json:"visitor,omitempty"`
	Prechat       map[string]string      `json:"prechat,omitempty"`
	LastSeq       int64                  `json:"last_seq"`
	LastMessage   *chat.Message          `json:"last_message"`
	Rating        *int                   `json:"rating"`
	RatingComment string                 `json:"rating_comment,omitempty"`
	CreatedAt     time.Time              `json:"created_at"`
	AssignedAt    *time.Time             `json:"assigned_at"`
	ResolvedAt    *time.Time             `json:"resolved_at"`
	// Labels and SLA are in the agents' views only.
	Labels *[]LabelRef `json:"labels,omitempty"`
	SLA    *SLA        `json:"sla,omitempty"`
}

// ConversationFrame carries a support conversation's new state.
type ConversationFrame struct {
	Type         string        `json:"type"` // conversation
	Event        string        `json:"event"`
	Conversation *Conversation `json:"conversation"`
}

// conversationPage builds the views of a page of rows (for agents, or for
// the visitor) and its next cursor: the last row's id when the page is full.
func (s *Rules) conversationPage(ctx context.Context, rows []store.SupportConversation, limit int, forAgent bool) ([]Conversation, int64, error) {
	out := make([]Conversation, 0, len(rows))
	for i := range rows {
		v, err := s.conversationView(ctx, &rows[i], forAgent)
		if err != nil {
			return nil, 0, errs.Wrap(err, "list conversations")
		}
		out = append(out, *v)
	}
	var next int64
	if len(rows) == limit {
		next = rows[len(rows)-1].ConversationID
	}
	return out, next, nil
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
	q, err := st.QueueByID(ctx, sc.QueueID)
	if err == nil {
		v.QueueName = q.Name
	}
	if forAgent {
		v.SLA = slaView(sc, q, s.now())
		ls, err := st.ConversationLabels(ctx, sc.ConversationID)
		if err != nil {
			return nil, err
		}
		refs := labelRefs(ls)
		v.Labels = &refs
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
	if forAgent {
		v.Team = teamRef(ctx, st, sc.TeamID)
	}
	if sc.Status == StatusQueued {
		if pos, err := st.QueuePosition(ctx, sc); err == nil {
			v.QueuePosition = &pos
		}
	}
	if vis, err := st.VisitorByID(ctx, sc.VisitorID); err == nil {
		v.Visitor = visitorView(vis)
		if forAgent {
			if v.Visitor, err = s.agentVisitorView(ctx, st, vis); err != nil {
				return nil, err
			}
		}
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
