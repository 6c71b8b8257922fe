package chat

import (
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/internal/text"
)

// Search bounds.
const (
	SearchMaxRunes     = 200
	SearchDefaultLimit = 20
	SearchMaxLimit     = 50
	// searchRounds bounds how many store pages one request reads when
	// the kinds' rules set aside what the store found.
	searchRounds = 4
)

// SearchInput is one search: the text and its filters.
type SearchInput struct {
	Query          string
	ConversationID int64 // 0: every conversation
	SenderID       int64 // 0: every sender
	Cursor         string
	Limit          int // 0: SearchDefaultLimit
}

// SearchHit is one message found. Highlight is the text that matched (the
// body, or the file name when only it matched), HTML-escaped, with each
// match between <mark> and </mark>; Field names which it is.
type SearchHit struct {
	ConversationID int64   `json:"conversation_id"`
	Seq            int64   `json:"seq"`
	Message        Message `json:"message"`
	Highlight      string  `json:"highlight"`
	Field          string  `json:"field"` // body | file_name
}

// SearchPage is one page of hits, newest first, and the cursor of the
// next page (nil at the end).
type SearchPage struct {
	Items      []SearchHit `json:"items"`
	NextCursor *string     `json:"next_cursor"`
}

// Search finds the messages userID can read now whose body or attachment
// file name holds the query, newest first. Whether a conversation can be
// read is what History answers: its kind's CanRead, at this moment.
func (s *Service) Search(ctx context.Context, userID int64, in SearchInput) (*SearchPage, error) {
	before, err := in.validate()
	if err != nil {
		return nil, err
	}
	if err := s.searchAllowed(ctx, userID); err != nil {
		return nil, err
	}
	actor := Actor{Kind: store.SenderUser, ID: userID}
	if in.ConversationID > 0 {
		if _, _, err := s.reader(ctx, s.store, in.ConversationID, actor); err != nil {
			return nil, err
		}
	}
	readable := map[int64]bool{}
	var found []store.SearchHit
	more := true
	for round := 0; round < searchRounds && more && len(found) <= in.Limit; round++ {
		want := in.Limit + 1 - len(found)
		rows, err := s.store.SearchMessages(ctx, store.MessageSearch{
			UserID: userID, Text: in.Query, ConversationID: in.ConversationID, SenderID: in.SenderID,
			BeforeID: before, Limit: want,
		})
		if err != nil {
			return nil, errs.Wrap(err, "search messages")
		}
		more = len(rows) == want
		for _, r := range rows {
			before = r.ID
			ok, known := readable[r.ConversationID]
			if !known {
				_, _, err := s.reader(ctx, s.store, r.ConversationID, actor)
				if e, isDomain := errs.As(err); err != nil && (!isDomain || e.Code == errs.Internal) {
					return nil, err
				}
				ok = err == nil
				readable[r.ConversationID] = ok
			}
			if ok {
				found = append(found, r)
			}
		}
	}
	page := &SearchPage{Items: []SearchHit{}}
	if len(found) > in.Limit {
		found, more = found[:in.Limit], true
		before = found[len(found)-1].ID
	}
	if more && before > 0 {
		c := encodeSearchCursor(before)
		page.NextCursor = &c
	}
	ms := make([]store.Message, len(found))
	for i := range found {
		ms[i] = found[i].Message
	}
	views, err := s.views.Messages(ctx, ms)
	if err != nil {
		return nil, errs.Wrap(err, "load messages")
	}
	for i, f := range found {
		hit := SearchHit{ConversationID: f.ConversationID, Seq: f.Seq, Message: views[i], Field: "body"}
		if marked, ok := Highlight(f.Body, in.Query); ok {
			hit.Highlight = marked
		} else if marked, ok := Highlight(f.FileName, in.Query); ok {
			hit.Highlight, hit.Field = marked, "file_name"
		} else {
			hit.Highlight = html.EscapeString(f.Body)
		}
		page.Items = append(page.Items, hit)
	}
	return page, nil
}

// validate checks the input and returns the message id the cursor stands
// before (0: from the newest).
func (in *SearchInput) validate() (int64, error) {
	if err := text.Fields("q", in.Query); err != nil {
		return 0, err
	}
	in.Query = strings.TrimSpace(in.Query)
	if n := utf8.RuneCountInString(in.Query); n == 0 || n > SearchMaxRunes {
		return 0, errs.Fieldf("q", "required, 1 to %d characters", SearchMaxRunes)
	}
	switch {
	case in.Limit == 0:
		in.Limit = SearchDefaultLimit
	case in.Limit < 1 || in.Limit > SearchMaxLimit:
		return 0, errs.Fieldf("limit", "between 1 and %d", SearchMaxLimit)
	}
	if in.ConversationID < 0 {
		return 0, errs.Field("conversation_id", "must be a conversation id")
	}
	if in.SenderID < 0 {
		return 0, errs.Field("sender_id", "must be a user id")
	}
	if in.Cursor == "" {
		return 0, nil
	}
	id, err := decodeSearchCursor(in.Cursor)
	if err != nil {
		return 0, errs.Field("cursor", "not a cursor this server gave out")
	}
	return id, nil
}

// searchAllowed applies the per-user search rate limit.
func (s *Service) searchAllowed(ctx context.Context, userID int64) error {
	ctx, cancel := context.WithTimeout(ctx, limiterDeadline)
	defer cancel()
	ok, wait, err := s.limiter.Allow(ctx, fmt.Sprintf("search:%d", userID), s.cfg.SearchLimitPerMinute, time.Minute)
	if err != nil {
		s.log.WarnContext(ctx, "rate limiter unavailable", "err", err)
	}
	if !ok {
		secs := max(1, int(wait.Round(time.Second).Seconds()))
		e := errs.Rf(errs.RateLimited, "rate_limited", "searching too fast; wait %d seconds", secs)
		e.RetryAfter = secs
		return e
	}
	return nil
}

const searchCursorPrefix = "m:"

func encodeSearchCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(searchCursorPrefix + strconv.FormatInt(id, 10)))
}

func decodeSearchCursor(c string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, err
	}
	rest, ok := strings.CutPrefix(string(b), searchCursorPrefix)
	if !ok {
		return 0, fmt.Errorf("bad cursor")
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id < 1 {
		return 0, fmt.Errorf("bad cursor")
	}
	return id, nil
}

// Highlight returns s HTML-escaped with every case-insensitive occurrence
// of query between <mark> and </mark>, and whether there was one.
func Highlight(s, query string) (string, bool) {
	q := []rune(query)
	if len(q) == 0 {
		return html.EscapeString(s), false
	}
	r := []rune(s)
	var b strings.Builder
	found := false
	last := 0
	for i := 0; i+len(q) <= len(r); {
		if !foldEqual(r[i:i+len(q)], q) {
			i++
			continue
		}
		b.WriteString(html.EscapeString(string(r[last:i])))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(string(r[i : i+len(q)])))
		b.WriteString("</mark>")
		i += len(q)
		last, found = i, true
	}
	b.WriteString(html.EscapeString(string(r[last:])))
	return b.String(), found
}

func foldEqual(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] && unicode.ToLower(a[i]) != unicode.ToLower(b[i]) {
			return false
		}
	}
	return true
}
