package chat

import (
	"context"

	"github.com/parley-chat/parley/internal/store"
)

// RedPacketViews describes the red packets that red_packet messages carry
// (implemented by the wallet service).
type RedPacketViews interface {
	// RedPacketViews describes the packets of messages, by message id.
	RedPacketViews(ctx context.Context, messageIDs []int64) (map[int64]any, error)
}

// AuthorizeUserSendTx checks, inside the caller's transaction, that a user
// may post in a conversation under the same rules as a message (those of
// its kind) and returns it.
func (s *Service) AuthorizeUserSendTx(ctx context.Context, tx *store.Store, userID, conversationID int64) (*store.Conversation, error) {
	return s.authorizeSend(ctx, tx, Actor{Kind: store.SenderUser, ID: userID}, SendInput{ConversationID: conversationID, Kind: store.MessageRedPacket})
}

// PostRedPacketTx stores the red_packet message of a packet being sent,
// inside the wallet's transaction, after AuthorizeUserSendTx. Clients
// cannot send this kind through Send. store.ErrConflict means the
// client_msg_id was used meanwhile. After commit the caller hands the
// message to Announce.
func (s *Service) PostRedPacketTx(ctx context.Context, tx *store.Store, userID, conversationID int64, clientMsgID, greeting string) (*store.Message, error) {
	now := s.now()
	seq, err := tx.NextSeq(ctx, conversationID, now)
	if err != nil {
		return nil, err
	}
	m := &store.Message{
		ConversationID: conversationID, Seq: seq, SenderKind: store.SenderUser, SenderID: userID,
		ClientMsgID: clientMsgID, Kind: store.MessageRedPacket, Body: greeting, CreatedAt: now,
	}
	if err := tx.CreateMessage(ctx, m); err != nil {
		return nil, err
	}
	if _, err := tx.AdvanceReadSeq(ctx, conversationID, userID, seq); err != nil {
		return nil, err
	}
	return m, nil
}

// attachRedPackets fills the red_packet of each view whose message is one;
// views[i] must be the view of ms[i].
func (s *Views) attachRedPackets(ctx context.Context, ms []store.Message, views []Message) error {
	if s.packets == nil {
		return nil
	}
	var ids []int64
	for _, m := range ms {
		if m.Kind == store.MessageRedPacket {
			ids = append(ids, m.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	found, err := s.packets.RedPacketViews(ctx, ids)
	if err != nil {
		return err
	}
	for i, m := range ms {
		if p, ok := found[m.ID]; ok && m.Kind == store.MessageRedPacket {
			views[i].RedPacket = p
		}
	}
	return nil
}
