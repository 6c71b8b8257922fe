package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// LockUsers serialises changes that involve these users (friend requests,
// friendships, categories) until the transaction ends. On SQLite every
// write transaction already holds the database's write lock.
func (s *Store) LockUsers(ctx context.Context, ids ...int64) error {
	if s.dialect != Postgres || len(ids) == 0 {
		return nil
	}
	var got []int64
	return s.q(ctx).Model(&User{}).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("id IN ?", ids).Order("id").Pluck("id", &got).Error
}

// Friendship returns userID's side of the friendship with friendID, or
// ErrNotFound when they are not friends.
func (s *Store) Friendship(ctx context.Context, userID, friendID int64) (*Friendship, error) {
	var f Friendship
	if err := s.q(ctx).Where("user_id = ? AND friend_id = ?", userID, friendID).First(&f).Error; err != nil {
		return nil, translate(err)
	}
	return &f, nil
}

// CreateFriendship inserts both sides of a friendship; ErrConflict when
// either exists.
func (s *Store) CreateFriendship(ctx context.Context, a, b int64, at time.Time) error {
	rows := []Friendship{{UserID: a, FriendID: b, CreatedAt: at}, {UserID: b, FriendID: a, CreatedAt: at}}
	return translate(s.q(ctx).Create(&rows).Error)
}

// DeleteFriendship removes both sides; it reports whether there was any.
func (s *Store) DeleteFriendship(ctx context.Context, a, b int64) (bool, error) {
	res := s.q(ctx).Where("(user_id = ? AND friend_id = ?) OR (user_id = ? AND friend_id = ?)", a, b, b, a).Delete(&Friendship{})
	return res.RowsAffected > 0, res.Error
}

// FriendshipUpdate is a change of one side of a friendship: unset fields
// stay as they are.
type FriendshipUpdate struct {
	Remark     *string
	CategoryID Null[int64]
}

// UpdateFriendship writes the fields u sets of userID's side.
func (s *Store) UpdateFriendship(ctx context.Context, userID, friendID int64, u FriendshipUpdate) error {
	c := columns{}
	putPtr(c, "remark", u.Remark)
	putNull(c, "category_id", u.CategoryID)
	return s.update(ctx, &Friendship{}, c, "user_id = ? AND friend_id = ?", userID, friendID)
}

// FriendRow is one friend in a user's list, with the friend's public
// profile and the key the list is sorted by.
type FriendRow struct {
	FriendID   int64
	Remark     string
	CategoryID *int64
	CreatedAt  time.Time
	Username   string
	Nickname   string
	AvatarURL  string
	LastSeenAt *time.Time
	SortKey    string
}

// FriendCursor is where a page of friends continues.
type FriendCursor struct {
	SortKey  string
	FriendID int64
}

func (s *Store) friendRows(ctx context.Context, userID int64) *gorm.DB {
	return s.q(ctx).Table("friendships AS f").
		Select("f.friend_id, f.remark, f.category_id, f.created_at, u.username, u.nickname, u.avatar_url, u.last_seen_at, LOWER(u.nickname) AS sort_key").
		Joins("JOIN users u ON u.id = f.friend_id").
		Where("f.user_id = ?", userID)
}

// FriendRow returns one friend of userID's list, or ErrNotFound.
func (s *Store) FriendRow(ctx context.Context, userID, friendID int64) (*FriendRow, error) {
	var rows []FriendRow
	if err := s.friendRows(ctx, userID).Where("f.friend_id = ?", friendID).Limit(1).Scan(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	return &rows[0], nil
}

// FriendsPage lists userID's friends by nickname (case-insensitive), then
// id, starting after cursor (nil for the first page).
func (s *Store) FriendsPage(ctx context.Context, userID int64, after *FriendCursor, limit int) ([]FriendRow, error) {
	q := s.friendRows(ctx, userID)
	if after != nil {
		q = q.Where("LOWER(u.nickname) > ? OR (LOWER(u.nickname) = ? AND u.id > ?)", after.SortKey, after.SortKey, after.FriendID)
	}
	var rows []FriendRow
	err := q.Order("sort_key").Order("f.friend_id").Limit(limit).Scan(&rows).Error
	return rows, err
}

// VisibleFriendIDs returns userID's friends with no block between them
// either way: the people who may see userID's presence.
func (s *Store) VisibleFriendIDs(ctx context.Context, userID int64) ([]int64, error) {
	var ids []int64
	err := s.q(ctx).Table("friendships AS f").Where("f.user_id = ?", userID).
		Where("NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.user_id = f.user_id AND b.blocked_id = f.friend_id) OR (b.user_id = f.friend_id AND b.blocked_id = f.user_id))").
		Order("f.friend_id").Pluck("f.friend_id", &ids).Error
	return ids, err
}

// ClearCategory moves userID's friends out of a category.
func (s *Store) ClearCategory(ctx context.Context, userID, categoryID int64) error {
	return s.q(ctx).Model(&Friendship{}).Where("user_id = ? AND category_id = ?", userID, categoryID).
		Update("category_id", nil).Error
}

// CreateFriendRequest inserts r; ErrConflict when a pending request in the
// same direction exists.
func (s *Store) CreateFriendRequest(ctx context.Context, r *FriendRequest) error {
	return translate(s.q(ctx).Create(r).Error)
}

// FriendRequestByID returns one request or ErrNotFound.
func (s *Store) FriendRequestByID(ctx context.Context, id int64) (*FriendRequest, error) {
	var r FriendRequest
	if err := s.q(ctx).First(&r, id).Error; err != nil {
		return nil, translate(err)
	}
	return &r, nil
}

// PendingFriendRequest returns the pending request from fromID to toID, or
// ErrNotFound.
func (s *Store) PendingFriendRequest(ctx context.Context, fromID, toID int64) (*FriendRequest, error) {
	var r FriendRequest
	if err := s.q(ctx).Where("from_id = ? AND to_id = ? AND status = ?", fromID, toID, "pending").First(&r).Error; err != nil {
		return nil, translate(err)
	}
	return &r, nil
}

// DecideFriendRequest moves a pending request to status; it reports false
// when the request was no longer pending.
func (s *Store) DecideFriendRequest(ctx context.Context, id int64, status string, at time.Time) (bool, error) {
	res := s.q(ctx).Model(&FriendRequest{}).Where("id = ? AND status = ?", id, "pending").
		Updates(map[string]any{"status": status, "decided_at": at})
	return res.RowsAffected == 1, res.Error
}

// PendingFriendRequests lists pending requests to userID (incoming) or
// from userID (outgoing), newest first, with ids below beforeID when > 0.
func (s *Store) PendingFriendRequests(ctx context.Context, userID int64, incoming bool, beforeID int64, limit int) ([]FriendRequest, error) {
	col := "from_id"
	if incoming {
		col = "to_id"
	}
	q := s.q(ctx).Where(col+" = ? AND status = ?", userID, "pending")
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	var rs []FriendRequest
	err := q.Order("id DESC").Limit(limit).Find(&rs).Error
	return rs, err
}

// DeletePendingFriendRequests removes pending requests between a and b,
// in both directions. The status is written in the SQL, not bound: SQLite
// 3.53 and 3.54 fail this OR of two index lookups with "internal query
// planner error" when the column of the partial index's WHERE
// (friend_requests_pending_key) is compared with a bound parameter.
func (s *Store) DeletePendingFriendRequests(ctx context.Context, a, b int64) error {
	return s.q(ctx).Where("status = 'pending' AND ((from_id = ? AND to_id = ?) OR (from_id = ? AND to_id = ?))", a, b, b, a).
		Delete(&FriendRequest{}).Error
}
