package social

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/i18n"
	"github.com/parley-chat/parley/internal/store"
)

// Friend request statuses.
const (
	RequestPending  = "pending"
	RequestAccepted = "accepted"
	RequestRejected = "rejected"
	RequestCanceled = "canceled"
)

// MaxRequestMessageRunes bounds the note sent with a friend request.
const MaxRequestMessageRunes = 200

// FriendRequest is a friend request as both sides see it.
type FriendRequest struct {
	ID        int64           `json:"id"`
	From      auth.PublicUser `json:"from"`
	To        auth.PublicUser `json:"to"`
	Message   string          `json:"message"`
	Status    string          `json:"status"`
	CreatedAt time.Time       `json:"created_at"`
}

// FriendRequestFrame tells the recipient about a new request, or that the
// sender took it back.
type FriendRequestFrame struct {
	Type    string         `json:"type"` // friend_request
	Request *FriendRequest `json:"request"`
}

// FriendFrame tells a user that a friendship began ("added") or ended
// ("removed"); User is the other person.
type FriendFrame struct {
	Type     string          `json:"type"`  // friend
	Event    string          `json:"event"` // added | removed
	User     auth.PublicUser `json:"user"`
	Presence *Presence       `json:"presence,omitempty"`
}

// NewFriendRequest names whom to ask: by user id or by username.
type NewFriendRequest struct {
	UserID   int64
	Username string
	Message  string
}

var (
	errNoRequest         = errs.R(errs.NotFound, "request_not_found", "no such friend request")
	errRequestNotPending = errs.R(errs.Conflict, "request_not_pending", "this friend request was already answered or withdrawn")
)

// SendFriendRequest asks another user to be friends. When they already
// asked the caller, their request is accepted instead, and accepted is
// true. Errors: 404 user_not_found, 409 cannot_befriend_self,
// already_friends or request_exists, 403 blocked, 429 rate_limited.
func (s *Service) SendFriendRequest(ctx context.Context, userID int64, in NewFriendRequest) (req *FriendRequest, accepted bool, err error) {
	msg := strings.TrimSpace(in.Message)
	if !utf8.ValidString(msg) || utf8.RuneCountInString(msg) > MaxRequestMessageRunes {
		return nil, false, errs.Field("message", "at most 200 characters")
	}
	if err := s.limiter.Hit(ctx, fmt.Sprintf("friend_request:user:%d", userID), s.cfg.FriendRequestsPerHour, time.Hour, i18n.N("sending friend requests")); err != nil {
		return nil, false, err
	}
	target, err := s.resolveTarget(ctx, userID, in)
	if err != nil {
		return nil, false, err
	}
	var row *store.FriendRequest
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.LockUsers(ctx, userID, target.ID); err != nil {
			return err
		}
		if blocked, err := tx.Blocked(ctx, userID, target.ID); err != nil {
			return err
		} else if blocked {
			return errBlockedAsk
		}
		if _, err := tx.Friendship(ctx, userID, target.ID); err == nil {
			return errs.R(errs.Conflict, "already_friends", "you are already friends")
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if theirs, err := tx.PendingFriendRequest(ctx, target.ID, userID); err == nil {
			row, accepted = theirs, true
			return s.acceptTx(ctx, tx, theirs)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if _, err := tx.PendingFriendRequest(ctx, userID, target.ID); err == nil {
			return errs.R(errs.Conflict, "request_exists", "you already asked this user; wait for their answer")
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		row = &store.FriendRequest{FromID: userID, ToID: target.ID, Message: msg, Status: RequestPending, CreatedAt: s.now()}
		if err := tx.CreateFriendRequest(ctx, row); errors.Is(err, store.ErrConflict) {
			return errs.R(errs.Conflict, "request_exists", "you already asked this user; wait for their answer")
		} else if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, false, asDomain(err, "send friend request")
	}
	views, err := s.requestViews(ctx, []store.FriendRequest{*row})
	if err != nil {
		return nil, false, errs.Wrap(err, "load friend request")
	}
	if accepted {
		s.publishFriendAdded(ctx, row.FromID, row.ToID)
	} else {
		s.chat.PublishTo(ctx, []int64{target.ID}, FriendRequestFrame{Type: "friend_request", Request: &views[0]})
	}
	return &views[0], accepted, nil
}

// resolveTarget finds the user a request is for.
func (s *Service) resolveTarget(ctx context.Context, userID int64, in NewFriendRequest) (*store.User, error) {
	var (
		u   *store.User
		err error
	)
	switch {
	case in.UserID < 0:
		return nil, errs.Field("user_id", "must be a user id")
	case in.UserID > 0:
		if in.UserID == userID {
			return nil, errCannotBefriendSelf
		}
		u, err = s.store.UserByID(ctx, in.UserID)
	case strings.TrimSpace(in.Username) != "":
		u, err = s.store.UserByUsername(ctx, in.Username)
	default:
		return nil, errs.Field("username", "give username or user_id")
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUserNotFound
	}
	if err != nil {
		return nil, errs.Wrap(err, "load user")
	}
	if u.ID == userID {
		return nil, errCannotBefriendSelf
	}
	return u, nil
}

var errCannotBefriendSelf = errs.R(errs.Conflict, "cannot_befriend_self", "you cannot send a friend request to yourself")

// acceptTx marks a pending request accepted and creates the friendship,
// both ways, inside tx.
func (s *Service) acceptTx(ctx context.Context, tx *store.Store, r *store.FriendRequest) error {
	now := s.now()
	ok, err := tx.DecideFriendRequest(ctx, r.ID, RequestAccepted, now)
	if err != nil {
		return err
	}
	if !ok {
		return errRequestNotPending
	}
	r.Status, r.DecidedAt = RequestAccepted, &now
	if _, err := tx.Friendship(ctx, r.FromID, r.ToID); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return tx.CreateFriendship(ctx, r.FromID, r.ToID, now)
}

// AcceptFriendRequest makes the caller and the request's sender friends.
// Only the recipient may accept (404 request_not_found for anyone else);
// 409 request_not_pending when it was answered or withdrawn.
func (s *Service) AcceptFriendRequest(ctx context.Context, userID, requestID int64) (*FriendRequest, error) {
	r, err := s.decide(ctx, userID, requestID, RequestAccepted)
	if err != nil {
		return nil, err
	}
	s.publishFriendAdded(ctx, r.From.ID, r.To.ID)
	return r, nil
}

// RejectFriendRequest declines a request. The sender is not told.
func (s *Service) RejectFriendRequest(ctx context.Context, userID, requestID int64) (*FriendRequest, error) {
	return s.decide(ctx, userID, requestID, RequestRejected)
}

// CancelFriendRequest withdraws the caller's own pending request.
func (s *Service) CancelFriendRequest(ctx context.Context, userID, requestID int64) error {
	r, err := s.decide(ctx, userID, requestID, RequestCanceled)
	if err != nil {
		return err
	}
	s.chat.PublishTo(ctx, []int64{r.To.ID}, FriendRequestFrame{Type: "friend_request", Request: r})
	return nil
}

// decide moves a request to status: accepted and rejected by its
// recipient, canceled by its sender.
func (s *Service) decide(ctx context.Context, userID, requestID int64, status string) (*FriendRequest, error) {
	var row *store.FriendRequest
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		r, err := tx.FriendRequestByID(ctx, requestID)
		if errors.Is(err, store.ErrNotFound) {
			return errNoRequest
		}
		if err != nil {
			return err
		}
		if (status == RequestCanceled && r.FromID != userID) || (status != RequestCanceled && r.ToID != userID) {
			return errNoRequest
		}
		if err := tx.LockUsers(ctx, r.FromID, r.ToID); err != nil {
			return err
		}
		row = r
		if status == RequestAccepted {
			if blocked, err := tx.Blocked(ctx, r.FromID, r.ToID); err != nil {
				return err
			} else if blocked {
				return errBlockedAsk
			}
			return s.acceptTx(ctx, tx, r)
		}
		now := s.now()
		ok, err := tx.DecideFriendRequest(ctx, r.ID, status, now)
		if err != nil {
			return err
		}
		if !ok {
			return errRequestNotPending
		}
		r.Status, r.DecidedAt = status, &now
		return nil
	})
	if err != nil {
		return nil, asDomain(err, "answer friend request")
	}
	views, err := s.requestViews(ctx, []store.FriendRequest{*row})
	if err != nil {
		return nil, errs.Wrap(err, "load friend request")
	}
	return &views[0], nil
}

// FriendRequests lists the caller's pending requests, newest first: box
// "incoming" (the default) or "outgoing". next is the cursor of the next
// page, 0 at the end.
func (s *Service) FriendRequests(ctx context.Context, userID int64, box string, beforeID int64, limit int) (items []FriendRequest, next int64, err error) {
	var incoming bool
	switch box {
	case "", "incoming":
		incoming = true
	case "outgoing":
	default:
		return nil, 0, errs.Field("box", "incoming or outgoing")
	}
	rows, err := s.store.PendingFriendRequests(ctx, userID, incoming, beforeID, limit)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list friend requests")
	}
	items, err = s.requestViews(ctx, rows)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list friend requests")
	}
	if len(rows) == limit {
		next = rows[len(rows)-1].ID
	}
	return items, next, nil
}

// requestViews converts stored requests, loading both sides' profiles.
func (s *Service) requestViews(ctx context.Context, rows []store.FriendRequest) ([]FriendRequest, error) {
	ids := make([]int64, 0, 2*len(rows))
	for _, r := range rows {
		ids = append(ids, r.FromID, r.ToID)
	}
	users, err := s.store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]FriendRequest, 0, len(rows))
	for _, r := range rows {
		from, to := users[r.FromID], users[r.ToID]
		if from == nil || to == nil {
			continue
		}
		out = append(out, FriendRequest{
			ID: r.ID, From: auth.PublicView(from), To: auth.PublicView(to),
			Message: r.Message, Status: r.Status, CreatedAt: r.CreatedAt,
		})
	}
	if len(out) == 0 && len(rows) > 0 {
		return nil, store.ErrNotFound
	}
	return out, nil
}

// publishFriendAdded tells both new friends, each about the other, with
// the other's presence.
func (s *Service) publishFriendAdded(ctx context.Context, a, b int64) {
	users, err := s.store.UsersByIDs(ctx, []int64{a, b})
	if err != nil || users[a] == nil || users[b] == nil {
		s.log.WarnContext(ctx, "friend added: load users", "err", err)
		return
	}
	presence := s.VisiblePresence(ctx, a, []int64{b})
	pb := presence[b]
	s.chat.PublishTo(ctx, []int64{a}, FriendFrame{Type: "friend", Event: "added", User: auth.PublicView(users[b]), Presence: &pb})
	presence = s.VisiblePresence(ctx, b, []int64{a})
	pa := presence[a]
	s.chat.PublishTo(ctx, []int64{b}, FriendFrame{Type: "friend", Event: "added", User: auth.PublicView(users[a]), Presence: &pa})
}
