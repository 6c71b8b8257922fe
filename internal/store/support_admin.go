package store

import (
	"context"
)

// QueueUpdate is a change of a queue: nil fields stay as they are.
type QueueUpdate struct {
	Name           *string
	AssignTimeoutS *int
	IsDefault      *bool
	// Service-level targets in seconds (SetNull: none).
	FirstResponseTargetS Null[int]
	ResolutionTargetS    Null[int]
	BotID                Null[int64] // SetNull: no bot first
}

// UpdateQueue writes the fields u sets; ErrNotFound for no such queue.
func (s *Store) UpdateQueue(ctx context.Context, id int64, u QueueUpdate) error {
	c := columns{}
	putPtr(c, "name", u.Name)
	putPtr(c, "assign_timeout_s", u.AssignTimeoutS)
	putPtr(c, "is_default", u.IsDefault)
	putNull(c, "first_response_target_s", u.FirstResponseTargetS)
	putNull(c, "resolution_target_s", u.ResolutionTargetS)
	putNull(c, "bot_id", u.BotID)
	if len(c) == 0 {
		return nil
	}
	res := s.q(ctx).Model(&Queue{}).Where("id = ?", id).Updates(map[string]any(c))
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// ClearDefaultQueue makes no queue of the site the default.
func (s *Store) ClearDefaultQueue(ctx context.Context, siteID int64) error {
	return s.q(ctx).Model(&Queue{}).Where("site_id = ?", siteID).Update("is_default", false).Error
}

// CountOpenInQueue counts the queue's conversations that are not resolved.
func (s *Store) CountOpenInQueue(ctx context.Context, queueID int64) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&SupportConversation{}).Where("queue_id = ? AND status <> ?", queueID, "resolved").Count(&n).Error
	return n, err
}

// MoveQueueConversations files every conversation of one queue under another.
func (s *Store) MoveQueueConversations(ctx context.Context, from, to int64) error {
	return s.q(ctx).Model(&SupportConversation{}).Where("queue_id = ?", from).Update("queue_id", to).Error
}

// DeleteQueue removes a queue and its agent memberships.
func (s *Store) DeleteQueue(ctx context.Context, id int64) error {
	return translate(s.q(ctx).Delete(&Queue{}, id).Error)
}

// CountSiteConversations counts every support conversation of a site.
func (s *Store) CountSiteConversations(ctx context.Context, siteID int64) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&SupportConversation{}).Where("site_id = ?", siteID).Count(&n).Error
	return n, err
}

// DeleteSite removes a site; its queues, visitors, canned responses and
// webhooks go with it (ON DELETE CASCADE).
func (s *Store) DeleteSite(ctx context.Context, id int64) error {
	return translate(s.q(ctx).Delete(&Site{}, id).Error)
}

// CannedResponseByID returns a canned response or ErrNotFound.
func (s *Store) CannedResponseByID(ctx context.Context, id int64) (*CannedResponse, error) {
	var c CannedResponse
	if err := s.q(ctx).First(&c, id).Error; err != nil {
		return nil, translate(err)
	}
	return &c, nil
}

// CannedResponseUpdate is a change of a canned response: nil fields stay
// as they are.
type CannedResponseUpdate struct {
	Shortcut *string
	Body     *string
}

// UpdateCannedResponse writes the fields u sets; ErrConflict on a taken
// shortcut.
func (s *Store) UpdateCannedResponse(ctx context.Context, id int64, u CannedResponseUpdate) error {
	c := columns{}
	putPtr(c, "shortcut", u.Shortcut)
	putPtr(c, "body", u.Body)
	return s.update(ctx, &CannedResponse{}, c, "id = ?", id)
}

// DeleteCannedResponse removes a canned response.
func (s *Store) DeleteCannedResponse(ctx context.Context, id int64) error {
	return translate(s.q(ctx).Delete(&CannedResponse{}, id).Error)
}
