package chat

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

var errNoConversation = errs.R(errs.NotFound, "conversation_not_found", "no such conversation")

// member returns the caller's membership, or 404 for conversations the
// caller is not in: whether it exists is none of their business.
func member(ctx context.Context, st *store.Store, conversationID, userID int64) (*store.Member, error) {
	m, err := st.Member(ctx, conversationID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoConversation
	}
	if err != nil {
		return nil, errs.Wrap(err, "load membership")
	}
	return m, nil
}

// reader checks that userID may read a conversation now and returns their
// membership, nil for a support conversation's staff who never took part
// in it. A support conversation asks the Access hook whatever rows say;
// every other kind is read by its members.
func (s *Service) reader(ctx context.Context, st *store.Store, conversationID, userID int64) (*store.Conversation, *store.Member, error) {
	convs, err := s.kinds.conversations(ctx, st, []int64{conversationID})
	if err != nil {
		return nil, nil, errs.Wrap(err, "load conversation")
	}
	c := convs[conversationID]
	if c == nil {
		return nil, nil, errNoConversation
	}
	if c.Kind != store.KindSupport || s.access == nil {
		m, err := member(ctx, st, conversationID, userID)
		return c, m, err
	}
	ok, err := s.access.UserCanRead(ctx, st, c, userID)
	if err != nil {
		return nil, nil, errs.Wrap(err, "check access")
	}
	if !ok {
		return nil, nil, errNoConversation
	}
	m, err := st.Member(ctx, conversationID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return c, nil, nil
	}
	if err != nil {
		return nil, nil, errs.Wrap(err, "load membership")
	}
	return c, m, nil
}

// OpenDirect returns the direct conversation between userID and peerID,
// creating it on first use; created tells which. Creating it may be refused
// by the DirectOpenPolicy (e.g. 422 not_friends).
func (s *Service) OpenDirect(ctx context.Context, userID, peerID int64) (*Conversation, bool, error) {
	if peerID == userID {
		return nil, false, errs.Field("user_id", "you cannot open a conversation with yourself")
	}
	if _, err := s.store.UserByID(ctx, peerID); errors.Is(err, store.ErrNotFound) {
		return nil, false, errs.R(errs.NotFound, "user_not_found", "no such user")
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
		if p, ok := s.policy.(DirectOpenPolicy); ok {
			if err := p.CheckOpenDirect(ctx, tx, userID, peerID); err != nil {
				return err
			}
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
	view, err := s.conversationView(ctx, userID, conv, 0)
	if err != nil {
		return nil, false, errs.Wrap(err, "load conversation")
	}
	if created {
		if peerView, err := s.conversationView(ctx, peerID, conv, 0); err == nil {
			s.publish(ctx, []int64{peerID}, ConversationFrame{Type: "conversation", Conversation: peerView})
		}
	} else if m, err := s.store.Member(ctx, conv.ID, userID); err == nil {
		view.ReadSeq, view.Unread = m.ReadSeq, max(0, view.LastSeq-m.ReadSeq)
	}
	return view, created, nil
}

func directKey(a, b int64) string {
	if a > b {
		a, b = b, a
	}
	return fmt.Sprintf("d:%d:%d", a, b)
}

// Get returns one conversation of the caller.
func (s *Service) Get(ctx context.Context, userID, conversationID int64) (*Conversation, error) {
	_, m, err := s.reader(ctx, s.store, conversationID, userID)
	if err != nil {
		return nil, err
	}
	c, err := s.store.ConversationByID(ctx, conversationID)
	if err != nil {
		return nil, errs.Wrap(err, "load conversation")
	}
	var readSeq int64
	if m != nil {
		readSeq = m.ReadSeq
	}
	v, err := s.conversationView(ctx, userID, c, readSeq)
	if err != nil {
		return nil, errs.Wrap(err, "load conversation")
	}
	return v, nil
}

// List returns a page of the caller's conversations, most recently active
// first, and the cursor of the next page ("" at the end).
func (s *Service) List(ctx context.Context, userID int64, cursor string, limit int) ([]Conversation, string, error) {
	var after *store.ConversationCursor
	if cursor != "" {
		c, err := decodeCursor(cursor)
		if err != nil {
			return nil, "", errs.Field("cursor", "not a cursor this server gave out")
		}
		after = c
	}
	rows, err := s.store.ConversationsForUser(ctx, userID, after, limit)
	if err != nil {
		return nil, "", errs.Wrap(err, "list conversations")
	}
	views, err := s.conversationViews(ctx, userID, rows)
	if err != nil {
		return nil, "", errs.Wrap(err, "list conversations")
	}
	next := ""
	if len(rows) == limit {
		last := rows[len(rows)-1]
		if last.LastMessageAt != nil {
			next = encodeCursor(*last.LastMessageAt, last.ID)
		}
	}
	return views, next, nil
}

func encodeCursor(at time.Time, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixNano(), 10) + ":" + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (*store.ConversationCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, err
	}
	ns, id, ok := strings.Cut(string(b), ":")
	if !ok {
		return nil, errors.New("bad cursor")
	}
	n, err1 := strconv.ParseInt(ns, 10, 64)
	i, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil {
		return nil, errors.New("bad cursor")
	}
	return &store.ConversationCursor{At: time.Unix(0, n).UTC(), ID: i}, nil
}
