package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// Label is an account-wide tag agents put on support conversations and
// visitors.
type Label struct {
	ID          int64 `gorm:"primaryKey"`
	Name        string
	Colour      string
	Description string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ConversationLabel puts a label on a support conversation.
type ConversationLabel struct {
	ConversationID int64 `gorm:"primaryKey;autoIncrement:false"`
	LabelID        int64 `gorm:"primaryKey;autoIncrement:false"`
	CreatedAt      time.Time
}

// VisitorLabel puts a label on a visitor (a contact).
type VisitorLabel struct {
	VisitorID int64 `gorm:"primaryKey;autoIncrement:false"`
	LabelID   int64 `gorm:"primaryKey;autoIncrement:false"`
	CreatedAt time.Time
}

func labelModels() []any { return []any{&Label{}, &ConversationLabel{}, &VisitorLabel{}} }

// hasLabel keeps support conversations carrying a label.
const hasLabel = "EXISTS (SELECT 1 FROM conversation_labels cl WHERE cl.conversation_id = support_conversations.conversation_id AND cl.label_id = ?)"

// Labels lists every label by name.
func (s *Store) Labels(ctx context.Context) ([]Label, error) {
	var out []Label
	err := s.q(ctx).Order("LOWER(name)").Order("id").Find(&out).Error
	return out, err
}

// LabelByID returns a label or ErrNotFound.
func (s *Store) LabelByID(ctx context.Context, id int64) (*Label, error) {
	var l Label
	if err := s.q(ctx).First(&l, id).Error; err != nil {
		return nil, translate(err)
	}
	return &l, nil
}

// LabelsByIDs returns the labels of ids that exist, by id.
func (s *Store) LabelsByIDs(ctx context.Context, ids []int64) (map[int64]*Label, error) {
	out := map[int64]*Label{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []Label
	if err := s.q(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	for i := range rows {
		out[rows[i].ID] = &rows[i]
	}
	return out, nil
}

// LabelNameTaken reports whether another label has this name, whatever
// its case.
func (s *Store) LabelNameTaken(ctx context.Context, name string, exceptID int64) (bool, error) {
	var n int64
	err := s.q(ctx).Model(&Label{}).Where("LOWER(name) = LOWER(?) AND id <> ?", name, exceptID).Count(&n).Error
	return n > 0, err
}

// CountLabels counts the labels.
func (s *Store) CountLabels(ctx context.Context) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&Label{}).Count(&n).Error
	return n, err
}

// CreateLabel inserts a label (ErrConflict for a taken name).
func (s *Store) CreateLabel(ctx context.Context, l *Label) error {
	return translate(s.q(ctx).Create(l).Error)
}

// LabelUpdate is a change of a label: nil fields stay as they are.
type LabelUpdate struct {
	Name        *string
	Colour      *string
	Description *string
}

// UpdateLabel writes the fields u sets and the time of the change.
func (s *Store) UpdateLabel(ctx context.Context, id int64, u LabelUpdate, at time.Time) error {
	c := columns{}
	putPtr(c, "name", u.Name)
	putPtr(c, "colour", u.Colour)
	putPtr(c, "description", u.Description)
	if len(c) == 0 {
		return nil
	}
	c["updated_at"] = at
	return s.update(ctx, &Label{}, c, "id = ?", id)
}

// DeleteLabel removes a label from everything it was on.
func (s *Store) DeleteLabel(ctx context.Context, id int64) error {
	if err := s.q(ctx).Where("label_id = ?", id).Delete(&ConversationLabel{}).Error; err != nil {
		return err
	}
	if err := s.q(ctx).Where("label_id = ?", id).Delete(&VisitorLabel{}).Error; err != nil {
		return err
	}
	return translate(s.q(ctx).Delete(&Label{}, id).Error)
}

// ConversationLabels lists the labels on a conversation, by name.
func (s *Store) ConversationLabels(ctx context.Context, conversationID int64) ([]Label, error) {
	var out []Label
	err := s.q(ctx).Joins("JOIN conversation_labels cl ON cl.label_id = labels.id AND cl.conversation_id = ?", conversationID).
		Order("LOWER(labels.name)").Order("labels.id").Find(&out).Error
	return out, err
}

// AddConversationLabel puts a label on a conversation; false if it was
// there already.
func (s *Store) AddConversationLabel(ctx context.Context, conversationID, labelID int64, at time.Time) (bool, error) {
	res := s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&ConversationLabel{ConversationID: conversationID, LabelID: labelID, CreatedAt: at})
	return res.RowsAffected == 1, translate(res.Error)
}

// RemoveConversationLabel takes a label off a conversation.
func (s *Store) RemoveConversationLabel(ctx context.Context, conversationID, labelID int64) error {
	return s.q(ctx).Where("conversation_id = ? AND label_id = ?", conversationID, labelID).Delete(&ConversationLabel{}).Error
}

// VisitorLabels lists the labels on a visitor, by name.
func (s *Store) VisitorLabels(ctx context.Context, visitorID int64) ([]Label, error) {
	var out []Label
	err := s.q(ctx).Joins("JOIN visitor_labels vl ON vl.label_id = labels.id AND vl.visitor_id = ?", visitorID).
		Order("LOWER(labels.name)").Order("labels.id").Find(&out).Error
	return out, err
}

// VisitorsLabels lists the labels of several visitors, by visitor, each
// visitor's by name.
func (s *Store) VisitorsLabels(ctx context.Context, visitorIDs []int64) (map[int64][]Label, error) {
	out := map[int64][]Label{}
	if len(visitorIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		Label
		VisitorID int64
	}
	err := s.q(ctx).Model(&Label{}).Select("labels.*, vl.visitor_id").
		Joins("JOIN visitor_labels vl ON vl.label_id = labels.id AND vl.visitor_id IN ?", visitorIDs).
		Order("LOWER(labels.name)").Order("labels.id").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.VisitorID] = append(out[r.VisitorID], r.Label)
	}
	return out, nil
}

// SetVisitorLabels replaces the labels on a visitor.
func (s *Store) SetVisitorLabels(ctx context.Context, visitorID int64, labelIDs []int64, at time.Time) error {
	if err := s.q(ctx).Where("visitor_id = ?", visitorID).Delete(&VisitorLabel{}).Error; err != nil {
		return err
	}
	for _, id := range labelIDs {
		if err := s.q(ctx).Create(&VisitorLabel{VisitorID: visitorID, LabelID: id, CreatedAt: at}).Error; err != nil {
			return translate(err)
		}
	}
	return nil
}

// LabelCount is how many conversations carry a label.
type LabelCount struct {
	LabelID int64
	Count   int
}

// LabelCountsOfSite counts, per label, the site's conversations created in
// [from, to) that carry it now.
func (s *Store) LabelCountsOfSite(ctx context.Context, siteID int64, from, to time.Time) ([]LabelCount, error) {
	var out []LabelCount
	err := s.q(ctx).Table("conversation_labels cl").
		Select("cl.label_id, COUNT(*) AS count").
		Joins("JOIN support_conversations sc ON sc.conversation_id = cl.conversation_id").
		Where("sc.site_id = ? AND sc.created_at >= ? AND sc.created_at < ?", siteID, from, to).
		Group("cl.label_id").Order("cl.label_id").Scan(&out).Error
	return out, err
}

// SupportConversationsByIDs returns the support conversations of ids that
// exist, by id.
func (s *Store) SupportConversationsByIDs(ctx context.Context, ids []int64) (map[int64]*SupportConversation, error) {
	out := map[int64]*SupportConversation{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []SupportConversation
	if err := s.q(ctx).Where("conversation_id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	for i := range rows {
		out[rows[i].ConversationID] = &rows[i]
	}
	return out, nil
}
