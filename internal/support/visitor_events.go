package support

import (
	"context"
	"errors"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// visitorConversation loads a visitor's own support conversation.
func (s *Service) visitorConversation(ctx context.Context, visitorID, conversationID int64) (*store.SupportConversation, error) {
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
func (s *Service) memberIDs(ctx context.Context, sc *store.SupportConversation) []int64 {
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
func (s *Service) VisitorRead(ctx context.Context, visitorID, conversationID, seq int64) error {
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
