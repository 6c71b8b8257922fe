package store

import (
	"context"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
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

// searchRecentWindow is how many of the newest messages PostgreSQL reads
// first for a query long enough for the index: a common word fills a page
// from them at once, where the trigram index would gather every match
// and sort them all; a rarer one then takes the index.
const searchRecentWindow = 2000

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
	// hits builds the search over from (which names the messages m) with
	// the conditions every strategy shares.
	hits := func(from string) *gorm.DB {
		q := s.q(ctx).Table(from).
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
		return q
	}
	// newest is the ids of the newest n messages of the user's
	// conversations (before the cursor when fromCursor).
	newest := func(n int, fromCursor bool) *gorm.DB {
		w := s.q(ctx).Table("messages AS m").Select("m.id").Where(conv+" IN ("+readable+")", f.UserID, f.UserID)
		if f.ConversationID > 0 {
			w = w.Where("m.conversation_id = ?", f.ConversationID)
		}
		if fromCursor && f.BeforeID > 0 {
			w = w.Where("m.id < ?", f.BeforeID)
		}
		return w.Order("m.id DESC").Limit(n)
	}
	pattern := likePattern(f.Text)
	like := "(LOWER(m.body) LIKE ? ESCAPE '!' OR LOWER(COALESCE(up.name, '')) LIKE ? ESCAPE '!')"
	var q *gorm.DB
	switch {
	case utf8.RuneCountInString(f.Text) < SearchIndexMinRunes:
		// Too short for a trigram: a bounded scan of the newest messages.
		q = hits("messages AS m").Where("m.id IN (?)", newest(SearchScanWindow, false)).Where(like, pattern, pattern)
	case s.dialect == Postgres:
		// The newest messages before the cursor first: if they hold a
		// page, it is the newest page there is.
		var out []SearchHit
		err := hits("messages AS m").Where("m.id IN (?)", newest(searchRecentWindow, true)).Where(like, pattern, pattern).
			Order("m.id DESC").Limit(f.Limit).Scan(&out).Error
		if err != nil || len(out) == f.Limit {
			return out, err
		}
		q = hits("messages AS m").Where(`m.id IN (SELECT m1.id FROM messages m1 WHERE m1.body ILIKE ? ESCAPE '!'
			UNION ALL SELECT m2.id FROM messages m2 JOIN uploads u2 ON u2.id = m2.attachment_id WHERE u2.name ILIKE ? ESCAPE '!')`, pattern, pattern)
	default:
		return s.searchFTS(ctx, f, hits)
	}
	var out []SearchHit
	err := q.Order("m.id DESC").Limit(f.Limit).Scan(&out).Error
	return out, err
}

// searchFTS answers a query long enough for SQLite's trigram indexes. Each
// index is read newest first, joined to the messages it names and cut at
// the limit, so a common word reads a page of matches and stops rather
// than gathering every one; the body and file-name hits then merge.
func (s *Store) searchFTS(ctx context.Context, f MessageSearch, hits func(from string) *gorm.DB) ([]SearchHit, error) {
	phrase := `"` + strings.ReplaceAll(f.Text, `"`, `""`) + `"`
	var bodies, names []SearchHit
	q := hits("messages_fts AS mf CROSS JOIN messages AS m ON m.id = mf.rowid").Where("messages_fts MATCH ?", phrase)
	if f.BeforeID > 0 {
		// Said of the index's rowid too, so that it starts there.
		q = q.Where("mf.rowid < ?", f.BeforeID)
	}
	err := q.Order("mf.rowid DESC").Limit(f.Limit).Scan(&bodies).Error
	if err != nil {
		return nil, err
	}
	err = hits("uploads_fts AS uf CROSS JOIN messages AS m ON m.attachment_id = uf.rowid").
		Where("uploads_fts MATCH ?", phrase).Order("m.id DESC").Limit(f.Limit).Scan(&names).Error
	if err != nil {
		return nil, err
	}
	return mergeHits(bodies, names, f.Limit), nil
}

// mergeHits merges two lists of hits, each newest first, into one of at
// most limit, a message found in both listed once.
func mergeHits(a, b []SearchHit, limit int) []SearchHit {
	out := make([]SearchHit, 0, min(limit, len(a)+len(b)))
	for len(out) < limit && (len(a) > 0 || len(b) > 0) {
		switch {
		case len(b) == 0 || (len(a) > 0 && a[0].ID > b[0].ID):
			out, a = append(out, a[0]), a[1:]
		case len(a) == 0 || b[0].ID > a[0].ID:
			out, b = append(out, b[0]), b[1:]
		default: // the same message
			out, a, b = append(out, a[0]), a[1:], b[1:]
		}
	}
	return out
}
