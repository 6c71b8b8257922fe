package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// PushSubscription is one browser's Web Push subscription of a user.
type PushSubscription struct {
	ID        int64 `gorm:"primaryKey"`
	UserID    int64
	Endpoint  string
	P256dh    string `gorm:"column:p256dh"`
	Auth      string
	UserAgent string
	CreatedAt time.Time
}

// SavePushSubscription stores p, or, when its endpoint is stored already,
// gives that row to p's user with p's keys (a browser subscribes again,
// or another account signs in on it), and fills p from the row. It
// reports whether the row is new. max bounds the user's subscriptions:
// ErrLimit when a new one would pass it.
func (s *Store) SavePushSubscription(ctx context.Context, p *PushSubscription, max int) (bool, error) {
	created := false
	err := s.Tx(ctx, func(tx *Store) error {
		var old PushSubscription
		err := tx.q(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("endpoint = ?", p.Endpoint).First(&old).Error
		switch {
		case err == nil:
			if old.UserID != p.UserID {
				if err := tx.pushRoom(ctx, p.UserID, max); err != nil {
					return err
				}
			}
			p.ID, p.CreatedAt = old.ID, old.CreatedAt
			return tx.q(ctx).Model(&PushSubscription{}).Where("id = ?", old.ID).
				Updates(map[string]any{"user_id": p.UserID, "p256dh": p.P256dh, "auth": p.Auth, "user_agent": p.UserAgent}).Error
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}
		if err := tx.pushRoom(ctx, p.UserID, max); err != nil {
			return err
		}
		created = true
		return translate(tx.q(ctx).Create(p).Error)
	})
	return created, err
}

// ErrLimit is returned when a bound on the rows of one owner is reached.
var ErrLimit = errors.New("store: limit reached")

func (s *Store) pushRoom(ctx context.Context, userID int64, max int) error {
	var n int64
	if err := s.q(ctx).Model(&PushSubscription{}).Where("user_id = ?", userID).Count(&n).Error; err != nil {
		return err
	}
	if n >= int64(max) {
		return ErrLimit
	}
	return nil
}

// PushSubscriptionsOf lists a user's subscriptions, oldest first.
func (s *Store) PushSubscriptionsOf(ctx context.Context, userID int64) ([]PushSubscription, error) {
	var out []PushSubscription
	err := s.q(ctx).Where("user_id = ?", userID).Order("id").Find(&out).Error
	return out, err
}

// DeletePushSubscription removes a user's subscription; ErrNotFound when
// the user has none of that id.
func (s *Store) DeletePushSubscription(ctx context.Context, userID, id int64) error {
	res := s.q(ctx).Where("id = ? AND user_id = ?", id, userID).Delete(&PushSubscription{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// DeletePushEndpoint removes the subscription of an endpoint the push
// service says is gone, if it still has those keys (a browser that
// subscribed again meanwhile keeps its new row).
func (s *Store) DeletePushEndpoint(ctx context.Context, id int64, p256dh string) error {
	return s.q(ctx).Where("id = ? AND p256dh = ?", id, p256dh).Delete(&PushSubscription{}).Error
}

// PushSubscribersAmong returns those of userIDs who have a subscription.
func (s *Store) PushSubscribersAmong(ctx context.Context, userIDs []int64) ([]int64, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	var out []int64
	err := s.q(ctx).Model(&PushSubscription{}).Distinct("user_id").Where("user_id IN ?", userIDs).Pluck("user_id", &out).Error
	return out, err
}

// ClaimPush stamps the member as pushed at now by job unless another
// job's push was claimed since windowStart; as ClaimDigest for the mail.
func (s *Store) ClaimPush(ctx context.Context, conversationID, userID int64, job string, now, windowStart time.Time) (bool, error) {
	return s.claimWindow(ctx, "pushed", conversationID, userID, job, now, windowStart)
}

// ReleasePush puts back the member's previous push stamp after a push
// that could not be sent.
func (s *Store) ReleasePush(ctx context.Context, conversationID, userID int64, previous *time.Time, previousJob *string) error {
	return s.releaseWindow(ctx, "pushed", conversationID, userID, previous, previousJob)
}
