package store

import (
	"context"
	"strings"
	"unicode/utf8"
)

// SearchIndexMinRunes is the shortest query the trigram indexes answer:
// shorter ones scan the newest SearchScanWindow messages of the user's
// conversations instead.
const SearchIndexMinRunes = 3

// SearchScanWindow bounds the scan of a query too short for the indexes:
// the newest messages of the user's conversations it looks through.
const SearchScanWindow = 10000

// MessageSearch selects messages whose body or attachment file name holds
// Text, case-insensitively, among the conversations UserID takes part in
// or serves as site staff (see staffRule). That set only narrows the
// scan: the caller still checks each conversation under its kind's rules.
type MessageSearch struct {
	UserID         int64
	Text           string
	ConversationID int64 // 0: any
	SenderID       int64 // 0: any; else a user's id
	BeforeID       int64 // 0: from the newest; else messages with a smaller id
	Limit          int
}

// SearchHit is one message found and the name of the file it carries
// ("" when it carries none).
type SearchHit struct {
	Message
	FileName string
}

// SearchMessages returns the messages matching f, newest first (by id).
// Recalled messages and system messages never match.
func (s *Store) SearchMessages(ctx context.Context, f MessageSearch) ([]SearchHit, error) {
	readable := `SELECT cm.conversation_id FROM conversation_members cm WHERE cm.user_id = ?
		UNION SELECT sc.conversation_id FROM support_conversations sc JOIN users u ON u.id = ? WHERE ` + staffRule("sc.site_id")
	// SQLite would walk every message of the user's conversations by
	// their index and sort them; with the index out of reach (a unary +)
	// it walks the matches (or the newest messages) by id instead, newest
	// first, and stops at the limit.
	conv := "m.conversation_id"
	if s.dialect == SQLite {
		conv = "+m.conversation_id"
	}
	q := s.q(ctx).Table("messages AS m").
		Select("m.*, COALESCE(up.name, '') AS file_name").
		Joins("LEFT JOIN uploads up ON up.id = m.attachment_id").
		Where(conv+" IN ("+readable+")", f.UserID, f.UserID).
		Where("m.recalled_at IS NULL AND m.kind <> ?", MessageSystem)
	if f.ConversationID > 0 {
		q = q.Where("m.conversation_id = ?", f.ConversationID)
	}
	if f.SenderID > 0 {
		q = q.Where("m.sender_kind = ? AND m.sender_id = ?", SenderUser, f.SenderID)
	}
	if f.BeforeID > 0 {
		q = q.Where("m.id < ?", f.BeforeID)
	}
	pattern := likePattern(f.Text)
	switch {
	case utf8.RuneCountInString(f.Text) < SearchIndexMinRunes:
		// Too short for a trigram: a bounded scan of the newest messages.
		window := s.q(ctx).Table("messages AS m").Select("m.id").
			Where(conv+" IN ("+readable+")", f.UserID, f.UserID).
			Order("m.id DESC").Limit(SearchScanWindow)
		q = q.Where("m.id IN (?)", window).
			Where("(LOWER(m.body) LIKE ? ESCAPE '!' OR LOWER(COALESCE(up.name, '')) LIKE ? ESCAPE '!')", pattern, pattern)
	case s.dialect == Postgres:
		q = q.Where("(m.body ILIKE ? ESCAPE '!' OR m.attachment_id IN (SELECT u2.id FROM uploads u2 WHERE u2.name ILIKE ? ESCAPE '!'))", pattern, pattern)
	default:
		phrase := `"` + strings.ReplaceAll(f.Text, `"`, `""`) + `"`
		q = q.Where(`m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?
			UNION ALL SELECT m2.id FROM uploads_fts uf JOIN messages m2 ON m2.attachment_id = uf.rowid WHERE uploads_fts MATCH ?)`, phrase, phrase)
	}
	var out []SearchHit
	err := q.Order("m.id DESC").Limit(f.Limit).Scan(&out).Error
	return out, err
}
