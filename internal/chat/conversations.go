package chat

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

var errNoConversation = ErrNoConversation

// membership returns userID's membership of a conversation, nil when they
// have none.
func membership(ctx context.Context, st *store.Store, conversationID, userID int64) (*store.Member, error) {
	m, err := st.Member(ctx, conversationID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrap(err, "load membership")
	}
	return m, nil
}

// reader checks, under the rules of its kind, that actor may read a
// conversation now, and returns it with their membership: nil for a
// visitor, or for whoever reads without one (a site's staff).
func (s *Service) reader(ctx context.Context, st *store.Store, conversationID int64, actor Actor) (*store.Conversation, *store.Member, error) {
	convs, err := s.cache.conversations(ctx, st, []int64{conversationID})
	if err != nil {
		return nil, nil, errs.Wrap(err, "load conversation")
	}
	c := convs[conversationID]
	if c == nil {
		return nil, nil, errNoConversation
	}
	var m *store.Member
	if actor.Kind == store.SenderUser {
		if m, err = membership(ctx, st, conversationID, actor.ID); err != nil {
			return nil, nil, err
		}
	}
	if err := s.kind(c).CanRead(ctx, st, c, actor, m); err != nil {
		if _, ok := errs.As(err); ok {
			return nil, nil, err
		}
		return nil, nil, errs.Wrap(err, "check access")
	}
	return c, m, nil
}

// ConversationView returns a conversation as userID sees it, for the
// kinds that create conversations.
func (s *Service) ConversationView(ctx context.Context, userID int64, c *store.Conversation) (*Conversation, error) {
	var readSeq int64
	m, err := membership(ctx, s.store, c.ID, userID)
	if err != nil {
		return nil, err
	}
	if m != nil {
		readSeq = m.ReadSeq
	}
	return s.conversationView(ctx, userID, c, readSeq)
}

// Get returns one conversation of the caller.
func (s *Service) Get(ctx context.Context, userID, conversationID int64) (*Conversation, error) {
	_, m, err := s.reader(ctx, s.store, conversationID, Actor{Kind: store.SenderUser, ID: userID})
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
