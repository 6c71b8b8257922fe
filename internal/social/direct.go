package social

import (
	"context"
	"errors"
	"fmt"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// OpenDirect returns the direct conversation between userID and peerID,
// creating it on first use; created tells which. A new one needs a
// friendship and no block either way (422 not_friends, blocked); an
// existing one always opens, so that history stays readable.
func (s *Service) OpenDirect(ctx context.Context, userID, peerID int64) (*chat.Conversation, bool, error) {
	if peerID == userID {
		return nil, false, errs.Field("user_id", "you cannot open a conversation with yourself")
	}
	if _, err := s.store.UserByID(ctx, peerID); errors.Is(err, store.ErrNotFound) {
		return nil, false, errUserNotFound
	} else if err != nil {
		return nil, false, errs.Wrap(err, "load peer")
	}
	key := directKey(userID, peerID)
	var (
		conv    *store.Conversation
		created bool
	)
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		c, err := tx.ConversationByDirectKey(ctx, key)
		if err == nil {
			conv = c
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := checkDirect(ctx, tx, userID, peerID, errBlockedOpen); err != nil {
			return err
		}
		now := s.now()
		c = &store.Conversation{Kind: store.KindDirect, DirectKey: &key, LastMessageAt: &now, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateConversation(ctx, c); err != nil {
			return err
		}
		for _, uid := range []int64{userID, peerID} {
			if err := tx.AddMember(ctx, &store.Member{ConversationID: c.ID, UserID: uid, Role: "member", JoinedAt: now}); err != nil {
				return err
			}
		}
		conv, created = c, true
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		// Both people opened it at the same moment: the other insert won.
		conv, err = s.store.ConversationByDirectKey(ctx, key)
		created = false
	}
	if err != nil {
		if _, ok := errs.As(err); ok {
			return nil, false, err
		}
		return nil, false, errs.Wrap(err, "open direct conversation")
	}
	view, err := s.chat.ConversationView(ctx, userID, conv)
	if err != nil {
		return nil, false, errs.Wrap(err, "load conversation")
	}
	if created {
		if peerView, err := s.chat.ConversationView(ctx, peerID, conv); err == nil {
			s.chat.PublishTo(ctx, []int64{peerID}, chat.ConversationFrame{Type: "conversation", Conversation: peerView})
		}
	}
	return view, created, nil
}

func directKey(a, b int64) string {
	if a > b {
		a, b = b, a
	}
	return fmt.Sprintf("d:%d:%d", a, b)
}
