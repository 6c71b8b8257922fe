// Package automation runs a support site's automation rules: when a
// conversation is created, a message arrives, it idles for some minutes or
// a label is added, and the rule's conditions hold, its actions run
// (assign, label, canned reply, resolve, webhook). Rules are evaluated in
// background jobs; every rule fired is written to the action log.
package automation

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/parley-chat/parley/internal/audit"
	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/jobs"
	"github.com/parley-chat/parley/internal/outbound"
	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/internal/support"
)

// Bounds of rules.
const (
	MaxRulesPerSite = 100
	MaxConditions   = 20
	MaxActions      = 5
	MaxIdleMinutes  = 10080 // a week
)

// Rule is an automation rule as admins manage it.
type Rule struct {
	ID         int64       `json:"id"`
	SiteID     int64       `json:"site_id"`
	Name       string      `json:"name"`
	Enabled    bool        `json:"enabled"`
	Position   int         `json:"position"`
	Trigger    Trigger     `json:"trigger"`
	Conditions []Condition `json:"conditions"`
	Actions    []Action    `json:"actions"`
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
}

// Trigger is the event a rule reacts to.
type Trigger struct {
	Type    string `json:"type"`               // conversation_created | message_created | conversation_idle | label_added
	From    string `json:"from,omitempty"`     // message_created: visitor | agent | any
	Minutes int    `json:"minutes,omitempty"`  // conversation_idle
	LabelID int64  `json:"label_id,omitempty"` // label_added: only this label (0: any)
}

// Condition is a test of the conversation's state; a rule's conditions
// must all hold.
type Condition struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    any    `json:"value,omitempty"`
}

// Action is what a fired rule does.
type Action struct {
	Type     string `json:"type"` // assign_agent | assign_team | add_label | send_canned | resolve | send_webhook
	UserID   int64  `json:"user_id,omitempty"`
	TeamID   int64  `json:"team_id,omitempty"`
	LabelID  int64  `json:"label_id,omitempty"`
	CannedID int64  `json:"canned_id,omitempty"`
	URL      string `json:"url,omitempty"`
}

// Input creates a rule, or changes one (nil fields stay).
type Input struct {
	Name       *string      `json:"name"`
	Enabled    *bool        `json:"enabled"`
	Position   *int         `json:"position"`
	Trigger    *Trigger     `json:"trigger"`
	Conditions *[]Condition `json:"conditions"`
	Actions    *[]Action    `json:"actions"`
}

// Jobs schedules the evaluation of rules through the transaction of the
// event.
type Jobs interface {
	EnqueueAutomation(ctx context.Context, tx *store.Store, p jobs.AutomationPayload) error
	EnqueueAutomationIdle(ctx context.Context, tx *store.Store, p jobs.AutomationPayload, delay time.Duration) error
}

// Hook hears support's events in their transactions and schedules the
// evaluation of the site's rules. It needs only the job client, so that
// support is built with it before the services the actions use.
type Hook struct {
	jobs Jobs
}

// NewHook builds the hook support tells its events to.
func NewHook(j Jobs) *Hook { return &Hook{jobs: j} }

var _ support.Automation = (*Hook)(nil)

// Webhooks delivers a rule's webhook through Parley's outbound door.
type Webhooks interface {
	EmitTo(ctx context.Context, tx *store.Store, siteID int64, url, event string, data any) error
}

// Service manages rules and runs them.
type Service struct {
	store    *store.Store
	jobs     Jobs
	routing  *support.Routing
	labels   *support.Labels
	chat     *chat.Service
	webhooks Webhooks
	outbound *outbound.Client
	log      *slog.Logger
	clock    clockwork.Clock
}

// Deps are the services a rule's actions use.
type Deps struct {
	Store    *store.Store
	Jobs     Jobs
	Routing  *support.Routing
	Labels   *support.Labels
	Chat     *chat.Service
	Webhooks Webhooks
	// Outbound is Parley's door for requests to URLs people typed; it
	// checks a send_webhook action's URL.
	Outbound *outbound.Client
	Clock    clockwork.Clock
	Log      *slog.Logger
}

// New builds the service.
func New(d Deps) *Service {
	if d.Clock == nil {
		d.Clock = clockwork.NewRealClock()
	}
	return &Service{store: d.Store, jobs: d.Jobs, routing: d.Routing, labels: d.Labels, chat: d.Chat, webhooks: d.Webhooks,
		outbound: d.Outbound, log: d.Log, clock: d.Clock}
}

func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

var (
	errNoRule       = errs.R(errs.NotFound, "automation_rule_not_found", "no such automation rule")
	errNoSite       = errs.R(errs.NotFound, "site_not_found", "no such site")
	errAdminOnly    = errs.R(errs.Forbidden, "forbidden", "only admins manage automation rules")
	errNotSiteStaff = errs.R(errs.Forbidden, "forbidden", "you are not an agent of this site")
	errTooMany      = errs.R(errs.Rule, "too_many_automation_rules", "this site has 100 automation rules already; delete one first")
)

func view(r *store.AutomationRule) Rule {
	v := Rule{ID: r.ID, SiteID: r.SiteID, Name: r.Name, Enabled: r.Enabled, Position: r.Position,
		Conditions: []Condition{}, Actions: []Action{}, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	_ = json.Unmarshal([]byte(r.TriggerSpec), &v.Trigger)
	_ = json.Unmarshal([]byte(r.Conditions), &v.Conditions)
	_ = json.Unmarshal([]byte(r.Actions), &v.Actions)
	return v
}

// readable checks that actor may read a site's rules: admins, and the
// site's agents.
func (s *Service) readable(ctx context.Context, actor auth.Identity, siteID int64) error {
	if _, err := s.store.SiteByID(ctx, siteID); errors.Is(err, store.ErrNotFound) {
		return errNoSite
	} else if err != nil {
		return errs.Wrap(err, "load site")
	}
	if actor.IsAdmin() {
		return nil
	}
	ok, err := s.store.IsSiteStaff(ctx, siteID, actor.ID)
	if err != nil {
		return errs.Wrap(err, "check agent")
	}
	if !ok {
		return errNotSiteStaff
	}
	return nil
}

// List lists a site's rules in their order (admins and the site's
// agents). Errors: 403, 404 site_not_found.
func (s *Service) List(ctx context.Context, actor auth.Identity, siteID int64) ([]Rule, error) {
	if err := s.readable(ctx, actor, siteID); err != nil {
		return nil, err
	}
	rows, err := s.store.AutomationRulesOfSite(ctx, siteID)
	if err != nil {
		return nil, errs.Wrap(err, "list automation rules")
	}
	out := make([]Rule, 0, len(rows))
	for i := range rows {
		out = append(out, view(&rows[i]))
	}
	return out, nil
}

// ruleFor loads a rule actor may read: 404 when it does not exist, 403
// for who serves not its site.
func (s *Service) ruleFor(ctx context.Context, actor auth.Identity, id int64) (*store.AutomationRule, error) {
	r, err := s.store.AutomationRuleByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoRule
	}
	if err != nil {
		return nil, errs.Wrap(err, "load automation rule")
	}
	if err := s.readable(ctx, actor, r.SiteID); err != nil {
		return nil, err
	}
	return r, nil
}

// Get returns a rule. Errors: 403, 404 automation_rule_not_found.
func (s *Service) Get(ctx context.Context, actor auth.Identity, id int64) (*Rule, error) {
	r, err := s.ruleFor(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	v := view(r)
	return &v, nil
}

// Create adds a rule to a site (admins), last in order unless a position
// is given. Errors: 400 naming the field, 403, 404 site_not_found, 422
// too_many_automation_rules.
func (s *Service) Create(ctx context.Context, actor auth.Identity, siteID int64, in Input) (*Rule, error) {
	if !actor.IsAdmin() {
		return nil, errAdminOnly
	}
	if err := s.readable(ctx, actor, siteID); err != nil {
		return nil, err
	}
	if in.Name == nil {
		return nil, errs.Field("name", "1 to 100 characters")
	}
	if in.Trigger == nil {
		return nil, errs.Field("trigger", "a trigger: conversation_created, message_created, conversation_idle or label_added")
	}
	if in.Actions == nil {
		return nil, errs.Field("actions", "1 to 5 actions")
	}
	c, err := s.check(ctx, siteID, in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	r := &store.AutomationRule{SiteID: siteID, Name: *c.Name, Enabled: true, TriggerSpec: *c.TriggerSpec,
		Conditions: "[]", Actions: *c.Actions, UpdatedBy: &actor.ID, CreatedAt: now, UpdatedAt: now}
	if c.Enabled != nil {
		r.Enabled = *c.Enabled
	}
	if c.Conditions != nil {
		r.Conditions = *c.Conditions
	}
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		n, err := tx.CountAutomationRules(ctx, siteID)
		if err != nil {
			return err
		}
		if n >= MaxRulesPerSite {
			return errTooMany
		}
		if c.Position != nil {
			r.Position = *c.Position
		} else if r.Position, err = tx.NextAutomationPosition(ctx, siteID); err != nil {
			return err
		}
		if err := tx.CreateAutomationRule(ctx, r); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.ID, "automation_rule.create", "automation_rule", r.ID, map[string]any{"site_id": siteID, "name": r.Name})
	})
	if err != nil {
		return nil, asDomain(err, "create automation rule")
	}
	v := view(r)
	return &v, nil
}

// Update changes a rule (admins); the rule's actions then use the rights
// of the admin who changed it. Errors: 400, 403, 404.
func (s *Service) Update(ctx context.Context, actor auth.Identity, id int64, in Input) (*Rule, error) {
	if !actor.IsAdmin() {
		return nil, errAdminOnly
	}
	r, err := s.ruleFor(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	u, err := s.check(ctx, r.SiteID, in)
	if err != nil {
		return nil, err
	}
	u.UpdatedBy = &actor.ID
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.UpdateAutomationRule(ctx, id, u, s.now()); err != nil {
			return err
		}
		if r, err = tx.AutomationRuleByID(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.ID, "automation_rule.update", "automation_rule", id, map[string]any{"site_id": r.SiteID, "name": r.Name, "enabled": r.Enabled})
	})
	if err != nil {
		return nil, asDomain(err, "update automation rule")
	}
	v := view(r)
	return &v, nil
}

// Delete removes a rule (admins). Errors: 403, 404.
func (s *Service) Delete(ctx context.Context, actor auth.Identity, id int64) error {
	if !actor.IsAdmin() {
		return errAdminOnly
	}
	r, err := s.ruleFor(ctx, actor, id)
	if err != nil {
		return err
	}
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteAutomationRule(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.ID, "automation_rule.delete", "automation_rule", id, map[string]any{"site_id": r.SiteID, "name": r.Name})
	})
	if err != nil {
		return asDomain(err, "delete automation rule")
	}
	return nil
}

// asDomain passes domain errors on and wraps any other.
func asDomain(err error, what string) error {
	if _, ok := errs.As(err); ok {
		return err
	}
	return errs.Wrap(err, what)
}
