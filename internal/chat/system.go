package chat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"

	"github.com/parley-chat/parley/internal/i18n"
	"github.com/parley-chat/parley/internal/store"
)

// PostSystemTx stores a system message (joins, leaves, kicks, mutes, role
// changes, announcements) inside the caller's transaction, so that the
// history tells what happened exactly when it happened. After commit the
// caller hands the result to Announce. The event is stored as such, for
// each client to say in its reader's language, and its English rendering
// as the body, for clients that know no events.
func (s *Service) PostSystemTx(ctx context.Context, tx *store.Store, conversationID int64, ev Event) (*store.Message, error) {
	raw, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	event := string(raw)
	now := s.now()
	seq, err := tx.NextSeq(ctx, conversationID, now)
	if err != nil {
		return nil, err
	}
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	m := &store.Message{
		ConversationID: conversationID, Seq: seq, SenderKind: store.SenderSystem, SenderID: 0,
		ClientMsgID: "sys-" + hex.EncodeToString(id), Kind: store.MessageSystem, Body: ev.Render(i18n.EN), Event: &event, CreatedAt: now,
	}
	if err := tx.CreateMessage(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}

// Announce publishes committed messages to the current members of their
// conversations (extra users too, e.g. someone just removed), as the kind
// of each names its audience now.
func (s *Service) Announce(ctx context.Context, extra []int64, msgs ...*store.Message) {
	for _, m := range msgs {
		if m == nil {
			continue
		}
		members, err := s.store.MembersOf(ctx, m.ConversationID)
		if err != nil {
			s.log.WarnContext(ctx, "announce: load members", "err", err)
			continue
		}
		ids := append([]int64{}, extra...)
		for _, mm := range members {
			ids = append(ids, mm.UserID)
		}
		convs, err := s.cache.conversations(ctx, s.store, []int64{m.ConversationID})
		if err != nil || convs[m.ConversationID] == nil {
			continue
		}
		keys := s.audience(ctx, convs[m.ConversationID], m, ids)
		views, err := s.views.Messages(ctx, []store.Message{*m})
		if err != nil {
			continue
		}
		if err := s.pub.Publish(ctx, keys, MessageFrame{Type: "message", Message: &views[0]}); err != nil {
			s.log.WarnContext(ctx, "publish failed; clients will resync", "err", err)
		}
	}
}

// PublishTo sends any frame to users, after commit.
func (s *Service) PublishTo(ctx context.Context, userIDs []int64, frame any) {
	s.publish(ctx, userIDs, frame)
}

// PublishKeys sends any frame to recipient keys (users or visitors), after commit.
func (s *Service) PublishKeys(ctx context.Context, keys []string, frame any) {
	if err := s.pub.Publish(ctx, keys, frame); err != nil {
		s.log.WarnContext(ctx, "publish failed; clients will resync", "err", err)
	}
}

// PostSiteTextTx stores, inside the caller's transaction, a text message a
// support site sends on its own (an automated reply): its sender is
// Parley's, its id the site's, and it shows as the site's message, marked
// automated. clientMsgID keeps a retry from storing it twice (nil, nil
// then). After commit the caller hands the result to Announce.
func (s *Service) PostSiteTextTx(ctx context.Context, tx *store.Store, conversationID, siteID int64, clientMsgID, body string) (*store.Message, error) {
	if _, err := tx.MessageByClientID(ctx, conversationID, store.SenderSystem, siteID, clientMsgID); err == nil {
		return nil, nil
	}
	now := s.now()
	seq, err := tx.NextSeq(ctx, conversationID, now)
	if err != nil {
		return nil, err
	}
	m := &store.Message{
		ConversationID: conversationID, Seq: seq, SenderKind: store.SenderSystem, SenderID: siteID,
		ClientMsgID: clientMsgID, Kind: store.MessageText, Body: body, CreatedAt: now,
	}
	if err := tx.CreateMessage(ctx, m); err != nil {
		return nil, err
	}
	return m, nil
}
