package store

import (
	"context"
	"time"
)

// AuditEntry is one line of the admin action log: who did what to whom,
// from where and when. Detail is a small JSON object without secrets.
type AuditEntry struct {
	ID         int64 `gorm:"primaryKey"`
	ActorID    *int64
	Action     string
	TargetType string
	TargetID   int64
	Detail     string
	IP         string `gorm:"column:ip"`
	CreatedAt  time.Time
}

// TableName names the action log table.
func (AuditEntry) TableName() string { return "audit_log" }

// CreateAuditEntry appends to the action log.
func (s *Store) CreateAuditEntry(ctx context.Context, e *AuditEntry) error {
	return translate(s.q(ctx).Create(e).Error)
}

// AuditFilter narrows the action log; zero fields match everything.
type AuditFilter struct {
	ActorID  int64
	Action   string
	BeforeID int64
}

// AuditEntries lists the action log newest first.
func (s *Store) AuditEntries(ctx context.Context, f AuditFilter, limit int) ([]AuditEntry, error) {
	q := s.q(ctx).Model(&AuditEntry{})
	if f.ActorID != 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.BeforeID != 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	var out []AuditEntry
	err := q.Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}
