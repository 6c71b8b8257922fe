package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// AddCodeOf returns a user's add-me code or ErrNotFound.
func (s *Store) AddCodeOf(ctx context.Context, userID int64) (*AddCode, error) {
	var c AddCode
	if err := s.q(ctx).Where("user_id = ?", userID).First(&c).Error; err != nil {
		return nil, translate(err)
	}
	return &c, nil
}

// AddCodeByCode returns the add-me code with this value or ErrNotFound.
func (s *Store) AddCodeByCode(ctx context.Context, code string) (*AddCode, error) {
	var c AddCode
	if err := s.q(ctx).Where("code = ?", code).First(&c).Error; err != nil {
		return nil, translate(err)
	}
	return &c, nil
}

// CreateAddCode inserts c; ErrConflict when the user has one already (or,
// improbably, the code is taken).
func (s *Store) CreateAddCode(ctx context.Context, c *AddCode) error {
	return translate(s.q(ctx).Create(c).Error)
}

// ReplaceAddCode sets a user's code, creating the row when there is none.
func (s *Store) ReplaceAddCode(ctx context.Context, userID int64, code string, at time.Time) error {
	c := &AddCode{UserID: userID, Code: code, CreatedAt: at}
	return translate(s.q(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"code", "created_at"}),
	}).Create(c).Error)
}
