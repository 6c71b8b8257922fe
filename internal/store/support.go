package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm/clause"
)

// CreateSite inserts a site.
func (s *Store) CreateSite(ctx context.Context, site *Site) error {
	return translate(s.q(ctx).Create(site).Error)
}

// SiteByID returns a site or ErrNotFound.
func (s *Store) SiteByID(ctx context.Context, id int64) (*Site, error) {
	var site Site
	if err := s.q(ctx).First(&site, id).Error; err != nil {
		return nil, translate(err)
	}
	return &site, nil
}

// SitesByIDs returns the sites with these ids that exist, by id.
func (s *Store) SitesByIDs(ctx context.Context, ids []int64) (map[int64]*Site, error) {
	out := map[int64]*Site{}
	if len(ids) == 0 {
		return out, nil
	}
	var sites []Site
	if err := s.q(ctx).Where("id IN ?", ids).Find(&sites).Error; err != nil {
		return nil, err
	}
	for i := range sites {
		out[sites[i].ID] = &sites[i]
	}
	return out, nil
}

// SiteByPublicKey returns the site embedding this key.
func (s *Store) SiteByPublicKey(ctx context.Context, key string) (*Site, error) {
	var site Site
	if err := s.q(ctx).Where("public_key = ?", key).First(&site).Error; err != nil {
		return nil, translate(err)
	}
	return &site, nil
}

// Sites lists every site by id.
func (s *Store) Sites(ctx context.Context) ([]Site, error) {
	var out []Site
	err := s.q(ctx).Order("id").Find(&out).Error
	return out, err
}

// SiteUpdate is a change of a site: nil fields stay as they are.
type SiteUpdate struct {
	Name                *string
	Secret              *string
	PreviousSecret      *string
	PreviousSecretUntil *time.Time
	AllowedOrigins      *string
	Color               *string
	Greeting            *string
	AwayMessage         *string
	BusinessHours       *string
	TimeZone            *string
	PrechatFields       *string
	RequireIdentity     *bool
	FontFamily          *string
	LauncherPosition    *string
}

// UpdateSite writes the fields u sets of a site, and the time of the
// change.
func (s *Store) UpdateSite(ctx context.Context, id int64, u SiteUpdate) error {
	c := columns{}
	putPtr(c, "name", u.Name)
	putPtr(c, "secret", u.Secret)
	putPtr(c, "previous_secret", u.PreviousSecret)
	putPtr(c, "previous_secret_until", u.PreviousSecretUntil)
	putPtr(c, "allowed_origins", u.AllowedOrigins)
	putPtr(c, "color", u.Color)
	putPtr(c, "greeting", u.Greeting)
	putPtr(c, "away_message", u.AwayMessage)
	putPtr(c, "business_hours", u.BusinessHours)
	putPtr(c, "time_zone", u.TimeZone)
	putPtr(c, "prechat_fields", u.PrechatFields)
	putPtr(c, "require_identity", u.RequireIdentity)
	putPtr(c, "font_family", u.FontFamily)
	putPtr(c, "launcher_position", u.LauncherPosition)
	c["updated_at"] = time.Now().UTC()
	return translate(s.q(ctx).Model(&Site{}).Where("id = ?", id).Updates(map[string]any(c)).Error)
}

// CreateQueue inserts a queue.
func (s *Store) CreateQueue(ctx context.Context, q *Queue) error {
	return translate(s.q(ctx).Create(q).Error)
}

// QueueByID returns a queue or ErrNotFound.
func (s *Store) QueueByID(ctx context.Context, id int64) (*Queue, error) {
	var q Queue
	if err := s.q(ctx).First(&q, id).Error; err != nil {
		return nil, translate(err)
	}
	return &q, nil
}

// LockQueue takes the queue's row lock until the transaction ends, so that
// routing in one queue happens one decision at a time on every node.
//
// The lock is FOR NO KEY UPDATE: it excludes the other routing decisions
// but not the key-share lock a row referencing the queue takes on insert,
// so a conversation can be written into a queue while another is routed
// in it, and the one that then routes takes the lock after its foreign
// key's share without the two deadlocking.
//
// It returns the queue as locked, so that a routing decision needs no
// second read of it while every other one in the queue waits.
func (s *Store) LockQueue(ctx context.Context, id int64) (*Queue, error) {
	db := s.q(ctx)
	if s.dialect == Postgres { // SQLite transactions hold the write lock from the start
		db = db.Clauses(clause.Locking{Strength: "NO KEY UPDATE"})
	}
	var q Queue
	if err := db.First(&q, id).Error; err != nil {
		return nil, translate(err)
	}
	return &q, nil
}

// QueuesOfSite lists a site's queues, default first.
func (s *Store) QueuesOfSite(ctx context.Context, siteID int64) ([]Queue, error) {
	var out []Queue
	err := s.q(ctx).Where("site_id = ?", siteID).Order("is_default DESC").Order("id").Find(&out).Error
	return out, err
}

// UpsertQueueAgent adds an agent to a queue or changes their capacity.
func (s *Store) UpsertQueueAgent(ctx context.Context, qa *QueueAgent) error {
	return s.q(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "queue_id"}, {Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"capacity"}),
	}).Create(qa).Error
}

// RemoveQueueAgent takes an agent out of a queue.
func (s *Store) RemoveQueueAgent(ctx context.Context, queueID, userID int64) (bool, error) {
	res := s.q(ctx).Where("queue_id = ? AND user_id = ?", queueID, userID).Delete(&QueueAgent{})
	return res.RowsAffected == 1, res.Error
}

// QueueAgents lists the agents of a queue.
func (s *Store) QueueAgents(ctx context.Context, queueID int64) ([]QueueAgent, error) {
	var out []QueueAgent
	err := s.q(ctx).Where("queue_id = ?", queueID).Order("user_id").Find(&out).Error
	return out, err
}

// AgentQueues lists the queues an agent serves, by id: theirs, and those
// served by a team of theirs.
func (s *Store) AgentQueues(ctx context.Context, userID int64) ([]Queue, error) {
	var out []Queue
	err := s.q(ctx).Where("queues.id IN (SELECT queue_id FROM queue_agents WHERE user_id = ?) OR queues.team_id IN (SELECT team_id FROM team_members WHERE user_id = ?)", userID, userID).
		Order("queues.id").Find(&out).Error
	return out, err
}

// SetAgentStatus records an agent's chosen status.
func (s *Store) SetAgentStatus(ctx context.Context, userID int64, status string, at time.Time) error {
	return s.q(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"status", "status_at"}),
	}).Create(&Agent{UserID: userID, Status: status, StatusAt: at}).Error
}

// AgentByID returns an agent's status row (ErrNotFound if never set).
func (s *Store) AgentByID(ctx context.Context, userID int64) (*Agent, error) {
	var a Agent
	if err := s.q(ctx).First(&a, "user_id = ?", userID).Error; err != nil {
		return nil, translate(err)
	}
	return &a, nil
}

// EnsureAgent gives a user who never chose a status an offline agent
// row, so that LockAgent has a row to lock.
func (s *Store) EnsureAgent(ctx context.Context, userID int64, at time.Time) error {
	return s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&Agent{UserID: userID, Status: "offline", StatusAt: at}).Error
}

// LockAgent takes an agent's row lock until the transaction ends, so that
// two queues can't both fill the agent's last slot.
func (s *Store) LockAgent(ctx context.Context, userID int64) error {
	if s.dialect != Postgres {
		return nil
	}
	var a Agent
	return translate(s.q(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).First(&a, "user_id = ?", userID).Error)
}

// MarkAssigned stamps when an agent last got a conversation.
func (s *Store) MarkAssigned(ctx context.Context, userID int64, at time.Time) error {
	return s.q(ctx).Model(&Agent{}).Where("user_id = ?", userID).Update("last_assigned_at", at).Error
}

// Candidate is an online agent of a queue with their load.
type Candidate struct {
	UserID         int64
	Capacity       int
	Load           int
	LastAssignedAt *time.Time
}

// Candidates lists the online agents of a queue who are connected (or lost
// their connection after connectedSince), least busy first, then idle
// longest (never assigned counts as idle longest).
func (s *Store) Candidates(ctx context.Context, queueID int64, connectedSince time.Time) ([]Candidate, error) {
	var out []Candidate
	// The queue's agents with their capacity, and the members of the team
	// serving it who are not its agents with the team's default.
	members := s.q(ctx).Raw(`SELECT user_id, capacity FROM queue_agents WHERE queue_id = ?
		UNION ALL SELECT tm.user_id, t.default_capacity FROM team_members tm JOIN teams t ON t.id = tm.team_id JOIN queues q ON q.team_id = t.id
		WHERE q.id = ? AND NOT EXISTS (SELECT 1 FROM queue_agents x WHERE x.queue_id = q.id AND x.user_id = tm.user_id)`, queueID, queueID)
	err := s.q(ctx).Table("(?) AS qa", members).
		Select("qa.user_id, qa.capacity, a.last_assigned_at, (SELECT COUNT(*) FROM support_conversations sc WHERE sc.assignee_id = qa.user_id AND sc.status = 'assigned') AS load").
		Joins("JOIN agents a ON a.user_id = qa.user_id").
		// Someone demoted or disabled keeps their queue rows but takes no chats.
		Joins("JOIN users u ON u.id = qa.user_id AND u.disabled_at IS NULL AND u.role IN ('agent', 'admin')").
		Where("a.status = 'online' AND (a.disconnected_at IS NULL OR a.disconnected_at > ?)", connectedSince).
		Order("load ASC").Order(clauseExpr("a.last_assigned_at IS NOT NULL")).Order("a.last_assigned_at ASC").Order("qa.user_id").
		Scan(&out).Error
	return out, err
}

// AgentLoad counts the conversations assigned to an agent now.
func (s *Store) AgentLoad(ctx context.Context, userID int64) (int, error) {
	var n int64
	err := s.q(ctx).Model(&SupportConversation{}).Where("assignee_id = ? AND status = 'assigned'", userID).Count(&n).Error
	return int(n), err
}

// OldestQueued returns the queue's waiting conversations, first come first.
func (s *Store) OldestQueued(ctx context.Context, queueID int64, limit int) ([]SupportConversation, error) {
	var out []SupportConversation
	// A conversation transferred to a team waits for the team, not the queue.
	err := s.q(ctx).Where("queue_id = ? AND status = 'queued' AND team_id IS NULL", queueID).
		Order("queued_at").Order("conversation_id").Limit(limit).Find(&out).Error
	return out, err
}

// QueuePosition is 1 for the first waiting conversation of the queue.
func (s *Store) QueuePosition(ctx context.Context, sc *SupportConversation) (int, error) {
	var n int64
	q := s.q(ctx).Model(&SupportConversation{})
	if sc.TeamID != nil { // waiting for a team: its line is the team's
		q = q.Where("team_id = ?", *sc.TeamID)
	} else {
		q = q.Where("queue_id = ? AND team_id IS NULL", sc.QueueID)
	}
	err := q.Where("status = 'queued' AND (queued_at < ? OR (queued_at = ? AND conversation_id < ?))",
		sc.QueuedAt, sc.QueuedAt, sc.ConversationID).Count(&n).Error
	return int(n) + 1, err
}

// CreateSupportConversation inserts the support side of a conversation.
func (s *Store) CreateSupportConversation(ctx context.Context, sc *SupportConversation) error {
	return translate(s.q(ctx).Create(sc).Error)
}

// SupportConversationByID returns the support side of a conversation.
func (s *Store) SupportConversationByID(ctx context.Context, conversationID int64) (*SupportConversation, error) {
	var sc SupportConversation
	if err := s.q(ctx).First(&sc, "conversation_id = ?", conversationID).Error; err != nil {
		return nil, translate(err)
	}
	return &sc, nil
}

// SupportConversationUpdate is a change of a support conversation: nil
// (or unset) fields stay as they are.
type SupportConversationUpdate struct {
	Status          *string
	QueueID         *int64
	AssigneeID      Null[int64]
	QueuedAt        Null[time.Time]
	AssignedAt      Null[time.Time]
	FirstResponseAt Null[time.Time]
	ResolvedAt      Null[time.Time]
	// Service-level due times.
	FirstResponseDueAt Null[time.Time]
	ResolutionDueAt    Null[time.Time]
}

// UpdateSupportConversation writes the fields u sets.
func (s *Store) UpdateSupportConversation(ctx context.Context, conversationID int64, u SupportConversationUpdate) error {
	c := columns{}
	putPtr(c, "status", u.Status)
	putPtr(c, "queue_id", u.QueueID)
	putNull(c, "assignee_id", u.AssigneeID)
	putNull(c, "queued_at", u.QueuedAt)
	putNull(c, "assigned_at", u.AssignedAt)
	putNull(c, "first_response_at", u.FirstResponseAt)
	putNull(c, "resolved_at", u.ResolvedAt)
	putNull(c, "first_response_due_at", u.FirstResponseDueAt)
	putNull(c, "resolution_due_at", u.ResolutionDueAt)
	return s.update(ctx, &SupportConversation{}, c, "conversation_id = ?", conversationID)
}

// SupportFilter selects support conversations for an agent's inbox.
type SupportFilter struct {
	AssigneeID *int64
	QueueIDs   []int64
	SiteIDs    []int64
	QueueID    int64
	SiteID     int64
	VisitorID  int64
	// WaitingTeamIDs, with QueueIDs, selects what waits for an agent: in
	// their queues (not for a team) or for one of their teams.
	WaitingTeamIDs []int64
	// TeamID selects the conversations with a team and those of the
	// queues it serves.
	TeamID   int64
	Status   string
	BeforeID int64
	// Search matches, case-insensitively, a substring of any message body
	// (notes included) or of the visitor's name, e-mail or external id.
	Search string
	// LabelID keeps the conversations that carry this label.
	LabelID int64
}

// SupportConversations lists support conversations, newest first.
func (s *Store) SupportConversations(ctx context.Context, f SupportFilter, limit int) ([]SupportConversation, error) {
	q := s.q(ctx).Model(&SupportConversation{})
	if f.AssigneeID != nil {
		q = q.Where("assignee_id = ?", *f.AssigneeID)
	}
	if f.QueueIDs != nil && f.WaitingTeamIDs != nil {
		q = q.Where("((team_id IS NULL AND queue_id IN ?) OR team_id IN ?)", append(f.QueueIDs, 0), append(f.WaitingTeamIDs, 0))
	} else if f.QueueIDs != nil {
		q = q.Where("queue_id IN ?", append(f.QueueIDs, 0))
	}
	if f.SiteIDs != nil {
		q = q.Where("site_id IN ?", append(f.SiteIDs, 0))
	}
	if f.QueueID > 0 {
		q = q.Where("queue_id = ?", f.QueueID)
	}
	if f.SiteID > 0 {
		q = q.Where("site_id = ?", f.SiteID)
	}
	if f.VisitorID > 0 {
		q = q.Where("visitor_id = ?", f.VisitorID)
	}
	if f.TeamID > 0 {
		q = q.Where("(team_id = ? OR queue_id IN (SELECT id FROM queues WHERE team_id = ?))", f.TeamID, f.TeamID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.BeforeID > 0 {
		q = q.Where("conversation_id < ?", f.BeforeID)
	}
	if f.Search != "" {
		p := likePattern(f.Search)
		q = q.Where(`(EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = support_conversations.conversation_id
			AND m.recalled_at IS NULL AND LOWER(m.body) LIKE ? ESCAPE '!')
			OR EXISTS (SELECT 1 FROM visitors v WHERE v.id = support_conversations.visitor_id
			AND (LOWER(v.name) LIKE ? ESCAPE '!' OR LOWER(v.email) LIKE ? ESCAPE '!' OR LOWER(COALESCE(v.external_id, '')) LIKE ? ESCAPE '!')))`,
			p, p, p, p)
	}
	if f.LabelID > 0 {
		q = q.Where(hasLabel, f.LabelID)
	}
	var out []SupportConversation
	err := q.Order("conversation_id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// LatestSupportConversation returns a visitor's newest conversation.
func (s *Store) LatestSupportConversation(ctx context.Context, visitorID int64) (*SupportConversation, error) {
	var sc SupportConversation
	err := s.q(ctx).Where("visitor_id = ?", visitorID).Order("conversation_id DESC").First(&sc).Error
	if err != nil {
		return nil, translate(err)
	}
	return &sc, nil
}

// CountOpenVisitorConversations counts a visitor's support conversations
// that are not resolved.
func (s *Store) CountOpenVisitorConversations(ctx context.Context, visitorID int64) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&SupportConversation{}).Where("visitor_id = ? AND status <> ?", visitorID, "resolved").Count(&n).Error
	return n, err
}

// LockVisitor takes a visitor's row lock for the rest of the transaction
// (PostgreSQL; SQLite transactions hold the write lock from the start).
func (s *Store) LockVisitor(ctx context.Context, id int64) error {
	if s.dialect != Postgres {
		return nil
	}
	var v Visitor
	return translate(s.q(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).First(&v, id).Error)
}

// CreateVisitor inserts a visitor.
func (s *Store) CreateVisitor(ctx context.Context, v *Visitor) error {
	return translate(s.q(ctx).Create(v).Error)
}

// VisitorByID returns a visitor or ErrNotFound.
func (s *Store) VisitorByID(ctx context.Context, id int64) (*Visitor, error) {
	var v Visitor
	if err := s.q(ctx).First(&v, id).Error; err != nil {
		return nil, translate(err)
	}
	return &v, nil
}

// VisitorByExternalID returns a site's identified visitor.
func (s *Store) VisitorByExternalID(ctx context.Context, siteID int64, externalID string) (*Visitor, error) {
	var v Visitor
	if err := s.q(ctx).Where("site_id = ? AND external_id = ?", siteID, externalID).First(&v).Error; err != nil {
		return nil, translate(err)
	}
	return &v, nil
}

// VisitorUpdate is a change of a visitor: nil fields stay as they are.
type VisitorUpdate struct {
	ExternalID *string
	Name       *string
	Email      *string
	PageURL    *string
	Referrer   *string
	Locale     *string
	UserAgent  *string
	LastSeenAt *time.Time
}

// UpdateVisitor writes the fields u sets of a visitor.
func (s *Store) UpdateVisitor(ctx context.Context, id int64, u VisitorUpdate) error {
	c := columns{}
	putPtr(c, "external_id", u.ExternalID)
	putPtr(c, "name", u.Name)
	putPtr(c, "email", u.Email)
	putPtr(c, "page_url", u.PageURL)
	putPtr(c, "referrer", u.Referrer)
	putPtr(c, "locale", u.Locale)
	putPtr(c, "user_agent", u.UserAgent)
	putPtr(c, "last_seen_at", u.LastSeenAt)
	return s.update(ctx, &Visitor{}, c, "id = ?", id)
}

// VisitorsByIDs returns visitors keyed by id.
func (s *Store) VisitorsByIDs(ctx context.Context, ids []int64) (map[int64]*Visitor, error) {
	out := map[int64]*Visitor{}
	if len(ids) == 0 {
		return out, nil
	}
	var vs []Visitor
	if err := s.q(ctx).Where("id IN ?", ids).Find(&vs).Error; err != nil {
		return nil, err
	}
	for i := range vs {
		out[vs[i].ID] = &vs[i]
	}
	return out, nil
}

// MoveVisitorConversations hands every conversation of one visitor to
// another (an identified visitor merging devices).
func (s *Store) MoveVisitorConversations(ctx context.Context, from, to int64) error {
	return s.q(ctx).Model(&SupportConversation{}).Where("visitor_id = ?", from).Update("visitor_id", to).Error
}

// CreateCannedResponse inserts a canned response; ErrConflict on a taken shortcut.
func (s *Store) CreateCannedResponse(ctx context.Context, c *CannedResponse) error {
	return translate(s.q(ctx).Create(c).Error)
}

// CannedResponses lists a site's canned responses by shortcut.
func (s *Store) CannedResponses(ctx context.Context, siteID int64) ([]CannedResponse, error) {
	var out []CannedResponse
	err := s.q(ctx).Where("site_id = ?", siteID).Order("shortcut").Find(&out).Error
	return out, err
}

// PreviousAssignee is the agent of the visitor's newest other conversation
// that had one (0 if none).
func (s *Store) PreviousAssignee(ctx context.Context, visitorID, exceptConversationID int64) (int64, error) {
	var sc SupportConversation
	err := s.q(ctx).Where("visitor_id = ? AND conversation_id <> ? AND assignee_id IS NOT NULL", visitorID, exceptConversationID).
		Order("conversation_id DESC").First(&sc).Error
	if err != nil {
		return 0, translate(err)
	}
	return *sc.AssigneeID, nil
}

// UserPostedSince reports whether a user sent a message (not a note) in a
// conversation at or after since.
func (s *Store) UserPostedSince(ctx context.Context, conversationID, userID int64, since time.Time) (bool, error) {
	var n int64
	err := s.q(ctx).Model(&Message{}).
		Where("conversation_id = ? AND sender_kind = 'user' AND sender_id = ? AND kind <> 'note' AND created_at >= ?", conversationID, userID, since).
		Count(&n).Error
	return n > 0, err
}

// AddConversationEvent appends to the conversation event log.
func (s *Store) AddConversationEvent(ctx context.Context, e *ConversationEvent) error {
	return s.q(ctx).Create(e).Error
}

// ConversationEventsForReport returns, in order, every event of the site's
// conversations created in [from, to).
func (s *Store) ConversationEventsForReport(ctx context.Context, siteID int64, from, to time.Time) ([]ConversationEvent, error) {
	var out []ConversationEvent
	err := s.q(ctx).Where("site_id = ? AND conversation_id IN (?)", siteID,
		s.q(ctx).Model(&ConversationEvent{}).Select("conversation_id").
			Where("site_id = ? AND type = 'created' AND at >= ? AND at < ?", siteID, from, to)).
		Order("conversation_id").Order("at").Order("id").Find(&out).Error
	return out, err
}

// AgentForUpdate returns an agent's status row locked until the
// transaction ends (ErrNotFound if never set). On SQLite every write
// transaction holds the database's write lock already.
func (s *Store) AgentForUpdate(ctx context.Context, userID int64) (*Agent, error) {
	q := s.q(ctx)
	if s.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var a Agent
	if err := q.First(&a, "user_id = ?", userID).Error; err != nil {
		return nil, translate(err)
	}
	return &a, nil
}

// SetAgentDisconnected records that an agent's last session closed at at,
// or (nil) that they are connected again. No row: the agent never chose a
// status, and connectivity does not matter.
func (s *Store) SetAgentDisconnected(ctx context.Context, userID int64, at *time.Time) error {
	return s.q(ctx).Model(&Agent{}).Where("user_id = ?", userID).Update("disconnected_at", at).Error
}

// AdvanceVisitorReadSeq raises the visitor's read mark of a conversation;
// it reports whether the mark moved.
func (s *Store) AdvanceVisitorReadSeq(ctx context.Context, conversationID, seq int64) (bool, error) {
	res := s.q(ctx).Model(&SupportConversation{}).
		Where("conversation_id = ? AND visitor_read_seq < ?", conversationID, seq).Update("visitor_read_seq", seq)
	return res.RowsAffected > 0, res.Error
}

// ClaimVisitorNotify stamps the conversation's visitor as mailed at now by
// job unless another job's mail was claimed since windowStart; only a true
// answer may mail. job's own earlier claim is renewed (its run died before
// the mail went out).
func (s *Store) ClaimVisitorNotify(ctx context.Context, conversationID int64, job string, now, windowStart time.Time) (bool, error) {
	res := s.q(ctx).Model(&SupportConversation{}).
		Where("conversation_id = ? AND (visitor_notified_at IS NULL OR visitor_notified_at < ? OR visitor_notified_job = ?)",
			conversationID, windowStart, jobOrNil(job)).
		Updates(map[string]any{"visitor_notified_at": now, "visitor_notified_job": jobOrNil(job)})
	return res.RowsAffected == 1, res.Error
}

// ReleaseVisitorNotify puts back the previous stamp and job after a failed
// mail.
func (s *Store) ReleaseVisitorNotify(ctx context.Context, conversationID int64, previous *time.Time, previousJob *string) error {
	return s.q(ctx).Model(&SupportConversation{}).Where("conversation_id = ?", conversationID).
		Updates(map[string]any{"visitor_notified_at": previous, "visitor_notified_job": previousJob}).Error
}

// ClaimAgentsNotified moves the agents' mail mark from fromSeq to seq for
// job if it was below seq, or if job itself made the last claim (its run
// died before the mail went out); only a true answer may mail.
func (s *Store) ClaimAgentsNotified(ctx context.Context, conversationID int64, job string, fromSeq, seq int64) (bool, error) {
	res := s.q(ctx).Model(&SupportConversation{}).
		Where("conversation_id = ? AND (agents_notified_seq < ? OR agents_notified_job = ?)", conversationID, seq, jobOrNil(job)).
		Updates(map[string]any{"agents_notified_seq": seq, "agents_notified_job": jobOrNil(job), "agents_notified_from_seq": fromSeq})
	return res.RowsAffected == 1, res.Error
}

// SetAgentsNotified sets the agents' mail mark, its job and the mark
// before it (to undo a failed mail).
func (s *Store) SetAgentsNotified(ctx context.Context, conversationID, seq int64, job *string, fromSeq int64) error {
	return s.q(ctx).Model(&SupportConversation{}).Where("conversation_id = ?", conversationID).
		Updates(map[string]any{"agents_notified_seq": seq, "agents_notified_job": job, "agents_notified_from_seq": fromSeq}).Error
}

// MessagesFrom returns up to limit messages after afterSeq sent by a kind
// of sender (user or visitor), leaving out notes and system messages.
func (s *Store) MessagesFrom(ctx context.Context, conversationID, afterSeq int64, senderKind SenderKind, limit int) ([]Message, error) {
	var ms []Message
	err := s.q(ctx).Where("conversation_id = ? AND seq > ? AND sender_kind = ? AND kind NOT IN ('note', 'system') AND recalled_at IS NULL",
		conversationID, afterSeq, senderKind).Order("seq").Limit(limit).Find(&ms).Error
	return ms, err
}

// LastSeqFrom is the seq of the newest message by a kind of sender (0 if none),
// leaving out notes and system messages.
func (s *Store) LastSeqFrom(ctx context.Context, conversationID int64, senderKind SenderKind) (int64, error) {
	var seq *int64
	err := s.q(ctx).Model(&Message{}).Select("MAX(seq)").
		Where("conversation_id = ? AND sender_kind = ? AND kind NOT IN ('note', 'system')", conversationID, senderKind).Scan(&seq).Error
	if err != nil || seq == nil {
		return 0, err
	}
	return *seq, nil
}

// likePattern turns text into a LIKE pattern that matches it as a plain,
// lower-cased substring: the pattern's own characters (% _ and the escape
// character !) are escaped, and the text only ever travels as a parameter.
func likePattern(text string) string {
	esc := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(strings.ToLower(text))
	return "%" + esc + "%"
}

// TakeSupportConversation assigns an open conversation to agentID only if
// it is still assigned to from (nil: to nobody), and reports whether it
// did. Of two claims racing for one conversation only one can match.
func (s *Store) TakeSupportConversation(ctx context.Context, conversationID, agentID int64, from *int64, at time.Time) (bool, error) {
	q := s.q(ctx).Model(&SupportConversation{}).Where("conversation_id = ? AND status <> 'resolved'", conversationID)
	if from == nil {
		q = q.Where("assignee_id IS NULL")
	} else {
		q = q.Where("assignee_id = ?", *from)
	}
	res := q.Updates(map[string]any{"status": "assigned", "assignee_id": agentID, "assigned_at": at})
	return res.RowsAffected == 1, res.Error
}

// RateSupportConversation records the rating of a resolved conversation
// that has none yet, and reports whether it did: the condition sits in
// the update, so of concurrent ratings exactly one is stored.
func (s *Store) RateSupportConversation(ctx context.Context, conversationID int64, score int, comment string, at time.Time) (bool, error) {
	res := s.q(ctx).Model(&SupportConversation{}).
		Where("conversation_id = ? AND status = 'resolved' AND rating IS NULL", conversationID).
		Updates(map[string]any{"rating": score, "rating_comment": comment, "rated_at": at})
	return res.RowsAffected == 1, res.Error
}

// OpenSupportConversationsOfQueue lists a queue's conversations that are
// not resolved (with the bot, waiting or assigned).
func (s *Store) OpenSupportConversationsOfQueue(ctx context.Context, queueID int64) ([]SupportConversation, error) {
	var out []SupportConversation
	err := s.q(ctx).Where("queue_id = ? AND status <> 'resolved'", queueID).Order("conversation_id").Find(&out).Error
	return out, err
}
