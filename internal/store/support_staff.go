package store

import (
	"context"
	"fmt"
)

// staffRule is the one statement of who serves a site now, over a user row
// u and a site id expression: an enabled admin, or an enabled agent in one
// of the site's queues. Every check and every audience of support
// conversations is drawn from it at the moment of asking, so a change of
// role, queues, teams or the disabling of an account takes effect at once.
// A member of a team serving one of the site's queues serves the site.
// Queue rows of someone demoted stay, and count for nothing.
func staffRule(site string) string {
	return fmt.Sprintf(`u.disabled_at IS NULL AND (u.role = 'admin' OR (u.role = 'agent' AND EXISTS (
		SELECT 1 FROM queues q WHERE q.site_id = %s AND (
			EXISTS (SELECT 1 FROM queue_agents qa WHERE qa.queue_id = q.id AND qa.user_id = u.id)
			OR EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = q.team_id AND tm.user_id = u.id)))))`, site)
}

// IsSiteStaff reports whether a user serves a site now (see staffRule).
func (s *Store) IsSiteStaff(ctx context.Context, siteID, userID int64) (bool, error) {
	var n int64
	err := s.q(ctx).Table("users AS u").Where("u.id = ? AND "+staffRule("?"), userID, siteID).Count(&n).Error
	return n > 0, err
}

// IsSiteAgent reports whether a user is an enabled agent or admin in one
// of a site's queues now, directly or through a team serving it.
func (s *Store) IsSiteAgent(ctx context.Context, siteID, userID int64) (bool, error) {
	var n int64
	err := s.q(ctx).Table("users AS u").
		Where(`u.id = ? AND u.disabled_at IS NULL AND u.role IN ('agent', 'admin') AND (EXISTS (
			SELECT 1 FROM queue_agents qa JOIN queues q ON q.id = qa.queue_id WHERE q.site_id = ? AND qa.user_id = u.id) OR EXISTS (
			SELECT 1 FROM team_members tm JOIN queues q ON q.team_id = tm.team_id WHERE q.site_id = ? AND tm.user_id = u.id))`,
			userID, siteID, siteID).Count(&n).Error
	return n > 0, err
}

// SiteStaffIDs lists the users who serve a site now, by id.
func (s *Store) SiteStaffIDs(ctx context.Context, siteID int64) ([]int64, error) {
	var ids []int64
	err := s.q(ctx).Table("users AS u").Where(staffRule("?"), siteID).Order("u.id").Pluck("u.id", &ids).Error
	return ids, err
}

// SiteStaffAmong returns those of userIDs who serve a site now, by id.
func (s *Store) SiteStaffAmong(ctx context.Context, siteID int64, userIDs []int64) ([]int64, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	var ids []int64
	err := s.q(ctx).Table("users AS u").Where("u.id IN ? AND "+staffRule("?"), userIDs, siteID).Order("u.id").Pluck("u.id", &ids).Error
	return ids, err
}
