package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// ConversationRow is a conversation as one member sees it.
type ConversationRow struct {
	Conversation
	ReadSeq int64
}

// CreateConversation inserts c; ErrConflict when its direct key exists.
func (s *Store) CreateConversation(ctx context.Context, c *Conversation) error {
	return translate(s.q(ctx).Create(c).Error)
}

// AddMember inserts a membership; ErrConflict when it exists.
func (s *Store) AddMember(ctx context.Context, m *Member) error {
	return translate(s.q(ctx).Create(m).Error)
}

// EnsureMember adds m unless its user is a member of the conversation
// already, in one statement; the membership there is left as it is.
func (s *Store) EnsureMember(ctx context.Context, m *Member) error {
	return translate(s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(m).Error)
}

// ConversationByID returns one conversation or ErrNotFound.
func (s *Store) ConversationByID(ctx context.Context, id int64) (*Conversation, error) {
	var c Conversation
	if err := s.q(ctx).First(&c, id).Error; err != nil {
		return nil, translate(err)
	}
	return &c, nil
}

// ConversationByDirectKey returns the direct conversation with this key.
func (s *Store) ConversationByDirectKey(ctx context.Context, key string) (*Conversation, error) {
	var c Conversation
	if err := s.q(ctx).Where("direct_key = ?", key).First(&c).Error; err != nil {
		return nil, translate(err)
	}
	return &c, nil
}

// Member returns a user's membership of a conversation or ErrNotFound.
func (s *Store) Member(ctx context.Context, conversationID, userID int64) (*Member, error) {
	var m Member
	if err := s.q(ctx).Where("conversation_id = ? AND user_id = ?", conversationID, userID).First(&m).Error; err != nil {
		return nil, translate(err)
	}
	return &m, nil
}

// MembersOf returns every member of a conversation.
func (s *Store) MembersOf(ctx context.Context, conversationID int64) ([]Member, error) {
	var ms []Member
	err := s.q(ctx).Where("conversation_id = ?", conversationID).Order("user_id").Find(&ms).Error
	return ms, err
}

// MembersOfMany returns the members of several conversations, keyed by conversation.
func (s *Store) MembersOfMany(ctx context.Context, ids []int64) (map[int64][]Member, error) {
	out := map[int64][]Member{}
	if len(ids) == 0 {
		return out, nil
	}
	var ms []Member
	if err := s.q(ctx).Where("conversation_id IN ?", ids).Order("user_id").Find(&ms).Error; err != nil {
		return nil, err
	}
	for _, m := range ms {
		out[m.ConversationID] = append(out[m.ConversationID], m)
	}
	return out, nil
}

// ConversationCursor is where a page of conversations continues: the
// activity time and id of the last one returned.
type ConversationCursor struct {
	At time.Time
	ID int64
}

// ConversationsForUser lists the user's conversations, most recently active
// first, starting after cursor (nil for the first page).
func (s *Store) ConversationsForUser(ctx context.Context, userID int64, after *ConversationCursor, limit int) ([]ConversationRow, error) {
	q := s.q(ctx).Table("conversations AS c").
		Select("c.*, m.read_seq").
		Joins("JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = ?", userID).
		// A support conversation is listed only while its member serves its
		// site: the row remembers who took part, it grants nothing.
		Where("(c.kind <> 'support' OR EXISTS (SELECT 1 FROM support_conversations sc JOIN users u ON u.id = m.user_id WHERE sc.conversation_id = c.id AND " + staffRule("sc.site_id") + "))")
	if after != nil {
		q = q.Where("(c.last_message_at < ? OR (c.last_message_at = ? AND c.id < ?))", after.At, after.At, after.ID)
	}
	var rows []ConversationRow
	err := q.Order("c.last_message_at DESC").Order("c.id DESC").Limit(limit).Scan(&rows).Error
	return rows, err
}

// AdvanceReadSeq raises a member's read mark to seq (never lowers it).
// It reports whether the mark moved.
func (s *Store) AdvanceReadSeq(ctx context.Context, conversationID, userID, seq int64) (bool, error) {
	res := s.q(ctx).Model(&Member{}).
		Where("conversation_id = ? AND user_id = ? AND read_seq < ?", conversationID, userID, seq).
		Update("read_seq", seq)
	return res.RowsAffected > 0, res.Error
}

// ClaimDigest stamps the member as mailed at now by job unless another
// job's mail was claimed since windowStart. Only the caller that gets true
// may send the mail; job's own earlier claim (its run died before the mail
// went out) is renewed, so that the mail is never lost.
func (s *Store) ClaimDigest(ctx context.Context, conversationID, userID int64, job string, now, windowStart time.Time) (bool, error) {
	return s.claimWindow(ctx, "notified", conversationID, userID, job, now, windowStart)
}

// ReleaseDigest puts back the member's previous notified_at and job after
// a mail that could not be sent.
func (s *Store) ReleaseDigest(ctx context.Context, conversationID, userID int64, previous *time.Time, previousJob *string) error {
	return s.releaseWindow(ctx, "notified", conversationID, userID, previous, previousJob)
}

// claimWindow stamps a member's <stamp>_at and <stamp>_job (a once-per-
// window notice: "notified" for mails, "pushed" for pushes) unless another
// job claimed it since windowStart; the same job's earlier claim is renewed.
func (s *Store) claimWindow(ctx context.Context, stamp string, conversationID, userID int64, job string, now, windowStart time.Time) (bool, error) {
	at, by := stamp+"_at", stamp+"_job"
	res := s.q(ctx).Model(&Member{}).
		Where("conversation_id = ? AND user_id = ? AND ("+at+" IS NULL OR "+at+" < ? OR "+by+" = ?)",
			conversationID, userID, windowStart, jobOrNil(job)).
		Updates(map[string]any{at: now, by: jobOrNil(job)})
	return res.RowsAffected == 1, res.Error
}

// releaseWindow puts back a member's previous stamp after a notice that
// could not be sent.
func (s *Store) releaseWindow(ctx context.Context, stamp string, conversationID, userID int64, previous *time.Time, previousJob *string) error {
	return s.q(ctx).Model(&Member{}).
		Where("conversation_id = ? AND user_id = ?", conversationID, userID).
		Updates(map[string]any{stamp + "_at": previous, stamp + "_job": previousJob}).Error
}

// jobOrNil is a job id as a column value: NULL for none, which no
// comparison matches.
func jobOrNil(job string) any {
	if job == "" {
		return nil
	}
	return job
}

// UpdateConversationTitle renames a conversation (a group's).
func (s *Store) UpdateConversationTitle(ctx context.Context, id int64, title string) error {
	return s.q(ctx).Model(&Conversation{}).Where("id = ?", id).Updates(map[string]any{"title": title, "updated_at": time.Now().UTC()}).Error
}
