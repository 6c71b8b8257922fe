package social

import (
	"context"
	"errors"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

var (
	errNotFriends   = errs.R(errs.Rule, "not_friends", "you can only message your friends: send a friend request first")
	errBlockedSend  = errs.R(errs.Rule, "blocked", "you can't send messages to this user")
	errBlockedOpen  = errs.R(errs.Rule, "blocked", "you can't start a conversation with this user")
	errBlockedAsk   = errs.R(errs.Forbidden, "blocked", "you can't send a friend request to this user")
	errUserNotFound = errs.R(errs.NotFound, "user_not_found", "no such user")
)

// checkDirectSend refuses a direct message between people who are not
// friends (422 not_friends) or when either blocked the other (422 blocked).
func checkDirectSend(ctx context.Context, tx *store.Store, conv *store.Conversation, userID int64) error {
	members, err := tx.MembersOf(ctx, conv.ID)
	if err != nil {
		return err
	}
	if p := peer(members, userID); p != 0 {
		return checkDirect(ctx, tx, userID, p, errBlockedSend)
	}
	return nil
}

func checkDirect(ctx context.Context, tx *store.Store, userID, peerID int64, blockedErr error) error {
	blocked, err := tx.Blocked(ctx, userID, peerID)
	if err != nil {
		return err
	}
	friends := true
	if !blocked {
		if _, err := tx.Friendship(ctx, userID, peerID); errors.Is(err, store.ErrNotFound) {
			friends = false
		} else if err != nil {
			return err
		}
	}
	return directVerdict(blocked, friends, blockedErr)
}

// directVerdict is the rule of direct chats: no block either way, and
// friends.
func directVerdict(blocked, friends bool, blockedErr error) error {
	if blocked {
		return blockedErr
	}
	if !friends {
		return errNotFriends
	}
	return nil
}

// peer returns the other member of a direct conversation (0 when the
// sender is alone in it).
func peer(members []store.Member, userID int64) int64 {
	for _, m := range members {
		if m.UserID != userID {
			return m.UserID
		}
	}
	return 0
}
