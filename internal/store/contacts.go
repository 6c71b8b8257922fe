package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// VisitorAttribute is one custom attribute of a visitor: its value as
// JSON (a string, number or boolean) and who set it (agent, identity or
// visitor).
type VisitorAttribute struct {
	VisitorID int64  `gorm:"primaryKey;autoIncrement:false"`
	Key       string `gorm:"primaryKey"`
	Value     string
	Source    string
	UpdatedAt time.Time
}

// VisitorDevice is a browser a visitor chatted from, told apart by its
// user agent.
type VisitorDevice struct {
	VisitorID   int64  `gorm:"primaryKey;autoIncrement:false"`
	UserAgent   string `gorm:"primaryKey"`
	FirstSeenAt time.Time
	LastSeenAt  time.Time
}

func contactModels() []any { return []any{&VisitorAttribute{}, &VisitorDevice{}} }

// VisitorAttributes lists a visitor's attributes by key.
func (s *Store) VisitorAttributes(ctx context.Context, visitorID int64) ([]VisitorAttribute, error) {
	var out []VisitorAttribute
	err := s.q(ctx).Where("visitor_id = ?", visitorID).Order("key").Find(&out).Error
	return out, err
}

// VisitorsAttributes lists the attributes of several visitors, by visitor,
// each visitor's by key.
func (s *Store) VisitorsAttributes(ctx context.Context, visitorIDs []int64) (map[int64][]VisitorAttribute, error) {
	out := map[int64][]VisitorAttribute{}
	if len(visitorIDs) == 0 {
		return out, nil
	}
	var rows []VisitorAttribute
	if err := s.q(ctx).Where("visitor_id IN ?", visitorIDs).Order("visitor_id, key").Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, a := range rows {
		out[a.VisitorID] = append(out[a.VisitorID], a)
	}
	return out, nil
}

// SetVisitorAttribute writes one attribute of a visitor.
func (s *Store) SetVisitorAttribute(ctx context.Context, a *VisitorAttribute) error {
	return s.q(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "visitor_id"}, {Name: "key"}},
		DoUpdates: clause.AssignmentColumns([]string{"value", "source", "updated_at"}),
	}).Create(a).Error
}

// DeleteVisitorAttribute removes one attribute of a visitor.
func (s *Store) DeleteVisitorAttribute(ctx context.Context, visitorID int64, key string) error {
	return s.q(ctx).Where("visitor_id = ? AND key = ?", visitorID, key).Delete(&VisitorAttribute{}).Error
}

// TouchVisitorDevice records that a visitor was seen now from a user agent.
func (s *Store) TouchVisitorDevice(ctx context.Context, visitorID int64, userAgent string, at time.Time) error {
	return s.q(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "visitor_id"}, {Name: "user_agent"}},
		DoUpdates: clause.AssignmentColumns([]string{"last_seen_at"}),
	}).Create(&VisitorDevice{VisitorID: visitorID, UserAgent: userAgent, FirstSeenAt: at, LastSeenAt: at}).Error
}

// ContactCounts is how many devices and conversations a visitor has.
type ContactCounts struct {
	Devices       int
	Conversations int
}

// VisitorsContactCounts counts the devices and conversations of several
// visitors, by visitor (a visitor with none is absent: zero counts).
func (s *Store) VisitorsContactCounts(ctx context.Context, visitorIDs []int64) (map[int64]ContactCounts, error) {
	out := map[int64]ContactCounts{}
	if len(visitorIDs) == 0 {
		return out, nil
	}
	type count struct {
		VisitorID int64
		N         int
	}
	var devices, convs []count
	if err := s.q(ctx).Model(&VisitorDevice{}).Select("visitor_id, COUNT(*) AS n").Where("visitor_id IN ?", visitorIDs).
		Group("visitor_id").Scan(&devices).Error; err != nil {
		return nil, err
	}
	if err := s.q(ctx).Model(&SupportConversation{}).Select("visitor_id, COUNT(*) AS n").Where("visitor_id IN ?", visitorIDs).
		Group("visitor_id").Scan(&convs).Error; err != nil {
		return nil, err
	}
	for _, d := range devices {
		c := out[d.VisitorID]
		c.Devices = d.N
		out[d.VisitorID] = c
	}
	for _, v := range convs {
		c := out[v.VisitorID]
		c.Conversations = v.N
		out[v.VisitorID] = c
	}
	return out, nil
}

// SiteContacts lists a site's visitors that were not merged away, newest
// first, below beforeID when set; search matches a substring of the name,
// e-mail, external id or any attribute value.
func (s *Store) SiteContacts(ctx context.Context, siteID int64, search string, beforeID int64, limit int) ([]Visitor, error) {
	q := s.q(ctx).Where("site_id = ? AND merged_into_id IS NULL", siteID)
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	if search != "" {
		p := likePattern(search)
		q = q.Where(`(LOWER(name) LIKE ? ESCAPE '!' OR LOWER(email) LIKE ? ESCAPE '!' OR LOWER(COALESCE(external_id, '')) LIKE ? ESCAPE '!'
			OR EXISTS (SELECT 1 FROM visitor_attributes va WHERE va.visitor_id = visitors.id AND LOWER(va.value) LIKE ? ESCAPE '!'))`, p, p, p, p)
	}
	var out []Visitor
	err := q.Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// MergeVisitor moves everything of visitor from into visitor to: its
// conversations and the messages it sent, its devices, the attributes to
// lacks, its external id when to has none, and the visitors merged into
// it before; from is left pointing at to. Run it in a transaction.
func (s *Store) MergeVisitor(ctx context.Context, from, to *Visitor, at time.Time) error {
	if err := s.MoveVisitorConversations(ctx, from.ID, to.ID); err != nil {
		return err
	}
	if err := s.q(ctx).Model(&Message{}).Where("sender_kind = ? AND sender_id = ?", SenderVisitor, from.ID).Update("sender_id", to.ID).Error; err != nil {
		return err
	}
	if err := s.q(ctx).Model(&Upload{}).Where("visitor_id = ?", from.ID).Update("visitor_id", to.ID).Error; err != nil {
		return err
	}
	var devices []VisitorDevice
	if err := s.q(ctx).Where("visitor_id = ?", from.ID).Find(&devices).Error; err != nil {
		return err
	}
	for _, d := range devices {
		if err := s.TouchVisitorDevice(ctx, to.ID, d.UserAgent, d.LastSeenAt); err != nil {
			return err
		}
	}
	if err := s.q(ctx).Where("visitor_id = ?", from.ID).Delete(&VisitorDevice{}).Error; err != nil {
		return err
	}
	// The target wins: only keys it lacks come over.
	if err := s.q(ctx).Exec(`INSERT INTO visitor_attributes (visitor_id, key, value, source, updated_at)
		SELECT ?, key, value, source, updated_at FROM visitor_attributes f WHERE f.visitor_id = ?
		AND NOT EXISTS (SELECT 1 FROM visitor_attributes t WHERE t.visitor_id = ? AND t.key = f.key)`, to.ID, from.ID, to.ID).Error; err != nil {
		return err
	}
	if err := s.q(ctx).Where("visitor_id = ?", from.ID).Delete(&VisitorAttribute{}).Error; err != nil {
		return err
	}
	fields := map[string]any{"merged_into_id": to.ID, "external_id": nil}
	if err := s.q(ctx).Model(&Visitor{}).Where("id = ?", from.ID).Updates(fields).Error; err != nil {
		return translate(err)
	}
	u := VisitorUpdate{}
	if to.ExternalID == nil && from.ExternalID != nil {
		u.ExternalID = from.ExternalID
	}
	if to.Name == "" && from.Name != "" {
		u.Name = &from.Name
	}
	if to.Email == "" && from.Email != "" {
		u.Email = &from.Email
	}
	if from.LastSeenAt.After(to.LastSeenAt) {
		u.LastSeenAt = &from.LastSeenAt
	}
	if err := s.UpdateVisitor(ctx, to.ID, u); err != nil {
		return err
	}
	if from.CreatedAt.Before(to.CreatedAt) {
		if err := s.q(ctx).Model(&Visitor{}).Where("id = ?", to.ID).Update("created_at", from.CreatedAt).Error; err != nil {
			return err
		}
	}
	// Tokens of visitors merged into from before resolve in one step.
	return s.q(ctx).Model(&Visitor{}).Where("merged_into_id = ?", from.ID).Update("merged_into_id", to.ID).Error
}
