package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// Team is a group of agents; queues and transfers may name it.
type Team struct {
	ID              int64 `gorm:"primaryKey"`
	Name            string
	Description     string
	DefaultCapacity int
	CreatedAt       time.Time
}

// TeamMember is an agent's membership of a team.
type TeamMember struct {
	TeamID    int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID    int64 `gorm:"primaryKey;autoIncrement:false"`
	CreatedAt time.Time
}

func teamModels() []any { return []any{&Team{}, &TeamMember{}} }

// CreateTeam inserts a team; ErrConflict on a taken name.
func (s *Store) CreateTeam(ctx context.Context, t *Team) error {
	return translate(s.q(ctx).Create(t).Error)
}

// TeamByID returns a team or ErrNotFound.
func (s *Store) TeamByID(ctx context.Context, id int64) (*Team, error) {
	var t Team
	if err := s.q(ctx).First(&t, id).Error; err != nil {
		return nil, translate(err)
	}
	return &t, nil
}

// Teams lists every team by name.
func (s *Store) Teams(ctx context.Context) ([]Team, error) {
	var out []Team
	err := s.q(ctx).Order("LOWER(name)").Order("id").Find(&out).Error
	return out, err
}

// TeamUpdate is a change of a team: nil fields stay as they are.
type TeamUpdate struct {
	Name            *string
	Description     *string
	DefaultCapacity *int
}

// UpdateTeam writes the fields u sets; ErrConflict on a taken name.
func (s *Store) UpdateTeam(ctx context.Context, id int64, u TeamUpdate) error {
	c := columns{}
	putPtr(c, "name", u.Name)
	putPtr(c, "description", u.Description)
	putPtr(c, "default_capacity", u.DefaultCapacity)
	return s.update(ctx, &Team{}, c, "id = ?", id)
}

// DeleteTeam removes a team and its memberships; queues and conversations
// naming it forget it.
func (s *Store) DeleteTeam(ctx context.Context, id int64) error {
	if err := s.q(ctx).Model(&Queue{}).Where("team_id = ?", id).Update("team_id", nil).Error; err != nil {
		return err
	}
	if err := s.q(ctx).Model(&SupportConversation{}).Where("team_id = ?", id).Update("team_id", nil).Error; err != nil {
		return err
	}
	if err := s.q(ctx).Where("team_id = ?", id).Delete(&TeamMember{}).Error; err != nil {
		return err
	}
	return translate(s.q(ctx).Delete(&Team{}, id).Error)
}

// AddTeamMember puts a user in a team (nothing if they are in it).
func (s *Store) AddTeamMember(ctx context.Context, m *TeamMember) error {
	return s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(m).Error
}

// RemoveTeamMember takes a user out of a team and reports whether they were in it.
func (s *Store) RemoveTeamMember(ctx context.Context, teamID, userID int64) (bool, error) {
	res := s.q(ctx).Where("team_id = ? AND user_id = ?", teamID, userID).Delete(&TeamMember{})
	return res.RowsAffected == 1, res.Error
}

// TeamMembers lists the members of the given teams, by team then user.
func (s *Store) TeamMembers(ctx context.Context, teamIDs []int64) ([]TeamMember, error) {
	var out []TeamMember
	if len(teamIDs) == 0 {
		return out, nil
	}
	err := s.q(ctx).Where("team_id IN ?", teamIDs).Order("team_id").Order("user_id").Find(&out).Error
	return out, err
}

// IsTeamMember reports whether a user is in a team.
func (s *Store) IsTeamMember(ctx context.Context, teamID, userID int64) (bool, error) {
	var n int64
	err := s.q(ctx).Model(&TeamMember{}).Where("team_id = ? AND user_id = ?", teamID, userID).Count(&n).Error
	return n > 0, err
}

// UserTeamIDs lists the teams a user is in, by id.
func (s *Store) UserTeamIDs(ctx context.Context, userID int64) ([]int64, error) {
	var ids []int64
	err := s.q(ctx).Model(&TeamMember{}).Where("user_id = ?", userID).Order("team_id").Pluck("team_id", &ids).Error
	return ids, err
}

// SetQueueTeam makes a team serve a queue (nil: no team).
func (s *Store) SetQueueTeam(ctx context.Context, queueID int64, teamID *int64) error {
	return s.q(ctx).Model(&Queue{}).Where("id = ?", queueID).Update("team_id", teamID).Error
}

// SetConversationTeam records the team a support conversation is with (nil: none).
func (s *Store) SetConversationTeam(ctx context.Context, conversationID int64, teamID *int64) error {
	return s.q(ctx).Model(&SupportConversation{}).Where("conversation_id = ?", conversationID).Update("team_id", teamID).Error
}

// TeamCandidates lists the online, connected (or lost after
// connectedSince) members of a team who serve the site, least busy first,
// then idle longest. A member's capacity is theirs in queueID when they
// are its agent, else the team's default.
func (s *Store) TeamCandidates(ctx context.Context, teamID, queueID, siteID int64, connectedSince time.Time) ([]Candidate, error) {
	var out []Candidate
	err := s.q(ctx).Table("team_members AS tm").
		Select(`tm.user_id, COALESCE((SELECT qa.capacity FROM queue_agents qa WHERE qa.queue_id = ? AND qa.user_id = tm.user_id), t.default_capacity) AS capacity,
			a.last_assigned_at, (SELECT COUNT(*) FROM support_conversations sc WHERE sc.assignee_id = tm.user_id AND sc.status = 'assigned') AS load`, queueID).
		Joins("JOIN teams t ON t.id = tm.team_id").
		Joins("JOIN agents a ON a.user_id = tm.user_id").
		Joins("JOIN users u ON u.id = tm.user_id").
		Where("tm.team_id = ? AND a.status = 'online' AND (a.disconnected_at IS NULL OR a.disconnected_at > ?) AND "+staffRule("?"), teamID, connectedSince, siteID).
		Order("load ASC").Order(clauseExpr("a.last_assigned_at IS NOT NULL")).Order("a.last_assigned_at ASC").Order("tm.user_id").
		Scan(&out).Error
	return out, err
}

// TeamCapacity is a user's capacity for a conversation of queueID that
// waits for a team: theirs in the queue when they are its agent, else the
// team's default.
func (s *Store) TeamCapacity(ctx context.Context, teamID, queueID, userID int64) (int, error) {
	var qa QueueAgent
	err := s.q(ctx).Where("queue_id = ? AND user_id = ?", queueID, userID).First(&qa).Error
	if err == nil {
		return qa.Capacity, nil
	}
	if translate(err) != ErrNotFound {
		return 0, err
	}
	t, err := s.TeamByID(ctx, teamID)
	if err != nil {
		return 0, err
	}
	return t.DefaultCapacity, nil
}

// OldestTeamQueued returns the conversations waiting for a team, first come first.
func (s *Store) OldestTeamQueued(ctx context.Context, teamID int64, limit int) ([]SupportConversation, error) {
	var out []SupportConversation
	err := s.q(ctx).Where("team_id = ? AND status = 'queued'", teamID).
		Order("queued_at").Order("conversation_id").Limit(limit).Find(&out).Error
	return out, err
}

// TeamLoad is a user's open load and whether they are online, for lists.
type TeamLoad struct {
	UserID         int64
	Status         string
	DisconnectedAt *time.Time
	Load           int
}

// AgentsLoad returns the status and load of the given users, keyed by id.
func (s *Store) AgentsLoad(ctx context.Context, userIDs []int64) (map[int64]TeamLoad, error) {
	out := map[int64]TeamLoad{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows []TeamLoad
	err := s.q(ctx).Table("users AS u").
		Select("u.id AS user_id, COALESCE(a.status, 'offline') AS status, a.disconnected_at, (SELECT COUNT(*) FROM support_conversations sc WHERE sc.assignee_id = u.id AND sc.status = 'assigned') AS load").
		Joins("LEFT JOIN agents a ON a.user_id = u.id").Where("u.id IN ?", userIDs).Scan(&rows).Error
	for _, r := range rows {
		out[r.UserID] = r
	}
	return out, err
}
