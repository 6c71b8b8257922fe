package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// ConversationMute is a conversation one user muted: no sound, push or
// digest for it until MutedUntil (nil: for ever).
type ConversationMute struct {
	UserID         int64 `gorm:"primaryKey;autoIncrement:false"`
	ConversationID int64 `gorm:"primaryKey;autoIncrement:false"`
	MutedUntil     *time.Time
	UpdatedAt      time.Time
}

// NotificationSetting holds a user's do-not-disturb hours: local times of
// day ("22:00", "08:00") in an IANA time zone. No row: no quiet hours.
type NotificationSetting struct {
	UserID      int64 `gorm:"primaryKey;autoIncrement:false"`
	DNDStart    string
	DNDEnd      string
	DNDTimeZone string
	UpdatedAt   time.Time
}

func notificationModels() []any { return []any{&ConversationMute{}, &NotificationSetting{}} }

// PutConversationMute mutes a conversation for a user, replacing any
// earlier mute.
func (s *Store) PutConversationMute(ctx context.Context, m *ConversationMute) error {
	return translate(s.q(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}, {Name: "conversation_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"muted_until", "updated_at"}),
	}).Create(m).Error)
}

// DeleteConversationMute unmutes a conversation for a user.
func (s *Store) DeleteConversationMute(ctx context.Context, userID, conversationID int64) error {
	return s.q(ctx).Where("user_id = ? AND conversation_id = ?", userID, conversationID).Delete(&ConversationMute{}).Error
}

// ConversationMutes returns the user's mutes of these conversations, keyed
// by conversation (expired ones included: the caller knows the time).
func (s *Store) ConversationMutes(ctx context.Context, userID int64, conversationIDs []int64) (map[int64]*ConversationMute, error) {
	out := map[int64]*ConversationMute{}
	if len(conversationIDs) == 0 {
		return out, nil
	}
	var ms []ConversationMute
	if err := s.q(ctx).Where("user_id = ? AND conversation_id IN ?", userID, conversationIDs).Find(&ms).Error; err != nil {
		return nil, err
	}
	for i := range ms {
		out[ms[i].ConversationID] = &ms[i]
	}
	return out, nil
}

// NotificationSettingOf returns a user's do-not-disturb hours, or
// ErrNotFound when they set none.
func (s *Store) NotificationSettingOf(ctx context.Context, userID int64) (*NotificationSetting, error) {
	var n NotificationSetting
	if err := s.q(ctx).Where("user_id = ?", userID).First(&n).Error; err != nil {
		return nil, translate(err)
	}
	return &n, nil
}

// PutNotificationSetting sets a user's do-not-disturb hours.
func (s *Store) PutNotificationSetting(ctx context.Context, n *NotificationSetting) error {
	return translate(s.q(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"dnd_start", "dnd_end", "dnd_time_zone", "updated_at"}),
	}).Create(n).Error)
}

// DeleteNotificationSetting turns a user's do-not-disturb hours off.
func (s *Store) DeleteNotificationSetting(ctx context.Context, userID int64) error {
	return s.q(ctx).Where("user_id = ?", userID).Delete(&NotificationSetting{}).Error
}
