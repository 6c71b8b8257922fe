package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// GroupRow is a group with the viewer's role in it.
type GroupRow struct {
	Group
	Role        string
	MemberCount int64
}

// CreateGroup inserts g; ErrConflict when its number is taken.
func (s *Store) CreateGroup(ctx context.Context, g *Group) error {
	return translate(s.q(ctx).Create(g).Error)
}

// GroupByID returns a group or ErrNotFound.
func (s *Store) GroupByID(ctx context.Context, id int64) (*Group, error) {
	var g Group
	if err := s.q(ctx).First(&g, id).Error; err != nil {
		return nil, translate(err)
	}
	return &g, nil
}

// GroupByIDForUpdate returns a group locked until the transaction ends, so
// that member counts checked against its cap stay true.
func (s *Store) GroupByIDForUpdate(ctx context.Context, id int64) (*Group, error) {
	var g Group
	q := s.q(ctx)
	if s.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.First(&g, id).Error; err != nil {
		return nil, translate(err)
	}
	return &g, nil
}

// GroupByNumber returns the group with this public number.
func (s *Store) GroupByNumber(ctx context.Context, number int64) (*Group, error) {
	var g Group
	if err := s.q(ctx).Where("number = ?", number).First(&g).Error; err != nil {
		return nil, translate(err)
	}
	return &g, nil
}

// GroupByConversation returns the group whose conversation this is.
func (s *Store) GroupByConversation(ctx context.Context, conversationID int64) (*Group, error) {
	var g Group
	if err := s.q(ctx).Where("conversation_id = ?", conversationID).First(&g).Error; err != nil {
		return nil, translate(err)
	}
	return &g, nil
}

// GroupsForUser lists the groups a user belongs to, newest first, with
// their role and member counts.
func (s *Store) GroupsForUser(ctx context.Context, userID int64, afterID int64, limit int) ([]GroupRow, error) {
	q := s.q(ctx).Table("chat_groups AS g").
		Select("g.*, m.role, (SELECT COUNT(*) FROM conversation_members cm WHERE cm.conversation_id = g.conversation_id) AS member_count").
		Joins("JOIN conversation_members m ON m.conversation_id = g.conversation_id AND m.user_id = ?", userID)
	if afterID > 0 {
		q = q.Where("g.id < ?", afterID)
	}
	var rows []GroupRow
	err := q.Order("g.id DESC").Limit(limit).Scan(&rows).Error
	return rows, err
}

// GroupUpdate is a change of a group: nil fields stay as they are.
type GroupUpdate struct {
	Name      *string
	AvatarURL *string
	// AvatarUploadID is set (to an upload, or to null) with AvatarURL.
	AvatarUploadID Null[int64]
	Announcement   *string
	JoinPolicy     *string
	MuteAll        *bool
	OwnerID        *int64
}

// UpdateGroup writes the fields u sets, and the time of the change.
func (s *Store) UpdateGroup(ctx context.Context, id int64, u GroupUpdate) error {
	c := columns{}
	putPtr(c, "name", u.Name)
	putPtr(c, "avatar_url", u.AvatarURL)
	putNull(c, "avatar_upload_id", u.AvatarUploadID)
	putPtr(c, "announcement", u.Announcement)
	putPtr(c, "join_policy", u.JoinPolicy)
	putPtr(c, "mute_all", u.MuteAll)
	putPtr(c, "owner_id", u.OwnerID)
	c["updated_at"] = time.Now().UTC()
	return translate(s.q(ctx).Model(&Group{}).Where("id = ?", id).Updates(map[string]any(c)).Error)
}

// DeleteGroup removes a group, its invites and requests, and every
// membership of its conversation. The messages stay in the database.
func (s *Store) DeleteGroup(ctx context.Context, g *Group) error {
	if err := s.q(ctx).Where("group_id = ?", g.ID).Delete(&GroupInvite{}).Error; err != nil {
		return err
	}
	if err := s.q(ctx).Where("group_id = ?", g.ID).Delete(&GroupJoinRequest{}).Error; err != nil {
		return err
	}
	if err := s.q(ctx).Where("conversation_id = ?", g.ConversationID).Delete(&Member{}).Error; err != nil {
		return err
	}
	return s.q(ctx).Delete(&Group{}, g.ID).Error
}

// CountMembers counts the members of a conversation.
func (s *Store) CountMembers(ctx context.Context, conversationID int64) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&Member{}).Where("conversation_id = ?", conversationID).Count(&n).Error
	return n, err
}

// RemoveMember deletes a membership; false if there was none.
func (s *Store) RemoveMember(ctx context.Context, conversationID, userID int64) (bool, error) {
	res := s.q(ctx).Where("conversation_id = ? AND user_id = ?", conversationID, userID).Delete(&Member{})
	return res.RowsAffected == 1, res.Error
}

// MemberUpdate is a change of a membership: unset fields stay as they are.
type MemberUpdate struct {
	Role       *string
	MutedUntil Null[time.Time]
}

// UpdateMember writes the fields u sets of one membership.
func (s *Store) UpdateMember(ctx context.Context, conversationID, userID int64, u MemberUpdate) error {
	c := columns{}
	putPtr(c, "role", u.Role)
	putNull(c, "muted_until", u.MutedUntil)
	return s.update(ctx, &Member{}, c, "conversation_id = ? AND user_id = ?", conversationID, userID)
}

// MembersPage returns members of a conversation by user id, after afterUserID.
func (s *Store) MembersPage(ctx context.Context, conversationID, afterUserID int64, limit int) ([]Member, error) {
	var ms []Member
	err := s.q(ctx).Where("conversation_id = ? AND user_id > ?", conversationID, afterUserID).
		Order("user_id").Limit(limit).Find(&ms).Error
	return ms, err
}

// CreateJoinRequest inserts r; ErrConflict when one is already pending.
func (s *Store) CreateJoinRequest(ctx context.Context, r *GroupJoinRequest) error {
	return translate(s.q(ctx).Create(r).Error)
}

// JoinRequestByID returns one join request of a group.
func (s *Store) JoinRequestByID(ctx context.Context, groupID, id int64) (*GroupJoinRequest, error) {
	var r GroupJoinRequest
	if err := s.q(ctx).Where("group_id = ? AND id = ?", groupID, id).First(&r).Error; err != nil {
		return nil, translate(err)
	}
	return &r, nil
}

// PendingJoinRequests lists a group's pending requests, oldest first.
func (s *Store) PendingJoinRequests(ctx context.Context, groupID int64, limit int) ([]GroupJoinRequest, error) {
	var rs []GroupJoinRequest
	err := s.q(ctx).Where("group_id = ? AND status = 'pending'", groupID).Order("id").Limit(limit).Find(&rs).Error
	return rs, err
}

// DecideJoinRequest moves a pending request to status; false if it was
// not pending any more.
func (s *Store) DecideJoinRequest(ctx context.Context, id int64, status string, by int64, at time.Time) (bool, error) {
	res := s.q(ctx).Model(&GroupJoinRequest{}).Where("id = ? AND status = 'pending'", id).
		Updates(map[string]any{"status": status, "decided_by": by, "decided_at": at})
	return res.RowsAffected == 1, res.Error
}

// CreateInvite inserts an invite link.
func (s *Store) CreateInvite(ctx context.Context, inv *GroupInvite) error {
	return translate(s.q(ctx).Create(inv).Error)
}

// InviteByToken returns an invite or ErrNotFound.
func (s *Store) InviteByToken(ctx context.Context, token string) (*GroupInvite, error) {
	var inv GroupInvite
	if err := s.q(ctx).Where("token = ?", token).First(&inv).Error; err != nil {
		return nil, translate(err)
	}
	return &inv, nil
}

// InvitesForGroup lists a group's invites that are not revoked.
func (s *Store) InvitesForGroup(ctx context.Context, groupID int64) ([]GroupInvite, error) {
	var out []GroupInvite
	err := s.q(ctx).Where("group_id = ? AND revoked_at IS NULL", groupID).Order("id DESC").Find(&out).Error
	return out, err
}

// RevokeInvite stamps an invite revoked.
func (s *Store) RevokeInvite(ctx context.Context, groupID int64, token string, at time.Time) (bool, error) {
	res := s.q(ctx).Model(&GroupInvite{}).Where("group_id = ? AND token = ? AND revoked_at IS NULL", groupID, token).Update("revoked_at", at)
	return res.RowsAffected == 1, res.Error
}

// UseInvite counts one use of a live invite; false when it is revoked,
// expired or used up. The check and the count are one statement, so two
// people racing for the last use can't both win.
func (s *Store) UseInvite(ctx context.Context, id int64, now time.Time) (bool, error) {
	res := s.q(ctx).Model(&GroupInvite{}).
		Where("id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) AND (max_uses = 0 OR uses < max_uses)", id, now).
		Update("uses", clauseExpr("uses + 1"))
	return res.RowsAffected == 1, res.Error
}
