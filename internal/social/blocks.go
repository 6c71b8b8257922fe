package social

import (
	"context"
	"errors"

	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// Block stops targetID from sending the caller friend requests and direct
// messages and from seeing the caller's presence; pending requests between
// them, either way, are deleted. A friendship stays (delete it apart).
// Blocking twice is not an error.
func (s *Service) Block(ctx context.Context, userID, targetID int64) error {
	if err := s.checkBlockTarget(ctx, userID, targetID); err != nil {
		return err
	}
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.LockUsers(ctx, userID, targetID); err != nil {
			return err
		}
		if err := tx.CreateBlock(ctx, &store.Block{UserID: userID, BlockedID: targetID, CreatedAt: s.now()}); err != nil {
			return err
		}
		return tx.DeletePendingFriendRequests(ctx, userID, targetID)
	})
	if err != nil {
		return asDomain(err, "block user")
	}
	// From now on each shows as offline to the other, at once.
	s.chat.PublishTo(ctx, []int64{targetID}, PresenceFrame{Type: "presence", UserID: userID, Status: StatusOffline})
	s.chat.PublishTo(ctx, []int64{userID}, PresenceFrame{Type: "presence", UserID: targetID, Status: StatusOffline})
	return nil
}

// Unblock lifts the caller's block of targetID, if there is one.
func (s *Service) Unblock(ctx context.Context, userID, targetID int64) error {
	if err := s.checkBlockTarget(ctx, userID, targetID); err != nil {
		return err
	}
	if err := s.store.DeleteBlock(ctx, userID, targetID); err != nil {
		return errs.Wrap(err, "unblock user")
	}
	return nil
}

func (s *Service) checkBlockTarget(ctx context.Context, userID, targetID int64) error {
	if targetID == userID {
		return errs.Field("user_id", "you cannot block yourself")
	}
	if _, err := s.store.UserByID(ctx, targetID); errors.Is(err, store.ErrNotFound) {
		return errUserNotFound
	} else if err != nil {
		return errs.Wrap(err, "load user")
	}
	return nil
}

// Blocks returns the users the caller blocked, most recent first.
func (s *Service) Blocks(ctx context.Context, userID int64) ([]auth.PublicUser, error) {
	us, err := s.store.BlockedUsers(ctx, userID)
	if err != nil {
		return nil, errs.Wrap(err, "list blocks")
	}
	out := make([]auth.PublicUser, 0, len(us))
	for i := range us {
		out = append(out, auth.PublicView(&us[i]))
	}
	return out, nil
}
