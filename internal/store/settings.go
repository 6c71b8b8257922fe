package store

import (
	"context"
	"time"
)

// InsertSetting stores key once; ErrConflict if it already exists. Used as
// a once-only latch (e.g. first-run setup).
func (s *Store) InsertSetting(ctx context.Context, key, value string) error {
	return translate(s.q(ctx).Create(&AppSetting{Key: key, Value: value, UpdatedAt: time.Now().UTC()}).Error)
}

// Setting returns one setting's value or ErrNotFound.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var a AppSetting
	if err := s.q(ctx).Where("key = ?", key).First(&a).Error; err != nil {
		return "", translate(err)
	}
	return a.Value, nil
}
