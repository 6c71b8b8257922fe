package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// OutboxJob is a background job a change decided: written in the change's
// transaction, handed to the job queue when due, marked done when its
// handler has finished with it. Until then it is handed again, so a job
// never waits only in Redis.
type OutboxJob struct {
	ID             int64 `gorm:"primaryKey"`
	Type           string
	Payload        string
	Queue          string // without the deployment's prefix
	MaxRetry       int
	TimeoutSeconds int
	RunAt          time.Time
	// DedupeKey folds repeats of a job into the one already written while
	// DedupeUntil has not passed; nil for jobs that never fold.
	DedupeKey   *string
	DedupeUntil *time.Time
	HandedAt    *time.Time
	Attempts    int // failed hand-overs
	LastError   string
	DoneAt      *time.Time
	CreatedAt   time.Time
}

// TableName names the outbox table.
func (OutboxJob) TableName() string { return "outbox_jobs" }

func jobModels() []any { return []any{&OutboxJob{}} }

// AddOutboxJob writes a job, inside the caller's transaction when s is
// one. A job with a dedupe key that a live row already holds is folded
// into that row: added is false. A key whose window has passed is taken
// from its old row (which still runs if it has not) by the new one.
func (s *Store) AddOutboxJob(ctx context.Context, j *OutboxJob) (added bool, err error) {
	if j.DedupeKey != nil {
		if err := s.q(ctx).Model(&OutboxJob{}).
			Where("dedupe_key = ? AND dedupe_until <= ?", *j.DedupeKey, j.CreatedAt).
			Update("dedupe_key", nil).Error; err != nil {
			return false, err
		}
	}
	res := s.q(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "dedupe_key"}}, DoNothing: true}).Create(j)
	return res.RowsAffected == 1, res.Error
}

// OutboxJobsToHand lists up to limit jobs not done whose run time is at
// or before horizon and that were never handed or last handed at or
// before handedBefore, soonest first.
func (s *Store) OutboxJobsToHand(ctx context.Context, horizon, handedBefore time.Time, limit int) ([]OutboxJob, error) {
	var out []OutboxJob
	err := s.q(ctx).Where("done_at IS NULL AND run_at <= ? AND (handed_at IS NULL OR handed_at <= ?)", horizon, handedBefore).
		Order("run_at, id").Limit(limit).Find(&out).Error
	return out, err
}

// MarkOutboxJobsHanded records that the job queue took these jobs at t.
func (s *Store) MarkOutboxJobsHanded(ctx context.Context, ids []int64, t time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	return s.q(ctx).Model(&OutboxJob{}).Where("id IN ?", ids).Update("handed_at", t).Error
}

// RecordOutboxHandFailure notes that the job queue could not take a job.
func (s *Store) RecordOutboxHandFailure(ctx context.Context, id int64, lastErr string) error {
	return s.q(ctx).Model(&OutboxJob{}).Where("id = ?", id).
		Updates(map[string]any{"last_error": lastErr, "attempts": clauseExpr("attempts + 1")}).Error
}

// OutboxJobPending reports whether a job exists and is not done.
func (s *Store) OutboxJobPending(ctx context.Context, id int64) (bool, error) {
	var n int64
	err := s.q(ctx).Model(&OutboxJob{}).Where("id = ? AND done_at IS NULL", id).Count(&n).Error
	return n == 1, err
}

// MarkOutboxJobDone records that a job's handler finished with it at t:
// it succeeded, or failed for the last time with lastErr.
func (s *Store) MarkOutboxJobDone(ctx context.Context, id int64, t time.Time, lastErr string) error {
	return s.q(ctx).Model(&OutboxJob{}).Where("id = ? AND done_at IS NULL", id).
		Updates(map[string]any{"done_at": t, "last_error": lastErr}).Error
}

// DeleteDoneOutboxJobs removes jobs done before doneBefore whose dedupe
// window has passed by now.
func (s *Store) DeleteDoneOutboxJobs(ctx context.Context, doneBefore, now time.Time) (int64, error) {
	res := s.q(ctx).Where("done_at IS NOT NULL AND done_at <= ? AND (dedupe_until IS NULL OR dedupe_until <= ?)", doneBefore, now).
		Delete(&OutboxJob{})
	return res.RowsAffected, res.Error
}

// OutboxJobsOfType lists the jobs of a type, done or not, oldest first:
// for tests and the operator.
func (s *Store) OutboxJobsOfType(ctx context.Context, typ string) ([]OutboxJob, error) {
	var out []OutboxJob
	err := s.q(ctx).Where("type = ?", typ).Order("id").Find(&out).Error
	return out, err
}

// CountPendingOutboxJobs counts jobs not done yet.
func (s *Store) CountPendingOutboxJobs(ctx context.Context) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&OutboxJob{}).Where("done_at IS NULL").Count(&n).Error
	return n, err
}
