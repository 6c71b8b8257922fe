package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// CreateRefreshToken inserts a refresh token row.
func (s *Store) CreateRefreshToken(ctx context.Context, t *RefreshToken) error {
	return translate(s.q(ctx).Create(t).Error)
}

// RefreshTokenByHashForUpdate returns the token with this hash, locked for
// the rest of the transaction.
func (s *Store) RefreshTokenByHashForUpdate(ctx context.Context, hash string) (*RefreshToken, error) {
	var t RefreshToken
	q := s.q(ctx)
	if s.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Where("token_hash = ?", hash).First(&t).Error; err != nil {
		return nil, translate(err)
	}
	return &t, nil
}

// MarkRefreshTokenUsed marks a token rotated; false if it already was.
func (s *Store) MarkRefreshTokenUsed(ctx context.Context, id int64, at time.Time) (bool, error) {
	res := s.q(ctx).Model(&RefreshToken{}).Where("id = ? AND used_at IS NULL", id).Update("used_at", at)
	return res.RowsAffected == 1, res.Error
}

// RevokeRefreshFamily revokes every token of a family.
func (s *Store) RevokeRefreshFamily(ctx context.Context, family string, at time.Time) error {
	return s.q(ctx).Model(&RefreshToken{}).Where("family_id = ? AND revoked_at IS NULL", family).Update("revoked_at", at).Error
}

// RevokeUserRefreshTokens revokes every refresh token of a user.
func (s *Store) RevokeUserRefreshTokens(ctx context.Context, userID int64, at time.Time) error {
	return s.q(ctx).Model(&RefreshToken{}).Where("user_id = ? AND revoked_at IS NULL", userID).Update("revoked_at", at).Error
}

// CreateEmailToken inserts a mailed token.
func (s *Store) CreateEmailToken(ctx context.Context, t *EmailToken) error {
	return translate(s.q(ctx).Create(t).Error)
}

// UseEmailToken marks the unexpired, unused token with this hash and purpose
// used and returns it; ErrNotFound when there is none.
func (s *Store) UseEmailToken(ctx context.Context, hash, purpose string, now time.Time) (*EmailToken, error) {
	var t EmailToken
	if err := s.q(ctx).Where("token_hash = ? AND purpose = ?", hash, purpose).First(&t).Error; err != nil {
		return nil, translate(err)
	}
	if t.UsedAt != nil || !t.ExpiresAt.After(now) {
		return nil, ErrNotFound
	}
	res := s.q(ctx).Model(&EmailToken{}).Where("id = ? AND used_at IS NULL", t.ID).Update("used_at", now)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, ErrNotFound
	}
	return &t, nil
}
