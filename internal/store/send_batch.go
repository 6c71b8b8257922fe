package store

import (
	"context"
	"strings"
	"time"
)

// The statements of the batched send path (chat's group-commit writer):
// each reads or writes for a whole batch of messages at once, so a batch
// costs the same few statements whether it holds one message or a hundred.

// ConversationsByIDs returns the conversations among ids that exist, keyed
// by id.
func (s *Store) ConversationsByIDs(ctx context.Context, ids []int64) (map[int64]*Conversation, error) {
	out := map[int64]*Conversation{}
	if len(ids) == 0 {
		return out, nil
	}
	var cs []Conversation
	if err := s.q(ctx).Where("id IN ?", ids).Find(&cs).Error; err != nil {
		return nil, err
	}
	for i := range cs {
		out[cs[i].ID] = &cs[i]
	}
	return out, nil
}

// GroupsByConversations returns the groups behind conversations, keyed by
// conversation id.
func (s *Store) GroupsByConversations(ctx context.Context, conversationIDs []int64) (map[int64]*Group, error) {
	out := map[int64]*Group{}
	if len(conversationIDs) == 0 {
		return out, nil
	}
	var gs []Group
	if err := s.q(ctx).Where("conversation_id IN ?", conversationIDs).Find(&gs).Error; err != nil {
		return nil, err
	}
	for i := range gs {
		out[gs[i].ConversationID] = &gs[i]
	}
	return out, nil
}

// MembersWithNames returns the members of several conversations, keyed by
// conversation, and the users among names with what a message shows of
// them (id, username, nickname only): one statement for both, which joins
// only the rows of names (a big group's other members cost no lookup).
func (s *Store) MembersWithNames(ctx context.Context, conversationIDs, names []int64) (map[int64][]Member, map[int64]*User, error) {
	members, users := map[int64][]Member{}, map[int64]*User{}
	if len(conversationIDs) == 0 {
		return members, users, nil
	}
	// Every send of a group reads all its members: scanned by hand, a
	// row costs a tenth of what GORM's reflection does, which for a big
	// group was a tenth of the server's time per message.
	rows, err := s.q(ctx).Table("conversation_members AS m").
		Select("m.conversation_id, m.user_id, m.role, m.read_seq, m.notified_at, m.notified_job, m.pushed_at, m.pushed_job, m.muted_until, m.joined_at, u.id, COALESCE(u.username, ''), COALESCE(u.nickname, '')").
		Joins("LEFT JOIN users u ON u.id = m.user_id AND m.user_id IN ?", names).
		Where("m.conversation_id IN ?", conversationIDs).Order("m.user_id").Rows()
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var m Member
		var named *int64
		var username, nickname string
		if err := rows.Scan(&m.ConversationID, &m.UserID, &m.Role, &m.ReadSeq, &m.NotifiedAt, &m.NotifiedJob,
			&m.PushedAt, &m.PushedJob, &m.MutedUntil, &m.JoinedAt, &named, &username, &nickname); err != nil {
			return nil, nil, err
		}
		members[m.ConversationID] = append(members[m.ConversationID], m)
		if named != nil && users[m.UserID] == nil {
			users[m.UserID] = &User{ID: m.UserID, Username: username, Nickname: nickname}
		}
	}
	return members, users, rows.Err()
}

// Pair is two users, in the order the caller means.
type Pair struct{ A, B int64 }

// pairUsers lists every user of pairs once.
func pairUsers(pairs []Pair) []int64 {
	seen := map[int64]bool{}
	var ids []int64
	for _, p := range pairs {
		for _, id := range []int64{p.A, p.B} {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// DirectTies tells, for each pair (sender A, peer B), whether either
// blocked the other and whether B is among A's friends: one statement for
// all the pairs.
func (s *Store) DirectTies(ctx context.Context, pairs []Pair) (blocked, friends map[Pair]bool, err error) {
	blocked, friends = map[Pair]bool{}, map[Pair]bool{}
	if len(pairs) == 0 {
		return blocked, friends, nil
	}
	ids := pairUsers(pairs)
	var rows []struct {
		Tie  string
		A, B int64
	}
	err = s.q(ctx).Raw("SELECT 'block' AS tie, user_id AS a, blocked_id AS b FROM blocks WHERE user_id IN ? AND blocked_id IN ?"+
		" UNION ALL SELECT 'friend', user_id, friend_id FROM friendships WHERE user_id IN ? AND friend_id IN ?",
		ids, ids, ids, ids).Scan(&rows).Error
	if err != nil {
		return nil, nil, err
	}
	ties := map[Pair]string{}
	for _, r := range rows {
		ties[Pair{r.A, r.B}] += r.Tie
	}
	for _, p := range pairs {
		blocked[p] = strings.Contains(ties[p]+ties[Pair{p.B, p.A}], "block")
		friends[p] = strings.Contains(ties[p], "friend")
	}
	return blocked, friends, nil
}

// SeqBump asks for N new seqs of one conversation.
type SeqBump struct{ ConversationID, N int64 }

// BumpSeqs takes the new seqs of several conversations in one statement
// and returns each one's new last_seq: its N seqs are the N up to that one.
// The update locks the rows, so concurrent writers get distinct seqs.
func (s *Store) BumpSeqs(ctx context.Context, bumps []SeqBump, now time.Time) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(bumps) == 0 {
		return out, nil
	}
	var sql strings.Builder
	args := make([]any, 0, 2*len(bumps)+3)
	sql.WriteString("UPDATE conversations SET last_seq = last_seq + CASE id")
	ids := make([]int64, 0, len(bumps))
	for _, b := range bumps {
		sql.WriteString(" WHEN ? THEN CAST(? AS BIGINT)")
		args = append(args, b.ConversationID, b.N)
		ids = append(ids, b.ConversationID)
	}
	sql.WriteString(" ELSE 0 END, last_message_at = ?, updated_at = ? WHERE id IN ? RETURNING id, last_seq")
	args = append(args, now, now, ids)
	var rows []struct{ ID, LastSeq int64 }
	if err := s.q(ctx).Raw(sql.String(), args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ID] = r.LastSeq
	}
	if len(out) != len(bumps) {
		return nil, ErrNotFound
	}
	return out, nil
}

// CreateMessages inserts ms in one statement and sets their ids;
// ErrConflict when a client_msg_id was used.
func (s *Store) CreateMessages(ctx context.Context, ms []Message) error {
	if len(ms) == 0 {
		return nil
	}
	return translate(s.q(ctx).Create(&ms).Error)
}

// ReadMark is a member's read position in a conversation.
type ReadMark struct{ ConversationID, UserID, Seq int64 }

// SetReadMarks moves members' read marks, one statement for all; it
// reports whether every mark found its member. Callers pass seqs above the
// current marks (the sender's own new message), so no mark moves back.
func (s *Store) SetReadMarks(ctx context.Context, marks []ReadMark) (bool, error) {
	if len(marks) == 0 {
		return true, nil
	}
	var set, where strings.Builder
	setArgs := make([]any, 0, 3*len(marks))
	whereArgs := make([]any, 0, 2*len(marks))
	set.WriteString("UPDATE conversation_members SET read_seq = CASE")
	where.WriteString(" ELSE read_seq END WHERE")
	for i, m := range marks {
		set.WriteString(" WHEN conversation_id = ? AND user_id = ? THEN CAST(? AS BIGINT)")
		setArgs = append(setArgs, m.ConversationID, m.UserID, m.Seq)
		if i > 0 {
			where.WriteString(" OR")
		}
		where.WriteString(" (conversation_id = ? AND user_id = ?)")
		whereArgs = append(whereArgs, m.ConversationID, m.UserID)
	}
	res := s.q(ctx).Exec(set.String()+where.String(), append(setArgs, whereArgs...)...)
	if res.Error != nil {
		return false, res.Error
	}
	return res.RowsAffected == int64(len(marks)), nil
}
