package store

import (
	"context"
	"time"
)

// NextSeq allocates the next seq of a conversation. Called inside the
// transaction that inserts the message, it holds the conversation's row
// lock until commit, so seqs have no gaps and no duplicates.
func (s *Store) NextSeq(ctx context.Context, conversationID int64, now time.Time) (int64, error) {
	var seq int64
	err := s.q(ctx).Raw(
		"UPDATE conversations SET last_seq = last_seq + 1, last_message_at = ?, updated_at = ? WHERE id = ? RETURNING last_seq",
		now, now, conversationID).Scan(&seq).Error
	if err != nil {
		return 0, err
	}
	if seq == 0 {
		return 0, ErrNotFound
	}
	return seq, nil
}

// CreateMessage inserts m; ErrConflict when its client_msg_id was used.
func (s *Store) CreateMessage(ctx context.Context, m *Message) error {
	return translate(s.q(ctx).Create(m).Error)
}

// MessageByClientID returns the message a sender sent with this client id.
func (s *Store) MessageByClientID(ctx context.Context, conversationID int64, senderKind SenderKind, senderID int64, clientMsgID string) (*Message, error) {
	var m Message
	err := s.q(ctx).Where("conversation_id = ? AND sender_kind = ? AND sender_id = ? AND client_msg_id = ?",
		conversationID, senderKind, senderID, clientMsgID).First(&m).Error
	if err != nil {
		return nil, translate(err)
	}
	return &m, nil
}

// MessageByID returns one message or ErrNotFound.
func (s *Store) MessageByID(ctx context.Context, id int64) (*Message, error) {
	var m Message
	if err := s.q(ctx).First(&m, id).Error; err != nil {
		return nil, translate(err)
	}
	return &m, nil
}

// MessageBySeq returns the message at seq in a conversation.
func (s *Store) MessageBySeq(ctx context.Context, conversationID, seq int64) (*Message, error) {
	var m Message
	if err := s.q(ctx).Where("conversation_id = ? AND seq = ?", conversationID, seq).First(&m).Error; err != nil {
		return nil, translate(err)
	}
	return &m, nil
}

// MessagesBefore returns, in ascending seq, the newest limit messages of a
// conversation with seq < beforeSeq, or the newest of all when beforeSeq is 0.
// With hideNotes, private notes are left out (for visitors).
func (s *Store) MessagesBefore(ctx context.Context, conversationID, beforeSeq int64, limit int, hideNotes bool) ([]Message, error) {
	var ms []Message
	q := s.q(ctx).Where("conversation_id = ?", conversationID)
	if hideNotes {
		q = q.Where("kind <> 'note'")
	}
	if beforeSeq > 0 {
		q = q.Where("seq < ?", beforeSeq)
	}
	if err := q.Order("seq DESC").Limit(limit).Find(&ms).Error; err != nil {
		return nil, err
	}
	for i, j := 0, len(ms)-1; i < j; i, j = i+1, j-1 {
		ms[i], ms[j] = ms[j], ms[i]
	}
	return ms, nil
}

// MessagesAfter returns up to limit messages with seq > afterSeq, ascending.
// With hideNotes, private notes are left out (for visitors).
func (s *Store) MessagesAfter(ctx context.Context, conversationID, afterSeq int64, limit int, hideNotes bool) ([]Message, error) {
	var ms []Message
	q := s.q(ctx).Where("conversation_id = ? AND seq > ?", conversationID, afterSeq)
	if hideNotes {
		q = q.Where("kind <> 'note'")
	}
	err := q.Order("seq ASC").Limit(limit).Find(&ms).Error
	return ms, err
}

// LastMessages returns the newest message of each conversation given as
// id → last_seq, keyed by conversation id.
func (s *Store) LastMessages(ctx context.Context, lastSeqs map[int64]int64) (map[int64]*Message, error) {
	out := map[int64]*Message{}
	var pairs [][]any
	for id, seq := range lastSeqs {
		if seq > 0 {
			pairs = append(pairs, []any{id, seq})
		}
	}
	if len(pairs) == 0 {
		return out, nil
	}
	var ms []Message
	if err := s.q(ctx).Where("(conversation_id, seq) IN ?", pairs).Find(&ms).Error; err != nil {
		return nil, err
	}
	for i := range ms {
		out[ms[i].ConversationID] = &ms[i]
	}
	return out, nil
}

// RecallMessage stamps a message recalled and blanks its body; false if it
// already was.
func (s *Store) RecallMessage(ctx context.Context, id int64, at time.Time) (bool, error) {
	res := s.q(ctx).Model(&Message{}).Where("id = ? AND recalled_at IS NULL", id).
		Updates(map[string]any{"recalled_at": at, "body": ""})
	return res.RowsAffected == 1, res.Error
}

// UnreadFromOthers returns up to limit messages after afterSeq not sent by
// the user and not recalled, ascending.
func (s *Store) UnreadFromOthers(ctx context.Context, conversationID, userID, afterSeq int64, limit int) ([]Message, error) {
	var ms []Message
	err := s.q(ctx).
		Where("conversation_id = ? AND seq > ? AND recalled_at IS NULL", conversationID, afterSeq).
		Where("NOT (sender_kind = 'user' AND sender_id = ?)", userID).
		Order("seq ASC").Limit(limit).Find(&ms).Error
	return ms, err
}
