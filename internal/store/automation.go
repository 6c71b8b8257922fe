package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// AutomationRule is one of a site's automation rules: when its trigger
// happens and its conditions hold, its actions run. Trigger, conditions
// and actions are JSON, read and checked by the automation service.
type AutomationRule struct {
	ID          int64 `gorm:"primaryKey"`
	SiteID      int64
	Name        string
	Enabled     bool
	Position    int
	TriggerSpec string
	Conditions  string
	Actions     string
	// UpdatedBy is the admin who last saved the rule, whose rights its
	// actions use.
	UpdatedBy *int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AutomationFiring records that a rule fired for an event.
type AutomationFiring struct {
	RuleID         int64  `gorm:"primaryKey;autoIncrement:false"`
	EventKey       string `gorm:"primaryKey"`
	ConversationID int64
	FiredAt        time.Time
}

func automationModels() []any { return []any{&AutomationRule{}, &AutomationFiring{}} }

// AutomationRulesOfSite lists a site's rules in their order of evaluation.
func (s *Store) AutomationRulesOfSite(ctx context.Context, siteID int64) ([]AutomationRule, error) {
	var out []AutomationRule
	err := s.q(ctx).Where("site_id = ?", siteID).Order("position, id").Find(&out).Error
	return out, err
}

// EnabledAutomationRules lists a site's enabled rules in order.
func (s *Store) EnabledAutomationRules(ctx context.Context, siteID int64) ([]AutomationRule, error) {
	var out []AutomationRule
	err := s.q(ctx).Where("site_id = ? AND enabled = ?", siteID, true).Order("position, id").Find(&out).Error
	return out, err
}

// AutomationRuleByID returns a rule or ErrNotFound.
func (s *Store) AutomationRuleByID(ctx context.Context, id int64) (*AutomationRule, error) {
	var r AutomationRule
	if err := s.q(ctx).First(&r, id).Error; err != nil {
		return nil, translate(err)
	}
	return &r, nil
}

// CountAutomationRules counts a site's rules.
func (s *Store) CountAutomationRules(ctx context.Context, siteID int64) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&AutomationRule{}).Where("site_id = ?", siteID).Count(&n).Error
	return n, err
}

// NextAutomationPosition is the position after a site's last rule.
func (s *Store) NextAutomationPosition(ctx context.Context, siteID int64) (int, error) {
	var n *int
	err := s.q(ctx).Model(&AutomationRule{}).Where("site_id = ?", siteID).Select("MAX(position)").Scan(&n).Error
	if err != nil || n == nil {
		return 0, err
	}
	return *n + 1, nil
}

// CreateAutomationRule inserts a rule.
func (s *Store) CreateAutomationRule(ctx context.Context, r *AutomationRule) error {
	return translate(s.q(ctx).Create(r).Error)
}

// AutomationRuleUpdate is a change of a rule: nil fields stay.
type AutomationRuleUpdate struct {
	Name        *string
	Enabled     *bool
	Position    *int
	TriggerSpec *string
	Conditions  *string
	Actions     *string
	UpdatedBy   *int64
}

// UpdateAutomationRule writes the fields of u that are set.
func (s *Store) UpdateAutomationRule(ctx context.Context, id int64, u AutomationRuleUpdate, now time.Time) error {
	c := columns{"updated_at": now}
	putPtr(c, "name", u.Name)
	putPtr(c, "enabled", u.Enabled)
	putPtr(c, "position", u.Position)
	putPtr(c, "trigger_spec", u.TriggerSpec)
	putPtr(c, "conditions", u.Conditions)
	putPtr(c, "actions", u.Actions)
	putPtr(c, "updated_by", u.UpdatedBy)
	return s.update(ctx, &AutomationRule{}, c, "id = ?", id)
}

// DeleteAutomationRule removes a rule and its firings.
func (s *Store) DeleteAutomationRule(ctx context.Context, id int64) error {
	if err := s.q(ctx).Where("rule_id = ?", id).Delete(&AutomationFiring{}).Error; err != nil {
		return err
	}
	return s.q(ctx).Delete(&AutomationRule{}, id).Error
}

// AutomationFired reports whether a rule fired for an event already.
func (s *Store) AutomationFired(ctx context.Context, ruleID int64, eventKey string) (bool, error) {
	var n int64
	err := s.q(ctx).Model(&AutomationFiring{}).Where("rule_id = ? AND event_key = ?", ruleID, eventKey).Count(&n).Error
	return n > 0, err
}

// ClaimAutomationFiring records that a rule fires for an event; false when
// it fired for that event already.
func (s *Store) ClaimAutomationFiring(ctx context.Context, f *AutomationFiring) (bool, error) {
	res := s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(f)
	return res.RowsAffected == 1, translate(res.Error)
}
