package automation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// Triggers, condition fields and action types.
const (
	TriggerCreated = "conversation_created"
	TriggerMessage = "message_created"
	TriggerIdle    = "conversation_idle"
	TriggerLabel   = "label_added"
)

// operators lists the operators of each condition field (attribute.<key>
// shares the attribute's).
var operators = map[string][]string{
	"queue_id":       {"is", "is_not"},
	"page_url":       {"contains", "equals", "starts_with"},
	"language":       {"equals", "starts_with"},
	"business_hours": {"is"},
	"attribute":      {"equals", "contains", "exists"},
	"label":          {"has", "has_not"},
}

const maxText = 2000

// check validates the fields in sets, against the site's queues, agents
// and canned responses, and returns them as the store writes them.
func (s *Service) check(ctx context.Context, siteID int64, in Input) (store.AutomationRuleUpdate, error) {
	var u store.AutomationRuleUpdate
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if name == "" || utf8.RuneCountInString(name) > 100 || !utf8.ValidString(name) {
			return u, errs.Field("name", "1 to 100 characters")
		}
		u.Name = &name
	}
	u.Enabled = in.Enabled
	if in.Position != nil {
		if *in.Position < 0 || *in.Position > 10000 {
			return u, errs.Field("position", "0 to 10000")
		}
		u.Position = in.Position
	}
	if in.Trigger != nil {
		t, err := s.checkTrigger(ctx, *in.Trigger)
		if err != nil {
			return u, err
		}
		b, _ := json.Marshal(t)
		spec := string(b)
		u.TriggerSpec = &spec
	}
	if in.Conditions != nil {
		cs, err := s.checkConditions(ctx, siteID, *in.Conditions)
		if err != nil {
			return u, err
		}
		b, _ := json.Marshal(cs)
		spec := string(b)
		u.Conditions = &spec
	}
	if in.Actions != nil {
		as, err := s.checkActions(ctx, siteID, *in.Actions)
		if err != nil {
			return u, err
		}
		b, _ := json.Marshal(as)
		spec := string(b)
		u.Actions = &spec
	}
	return u, nil
}

func (s *Service) checkTrigger(ctx context.Context, t Trigger) (Trigger, error) {
	out := Trigger{Type: t.Type}
	switch t.Type {
	case TriggerCreated:
	case TriggerMessage:
		out.From = t.From
		if out.From == "" {
			out.From = "any"
		}
		if out.From != "visitor" && out.From != "agent" && out.From != "any" {
			return out, errs.Field("trigger.from", "visitor, agent or any")
		}
	case TriggerIdle:
		if t.Minutes < 1 || t.Minutes > MaxIdleMinutes {
			return out, errs.Field("trigger.minutes", "1 to 10080 minutes")
		}
		out.Minutes = t.Minutes
	case TriggerLabel:
		if t.LabelID != 0 {
			if err := s.checkLabel(ctx, "trigger.label_id", t.LabelID); err != nil {
				return out, err
			}
		}
		out.LabelID = t.LabelID
	default:
		return out, errs.Field("trigger.type", "a trigger: conversation_created, message_created, conversation_idle or label_added")
	}
	return out, nil
}

func (s *Service) checkLabel(ctx context.Context, field string, id int64) error {
	if _, err := s.store.LabelByID(ctx, id); errors.Is(err, store.ErrNotFound) {
		return errs.Field(field, "the id of a label")
	} else if err != nil {
		return errs.Wrap(err, "load label")
	}
	return nil
}

// intValue reads a condition's value as a positive integer id.
func intValue(v any) (int64, bool) {
	f, ok := v.(float64)
	if !ok || f < 1 || f > math.MaxInt32*float64(1<<20) || f != math.Trunc(f) {
		return 0, false
	}
	return int64(f), true
}

func (s *Service) checkConditions(ctx context.Context, siteID int64, cs []Condition) ([]Condition, error) {
	if len(cs) > MaxConditions {
		return nil, errs.Field("conditions", "at most 20 conditions")
	}
	out := make([]Condition, 0, len(cs))
	for i, c := range cs {
		at := fmt.Sprintf("conditions[%d]", i)
		kind := c.Field
		if key, ok := strings.CutPrefix(c.Field, "attribute."); ok {
			if key == "" || len(key) > 64 {
				return nil, errs.Field(at+".field", "queue_id, page_url, language, business_hours, label or attribute.<key>")
			}
			kind = "attribute"
		}
		ops, ok := operators[kind]
		if !ok {
			return nil, errs.Field(at+".field", "queue_id, page_url, language, business_hours, label or attribute.<key>")
		}
		known := false
		for _, o := range ops {
			known = known || o == c.Operator
		}
		if !known {
			return nil, errs.Fieldf(at+".operator", "one of: %s", strings.Join(ops, ", "))
		}
		n := Condition{Field: c.Field, Operator: c.Operator}
		switch kind {
		case "queue_id":
			id, ok := intValue(c.Value)
			if !ok {
				return nil, errs.Field(at+".value", "the id of a queue of this site")
			}
			if q, err := s.store.QueueByID(ctx, id); err != nil || q.SiteID != siteID {
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return nil, errs.Wrap(err, "load queue")
				}
				return nil, errs.Field(at+".value", "the id of a queue of this site")
			}
			n.Value = id
		case "label":
			id, ok := intValue(c.Value)
			if !ok {
				return nil, errs.Field(at+".value", "the id of a label")
			}
			if err := s.checkLabel(ctx, at+".value", id); err != nil {
				return nil, err
			}
			n.Value = id
		case "business_hours":
			if c.Value != "open" && c.Value != "closed" {
				return nil, errs.Field(at+".value", "open or closed")
			}
			n.Value = c.Value
		default:
			if c.Operator == "exists" {
				break
			}
			v, ok := c.Value.(string)
			if !ok || v == "" || utf8.RuneCountInString(v) > maxText {
				return nil, errs.Field(at+".value", "a text of 1 to 2000 characters")
			}
			n.Value = v
		}
		out = append(out, n)
	}
	return out, nil
}

func (s *Service) checkActions(ctx context.Context, siteID int64, as []Action) ([]Action, error) {
	if len(as) == 0 || len(as) > MaxActions {
		return nil, errs.Field("actions", "1 to 5 actions")
	}
	out := make([]Action, 0, len(as))
	for i, a := range as {
		at := fmt.Sprintf("actions[%d]", i)
		n := Action{Type: a.Type}
		switch a.Type {
		case "assign_agent":
			ok := a.UserID > 0
			if ok {
				var err error
				if ok, err = s.store.IsSiteStaff(ctx, siteID, a.UserID); err != nil {
					return nil, errs.Wrap(err, "check agent")
				}
			}
			if !ok {
				return nil, errs.Field(at+".user_id", "the id of an agent of this site")
			}
			n.UserID = a.UserID
		case "assign_team":
			if _, err := s.store.TeamByID(ctx, a.TeamID); errors.Is(err, store.ErrNotFound) {
				return nil, errs.Field(at+".team_id", "the id of a team")
			} else if err != nil {
				return nil, errs.Wrap(err, "load team")
			}
			n.TeamID = a.TeamID
		case "add_label":
			if err := s.checkLabel(ctx, at+".label_id", a.LabelID); err != nil {
				return nil, err
			}
			n.LabelID = a.LabelID
		case "send_canned":
			c, err := s.store.CannedResponseByID(ctx, a.CannedID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, errs.Wrap(err, "load canned response")
			}
			if err != nil || c.SiteID != siteID {
				return nil, errs.Field(at+".canned_id", "the id of a canned response of this site")
			}
			n.CannedID = a.CannedID
		case "resolve":
		case "send_webhook":
			if s.webhooks == nil {
				return nil, errs.Field(at+".type", "assign_agent, assign_team, add_label, send_canned, resolve or send_webhook")
			}
			hook, err := s.outbound.CheckEndpoint(at+".url", a.URL)
			if err != nil {
				return nil, err
			}
			n.URL = hook
		default:
			return nil, errs.Field(at+".type", "assign_agent, assign_team, add_label, send_canned, resolve or send_webhook")
		}
		out = append(out, n)
	}
	return out, nil
}
