package social

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// MaxRemarkRunes bounds the private name a user gives a friend.
const MaxRemarkRunes = 64

// Friend is one entry of the caller's friends list.
type Friend struct {
	User       auth.PublicUser `json:"user"`
	Remark     string          `json:"remark"`
	CategoryID *int64          `json:"category_id"`
	Presence   Presence        `json:"presence"`
	Since      time.Time       `json:"since"`
}

// FriendPatch changes the caller's side of a friendship. CategorySet with
// a nil CategoryID takes the friend out of any category.
type FriendPatch struct {
	Remark      *string
	CategorySet bool
	CategoryID  *int64
}

var (
	errNoFriend   = errs.R(errs.NotFound, "friend_not_found", "this user is not your friend")
	errNoCategory = errs.R(errs.NotFound, "category_not_found", "no such category")
)

// Friends returns a page of the caller's friends sorted by nickname, with
// their presence, and the cursor of the next page ("" at the end).
func (s *Service) Friends(ctx context.Context, userID int64, cursor string, limit int) ([]Friend, string, error) {
	var after *store.FriendCursor
	if cursor != "" {
		c, err := decodeFriendCursor(cursor)
		if err != nil {
			return nil, "", errs.Field("cursor", "not a cursor this server gave out")
		}
		after = c
	}
	rows, err := s.store.FriendsPage(ctx, userID, after, limit)
	if err != nil {
		return nil, "", errs.Wrap(err, "list friends")
	}
	items := s.friendViews(ctx, userID, rows)
	next := ""
	if len(rows) == limit {
		last := rows[len(rows)-1]
		next = encodeFriendCursor(store.FriendCursor{SortKey: last.SortKey, FriendID: last.FriendID})
	}
	return items, next, nil
}

// friendViews converts list rows, with the presence the viewer may see.
func (s *Service) friendViews(ctx context.Context, userID int64, rows []store.FriendRow) []Friend {
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.FriendID)
	}
	presence := s.VisiblePresence(ctx, userID, ids)
	out := make([]Friend, 0, len(rows))
	for _, r := range rows {
		p, ok := presence[r.FriendID]
		if !ok {
			p = Presence{Status: StatusOffline}
		}
		out = append(out, Friend{
			User:   auth.PublicUser{ID: r.FriendID, Username: r.Username, Nickname: r.Nickname, AvatarURL: r.AvatarURL},
			Remark: r.Remark, CategoryID: r.CategoryID, Presence: p, Since: r.CreatedAt,
		})
	}
	return out
}

type friendCursor struct {
	K  string `json:"k"`
	ID int64  `json:"id"`
}

func encodeFriendCursor(c store.FriendCursor) string {
	b, _ := json.Marshal(friendCursor{K: c.SortKey, ID: c.FriendID})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeFriendCursor(s string) (*store.FriendCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	var c friendCursor
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	if c.ID <= 0 {
		return nil, errors.New("bad cursor")
	}
	return &store.FriendCursor{SortKey: c.K, FriendID: c.ID}, nil
}

// UpdateFriend sets the caller's remark for a friend and the category they
// are filed under (one of the caller's own). Errors: 404 friend_not_found,
// 404 category_not_found, 400 for a remark over 64 characters.
func (s *Service) UpdateFriend(ctx context.Context, userID, friendID int64, p FriendPatch) (*Friend, error) {
	var u store.FriendshipUpdate
	if p.Remark != nil {
		r := strings.TrimSpace(*p.Remark)
		if !utf8.ValidString(r) || utf8.RuneCountInString(r) > MaxRemarkRunes {
			return nil, errs.Field("remark", "at most 64 characters")
		}
		u.Remark = &r
	}
	if p.CategorySet {
		u.CategoryID = store.Null[int64]{Set: true, Value: p.CategoryID}
	}
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.LockUsers(ctx, userID); err != nil {
			return err
		}
		if _, err := tx.Friendship(ctx, userID, friendID); errors.Is(err, store.ErrNotFound) {
			return errNoFriend
		} else if err != nil {
			return err
		}
		if p.CategorySet && p.CategoryID != nil {
			c, err := tx.FriendCategoryByID(ctx, *p.CategoryID)
			if errors.Is(err, store.ErrNotFound) || (err == nil && c.UserID != userID) {
				return errNoCategory
			} else if err != nil {
				return err
			}
		}
		if u == (store.FriendshipUpdate{}) {
			return nil
		}
		return tx.UpdateFriendship(ctx, userID, friendID, u)
	})
	if err != nil {
		return nil, asDomain(err, "update friend")
	}
	return s.friend(ctx, userID, friendID)
}

// friend returns one entry of the caller's list.
func (s *Service) friend(ctx context.Context, userID, friendID int64) (*Friend, error) {
	row, err := s.store.FriendRow(ctx, userID, friendID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoFriend
	}
	if err != nil {
		return nil, errs.Wrap(err, "load friend")
	}
	views := s.friendViews(ctx, userID, []store.FriendRow{*row})
	return &views[0], nil
}

// DeleteFriend ends a friendship on both sides. The direct conversation
// and its history stay; sending in it is refused until they are friends
// again.
func (s *Service) DeleteFriend(ctx context.Context, userID, friendID int64) error {
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.LockUsers(ctx, userID, friendID); err != nil {
			return err
		}
		removed, err := tx.DeleteFriendship(ctx, userID, friendID)
		if err != nil {
			return err
		}
		if !removed {
			return errNoFriend
		}
		return nil
	})
	if err != nil {
		return asDomain(err, "delete friend")
	}
	users, err := s.store.UsersByIDs(ctx, []int64{userID, friendID})
	if err != nil || users[userID] == nil || users[friendID] == nil {
		return nil
	}
	s.chat.PublishTo(ctx, []int64{userID}, FriendFrame{Type: "friend", Event: "removed", User: auth.PublicView(users[friendID])})
	s.chat.PublishTo(ctx, []int64{friendID}, FriendFrame{Type: "friend", Event: "removed", User: auth.PublicView(users[userID])})
	return nil
}
