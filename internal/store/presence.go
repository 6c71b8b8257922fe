package store

import (
	"context"
	"time"
)

// SetLastSeen stamps when a user's last realtime session closed.
func (s *Store) SetLastSeen(ctx context.Context, userID int64, at time.Time) error {
	return s.q(ctx).Model(&User{}).Where("id = ?", userID).UpdateColumn("last_seen_at", at).Error
}
