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
	if s.dialect == Postgres {
		return s.searchPostgres(ctx, f)
	}
	// SQLite would walk every message of the user's conversations by
	// their index and sort them; with the index out of reach (a unary +)
	// it walks the matches (or the newest messages) by id instead, newest
	// first, and stops at the limit.
	hits := func(from string) *gorm.DB {
		return searchFilters(f, s.q(ctx).Table(from)).
			Select("m.*, COALESCE(up.name, '') AS file_name").
			Joins("LEFT JOIN uploads up ON up.id = m.attachment_id").
			Where("+m.conversation_id IN ("+searchReadable+")", f.UserID, f.UserID)
	}
	if utf8.RuneCountInString(f.Text) >= SearchIndexMinRunes {
		return s.searchFTS(ctx, f, hits)
	}
	// Too short for a trigram: a bounded scan of the newest messages,
	// down to the oldest of them, newest first, stopping at the page.
	newest := s.q(ctx).Table("messages AS m").Select("m.id").
		Where("+m.conversation_id IN ("+searchReadable+")", f.UserID, f.UserID)
	if f.ConversationID > 0 {
		newest = newest.Where("m.conversation_id = ?", f.ConversationID)
	}
	var floor *int64
	err := s.q(ctx).Raw("SELECT MIN(w.id) FROM (?) AS w", newest.Order("m.id DESC").Limit(SearchScanWindow)).Scan(&floor).Error
	if err != nil || floor == nil {
		return nil, err
	}
	pattern := likePattern(f.Text)
	var out []SearchHit
	err = hits("messages AS m").Where("m.id >= ?", *floor).Where(searchLike, pattern, pattern).
		Order("m.id DESC").Limit(f.Limit).Scan(&out).Error
	return out, err
}

// searchReadable is the conversations a user (both placeholders) takes
// part in or serves as site staff, in a column conversation_id.
var searchReadable = `SELECT cm.conversation_id FROM conversation_members cm WHERE cm.user_id = ?
		UNION SELECT sc.conversation_id FROM support_conversations sc JOIN users u ON u.id = ? WHERE ` + staffRule("sc.site_id")

// searchLike matches the body or the file name of m against a
// likePattern (both placeholders).
const searchLike = "(LOWER(m.body) LIKE ? ESCAPE '!' OR LOWER(COALESCE(up.name, '')) LIKE ? ESCAPE '!')"

// searchFilters adds to q, which names the messages m, the conditions
// every search shares but the conversations' readability and the text.
func searchFilters(f MessageSearch, q *gorm.DB) *gorm.DB {
	q = q.Where("m.recalled_at IS NULL AND m.kind <> ?", MessageSystem)
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

// searchPostgres answers a search on PostgreSQL with plans whose work is
// bounded by what they read, not by the planner's estimates:
//
//   - The window: the newest n messages of the user's conversations
//     (SearchScanWindow for a query too short for a trigram, else
//     searchRecentWindow before the cursor). Each conversation's newest n
//     ids are read backwards along messages (conversation_id, id), merged
//     and cut at n; the oldest of them bounds the window.
//   - The window's matches, newest first: each conversation is read
//     backwards along the same index down to that bound and stops at the
//     page, so a common word reads a little more than a page.
//   - A longer query that did not fill its page there goes on below the
//     window through the trigram indexes: the body's GIN bitmap (kept
//     from the ORDER BY … LIMIT by a fence, which would otherwise walk the
//     primary key backwards probing every message), each match fetched
//     once and kept if its conversation is the user's; and the messages
//     whose file name matches. The two merge newest first.
//
// It runs in one transaction with JIT compilation off (the estimates of
// these queries are large enough to make PostgreSQL compile them, which
// costs far more than running them) and, until the trigram indexes are
// read, bitmap scans off: a rare word's estimate would otherwise have
// each conversation's whole window fetched and sorted rather than read
// newest first down to the page.
func (s *Store) searchPostgres(ctx context.Context, f MessageSearch) ([]SearchHit, error) {
	var out []SearchHit
	err := s.Tx(ctx, func(tx *Store) error {
		err := tx.q(ctx).Exec("SELECT set_config('jit', 'off', true), set_config('enable_bitmapscan', 'off', true)").Error
		if err != nil {
			return err
		}
		out, err = tx.searchPostgresTx(ctx, f)
		return err
	})
	return out, err
}

func (s *Store) searchPostgresTx(ctx context.Context, f MessageSearch) ([]SearchHit, error) {
	short := utf8.RuneCountInString(f.Text) < SearchIndexMinRunes
	n, before := searchRecentWindow, f.BeforeID
	if short {
		n, before = SearchScanWindow, 0
	}
	// The oldest message of the window (none: nothing to search).
	var floor *int64
	err := s.q(ctx).Raw("SELECT MIN(w.id) FROM (?) AS w", s.newestIDs(ctx, f, n, before)).Scan(&floor).Error
	if err != nil || floor == nil {
		return nil, err
	}
	pattern := likePattern(f.Text)
	fileName := "COALESCE((SELECT up.name FROM uploads up WHERE up.id = m.attachment_id), '')"
	per := searchFilters(f, s.q(ctx).Table("messages AS m")).
		Select("m.*, "+fileName+" AS file_name").
		Where("m.conversation_id = c.conversation_id AND m.id >= ?", *floor).
		Where("(LOWER(m.body) LIKE ? ESCAPE '!' OR LOWER("+fileName+") LIKE ? ESCAPE '!')", pattern, pattern).
		Order("m.id DESC").Limit(f.Limit)
	var out []SearchHit
	err = s.q(ctx).Raw("SELECT h.* FROM (?) AS c CROSS JOIN LATERAL (?) AS h ORDER BY h.id DESC LIMIT ?",
		s.readableConversations(ctx, f), per, f.Limit).Scan(&out).Error
	if err != nil || short || len(out) == f.Limit {
		return out, err
	}
	// Below the window, through the trigram indexes (GIN answers by
	// bitmap only).
	if err := s.q(ctx).Exec("SELECT set_config('enable_bitmapscan', 'on', true)").Error; err != nil {
		return nil, err
	}
	rest := f
	rest.BeforeID, rest.Limit = *floor, f.Limit-len(out)
	readable := "m.conversation_id IN (" + searchReadable + ")"
	var bodies, names []SearchHit
	err = searchFilters(rest, s.q(ctx).Table("(SELECT m1.* FROM messages m1 WHERE m1.body ILIKE ? ESCAPE '!' OFFSET 0) AS m", pattern)).
		Select("m.*, "+fileName+" AS file_name").Where(readable, f.UserID, f.UserID).
		Order("m.id DESC").Limit(rest.Limit).Scan(&bodies).Error
	if err != nil {
		return nil, err
	}
	err = searchFilters(rest, s.q(ctx).Table("uploads AS up JOIN messages AS m ON m.attachment_id = up.id")).
		Select("m.*, up.name AS file_name").Where("up.name ILIKE ? ESCAPE '!'", pattern).Where(readable, f.UserID, f.UserID).
		Order("m.id DESC").Limit(rest.Limit).Scan(&names).Error
	if err != nil {
		return nil, err
	}
	return append(out, mergeHits(bodies, names, rest.Limit)...), nil
}

// readableConversations is searchReadable for f's user, narrowed to
// f.ConversationID when set.
func (s *Store) readableConversations(ctx context.Context, f MessageSearch) *gorm.DB {
	if f.ConversationID > 0 {
		return s.q(ctx).Raw("SELECT r.conversation_id FROM ("+searchReadable+") AS r WHERE r.conversation_id = ?", f.UserID, f.UserID, f.ConversationID)
	}
	return s.q(ctx).Raw("SELECT r.conversation_id FROM ("+searchReadable+") AS r", f.UserID, f.UserID)
}

// newestIDs is the ids of the newest n messages (before the id before,
// when not 0) of the conversations readableConversations names: each
// conversation's newest n, read backwards along messages
// (conversation_id, id) with no need of the table's rows, merged and cut.
func (s *Store) newestIDs(ctx context.Context, f MessageSearch, n int, before int64) *gorm.DB {
	per := "SELECT m0.id FROM messages m0 WHERE m0.conversation_id = c.conversation_id"
	args := []any{s.readableConversations(ctx, f)}
	if before > 0 {
		per += " AND m0.id < ?"
		args = append(args, before)
	}
	args = append(args, n, n)
	return s.q(ctx).Raw("SELECT w.id FROM (?) AS c CROSS JOIN LATERAL ("+per+" ORDER BY m0.id DESC LIMIT ?) AS w ORDER BY w.id DESC LIMIT ?", args...)
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
