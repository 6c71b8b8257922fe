package store

import (
	"context"
	"time"
)

// JobOutbox is a background job whose enqueue failed (Redis away): it is
// kept here and enqueued again until Redis takes it.
type JobOutbox struct {
	ID            int64 `gorm:"primaryKey"`
	Type          string
	Payload       string
	Spec          string // JSON: queue, run time, uniqueness, retries
	Attempts      int
	LastError     string
	NextAttemptAt time.Time
	CreatedAt     time.Time
}

// TableName names the outbox table.
func (JobOutbox) TableName() string { return "job_outbox" }

func jobModels() []any { return []any{&JobOutbox{}} }

// AddOutboxJob stores a job to enqueue later.
func (s *Store) AddOutboxJob(ctx context.Context, j *JobOutbox) error {
	return s.q(ctx).Create(j).Error
}

// DueOutboxJobs lists up to limit jobs due at now, oldest first.
func (s *Store) DueOutboxJobs(ctx context.Context, now time.Time, limit int) ([]JobOutbox, error) {
	var out []JobOutbox
	err := s.q(ctx).Where("next_attempt_at <= ?", now).Order("id").Limit(limit).Find(&out).Error
	return out, err
}

// ClaimOutboxJob pushes a due job's next attempt to until; only the node
// that gets true tries it now.
func (s *Store) ClaimOutboxJob(ctx context.Context, id int64, now, until time.Time) (bool, error) {
	res := s.q(ctx).Model(&JobOutbox{}).Where("id = ? AND next_attempt_at <= ?", id, now).Update("next_attempt_at", until)
	return res.RowsAffected == 1, res.Error
}

// RescheduleOutboxJob records a failed attempt.
func (s *Store) RescheduleOutboxJob(ctx context.Context, id int64, next time.Time, lastErr string) error {
	return s.q(ctx).Model(&JobOutbox{}).Where("id = ?", id).
		Updates(map[string]any{"next_attempt_at": next, "last_error": lastErr, "attempts": clauseExpr("attempts + 1")}).Error
}

// DeleteOutboxJob removes a job Redis has taken.
func (s *Store) DeleteOutboxJob(ctx context.Context, id int64) error {
	return s.q(ctx).Delete(&JobOutbox{}, id).Error
}

// CountOutboxJobs counts jobs waiting for Redis.
func (s *Store) CountOutboxJobs(ctx context.Context) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&JobOutbox{}).Count(&n).Error
	return n, err
}
