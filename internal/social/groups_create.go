package social

import (
	"context"
	"errors"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// checkFirstMembers validates the members a creator picks for a new group:
// other users, each once, leaving room for the creator within the cap.
// Whether they are friends is checked in the transaction.
func (s *Service) checkFirstMembers(creatorID int64, ids []int64) ([]int64, error) {
	if len(ids) > s.cfg.GroupMemberCap-1 {
		return nil, errs.Fieldf("member_ids", "at most %d members besides you", s.cfg.GroupMemberCap-1)
	}
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		switch {
		case id <= 0:
			return nil, errs.Field("member_ids", "user ids are positive numbers")
		case id == creatorID:
			return nil, errs.Field("member_ids", "you are in the group already: list only the others")
		case seen[id]:
			return nil, errs.Fieldf("member_ids", "user %d is listed twice", id)
		}
		seen[id] = true
		out = append(out, id)
	}
	return out, nil
}

// addFirstMembersTx adds the picked friends to a group being created and
// posts who was added; nil when nobody was picked. Anyone who is not the
// creator's friend, or is blocked either way, refuses the whole creation
// with the same answer, so that it reveals nothing about strangers.
func (s *Service) addFirstMembersTx(ctx context.Context, tx *store.Store, conversationID, creatorID int64, ids []int64) (*store.Message, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	added := make([]chat.EventUser, 0, len(ids))
	for _, id := range ids {
		if err := checkDirect(ctx, tx, creatorID, id, errBlockedOpen); err != nil {
			if _, ok := errs.As(err); !ok && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			return nil, errs.Fieldf("member_ids", "user %d is not one of your friends", id)
		}
		if err := tx.AddMember(ctx, &store.Member{ConversationID: conversationID, UserID: id, Role: RoleMember, JoinedAt: s.now()}); err != nil {
			return nil, err
		}
		added = append(added, *s.who(ctx, tx, id))
	}
	return s.chat.PostSystemTx(ctx, tx, conversationID, chat.Event{Type: chat.EventMembersAdded, Actor: s.who(ctx, tx, creatorID), Targets: added})
}
