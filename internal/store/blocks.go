package store

import (
	"context"

	"gorm.io/gorm/clause"
)

// CreateBlock records that b.UserID blocked b.BlockedID; blocking twice is
// not an error.
func (s *Store) CreateBlock(ctx context.Context, b *Block) error {
	return s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(b).Error
}

// DeleteBlock lifts userID's block of blockedID, if any.
func (s *Store) DeleteBlock(ctx context.Context, userID, blockedID int64) error {
	return s.q(ctx).Where("user_id = ? AND blocked_id = ?", userID, blockedID).Delete(&Block{}).Error
}

// Blocked reports whether either user blocked the other.
func (s *Store) Blocked(ctx context.Context, a, b int64) (bool, error) {
	var n int64
	err := s.q(ctx).Model(&Block{}).
		Where("(user_id = ? AND blocked_id = ?) OR (user_id = ? AND blocked_id = ?)", a, b, b, a).Count(&n).Error
	return n > 0, err
}

// BlockedAmong returns which of ids have a block with userID, either way.
func (s *Store) BlockedAmong(ctx context.Context, userID int64, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	var bs []Block
	err := s.q(ctx).Where("(user_id = ? AND blocked_id IN ?) OR (blocked_id = ? AND user_id IN ?)", userID, ids, userID, ids).Find(&bs).Error
	for _, b := range bs {
		if b.UserID == userID {
			out[b.BlockedID] = true
		} else {
			out[b.UserID] = true
		}
	}
	return out, err
}

// BlockedUsers returns the users userID blocked, most recent first.
func (s *Store) BlockedUsers(ctx context.Context, userID int64) ([]User, error) {
	var us []User
	err := s.q(ctx).Table("users").Select("users.*").
		Joins("JOIN blocks b ON b.blocked_id = users.id AND b.user_id = ?", userID).
		Order("b.created_at DESC").Order("users.id").Find(&us).Error
	return us, err
}

// HasBlocked reports whether userID blocked blockedID.
func (s *Store) HasBlocked(ctx context.Context, userID, blockedID int64) (bool, error) {
	var n int64
	err := s.q(ctx).Model(&Block{}).Where("user_id = ? AND blocked_id = ?", userID, blockedID).Count(&n).Error
	return n > 0, err
}
