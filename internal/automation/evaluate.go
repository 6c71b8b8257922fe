package automation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parley-chat/parley/internal/audit"
	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/jobs"
	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/internal/support"
)

// causedKey marks the context of a rule's actions: the events they cause
// (the rule's label, its reply) trigger no rule, so rules cannot loop.
type causedKey struct{}

func causedByRule(ctx context.Context) bool { return ctx.Value(causedKey{}) != nil }

// Trigger schedules, in the transaction of the event, the evaluation of
// the site's rules for it, and for a new conversation or message the idle
// checks of the site's idle rules.
func (h *Hook) Trigger(ctx context.Context, tx *store.Store, ev support.AutomationEvent) error {
	if causedByRule(ctx) {
		return nil
	}
	rules, err := tx.EnabledAutomationRules(ctx, ev.SiteID)
	if err != nil || len(rules) == 0 {
		return err
	}
	evaluate := false
	for i := range rules {
		t := view(&rules[i]).Trigger
		switch {
		case t.Type == ev.Trigger:
			evaluate = true
		case t.Type == TriggerIdle && ev.Trigger != TriggerLabel:
			p := jobs.AutomationPayload{Trigger: TriggerIdle, ConversationID: ev.ConversationID, RuleID: rules[i].ID}
			if err := h.jobs.EnqueueAutomationIdle(ctx, tx, p, time.Duration(t.Minutes)*time.Minute); err != nil {
				return err
			}
		}
	}
	if !evaluate {
		return nil
	}
	return h.jobs.EnqueueAutomation(ctx, tx, jobs.AutomationPayload{Trigger: ev.Trigger, ConversationID: ev.ConversationID,
		Key: ev.Key, From: ev.From, LabelID: ev.LabelID})
}

// Evaluate runs the site's enabled rules for an event, in order, against
// the conversation as it is now.
func (s *Service) Evaluate(ctx context.Context, p jobs.AutomationPayload) error {
	sc, err := s.store.SupportConversationByID(ctx, p.ConversationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	rules, err := s.store.EnabledAutomationRules(ctx, sc.SiteID)
	if err != nil {
		return err
	}
	for i := range rules {
		r := view(&rules[i])
		if !triggered(r.Trigger, p) {
			continue
		}
		if err := s.fire(ctx, &rules[i], r, p); err != nil {
			return err
		}
	}
	return nil
}

// triggered reports whether an event is one a trigger reacts to.
func triggered(t Trigger, p jobs.AutomationPayload) bool {
	if t.Type != p.Trigger {
		return false
	}
	switch t.Type {
	case TriggerMessage:
		return t.From == "any" || t.From == "" || t.From == p.From
	case TriggerLabel:
		return t.LabelID == 0 || t.LabelID == p.LabelID
	}
	return true
}

// CheckIdle fires an idle rule for a conversation that is open and has
// been silent for the rule's minutes; one that spoke meanwhile is checked
// again when it will have been silent that long.
func (s *Service) CheckIdle(ctx context.Context, p jobs.AutomationPayload) error {
	row, err := s.store.AutomationRuleByID(ctx, p.RuleID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	r := view(row)
	if !row.Enabled || r.Trigger.Type != TriggerIdle {
		return nil
	}
	sc, err := s.store.SupportConversationByID(ctx, p.ConversationID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (sc.Status == support.StatusResolved || sc.SiteID != row.SiteID)) {
		return nil
	}
	if err != nil {
		return err
	}
	conv, err := s.store.ConversationByID(ctx, p.ConversationID)
	if err != nil {
		return err
	}
	idle := time.Duration(r.Trigger.Minutes) * time.Minute
	last := conv.CreatedAt
	if conv.LastMessageAt != nil {
		last = *conv.LastMessageAt
	}
	if wait := last.Add(idle).Sub(s.now()); wait > 0 {
		return s.store.Tx(ctx, func(tx *store.Store) error {
			return s.jobs.EnqueueAutomationIdle(ctx, tx, p, wait)
		})
	}
	p.Key = fmt.Sprintf("idle:%d:%d", conv.ID, conv.LastSeq)
	return s.fire(ctx, row, r, p)
}

// state is what conditions test: the conversation as it is now.
type state struct {
	sc      *store.SupportConversation
	site    *store.Site
	visitor *store.Visitor
	attrs   map[string]string
	labels  []int64
}

func (s *Service) load(ctx context.Context, conversationID int64) (*state, error) {
	st := &state{attrs: map[string]string{}}
	var err error
	if st.sc, err = s.store.SupportConversationByID(ctx, conversationID); err != nil {
		return nil, err
	}
	if st.site, err = s.store.SiteByID(ctx, st.sc.SiteID); err != nil {
		return nil, err
	}
	if st.visitor, err = s.store.VisitorByID(ctx, st.sc.VisitorID); err != nil {
		return nil, err
	}
	attrs, err := s.store.VisitorAttributes(ctx, st.sc.VisitorID)
	if err != nil {
		return nil, err
	}
	for _, a := range attrs {
		var v any
		if json.Unmarshal([]byte(a.Value), &v) == nil {
			st.attrs[a.Key] = fmt.Sprint(v)
		} else {
			st.attrs[a.Key] = a.Value
		}
	}
	ls, err := s.store.ConversationLabels(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	for _, l := range ls {
		st.labels = append(st.labels, l.ID)
	}
	return st, nil
}

// holds reports whether a condition holds in a state.
func (s *Service) holds(c Condition, st *state) bool {
	text := func(have string) bool {
		want, _ := c.Value.(string)
		switch c.Operator {
		case "equals":
			return strings.EqualFold(have, want)
		case "contains":
			return strings.Contains(strings.ToLower(have), strings.ToLower(want))
		case "starts_with":
			return strings.HasPrefix(strings.ToLower(have), strings.ToLower(want))
		}
		return false
	}
	id, _ := c.Value.(float64)
	switch c.Field {
	case "queue_id":
		return (st.sc.QueueID == int64(id)) == (c.Operator == "is")
	case "page_url":
		return text(st.visitor.PageURL)
	case "language":
		return text(st.visitor.Locale)
	case "business_hours":
		return support.SiteOpenAt(st.site, s.now()) == (c.Value == "open")
	case "label":
		return slices.Contains(st.labels, int64(id)) == (c.Operator == "has")
	}
	key, _ := strings.CutPrefix(c.Field, "attribute.")
	v, ok := st.attrs[key]
	if c.Operator == "exists" {
		return ok
	}
	return ok && text(v)
}

// Outcome is what one action of a fired rule did.
type Outcome struct {
	Type  string `json:"type"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// fire runs a rule for an event if its conditions hold and it did not
// fire for that event yet, and logs it.
func (s *Service) fire(ctx context.Context, row *store.AutomationRule, r Rule, p jobs.AutomationPayload) error {
	st, err := s.load(ctx, p.ConversationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, c := range r.Conditions {
		if !s.holds(c, st) {
			return nil
		}
	}
	// The firing is recorded with its log entry once the actions ran: a
	// crash or a failing database on the way leaves it unrecorded, and the
	// job's retry runs the actions again (each is safe to repeat: the reply
	// carries a client_msg_id, a label is a set, a resolved conversation
	// stays resolved; a webhook is delivered at least once).
	fired, err := s.store.AutomationFired(ctx, r.ID, p.Key)
	if err != nil || fired {
		return err
	}
	actx := context.WithValue(ctx, causedKey{}, r.ID)
	outcomes := make([]Outcome, 0, len(r.Actions))
	for _, a := range r.Actions {
		o := Outcome{Type: a.Type, OK: true}
		if err := s.act(actx, row, st, a, p); err != nil {
			e, domain := errs.As(err)
			if !domain || e.Code == errs.Internal || e.Code == errs.Unavailable {
				return err // retried by the job
			}
			o.OK, o.Error = false, "failed"
			if e.Reason != "" {
				o.Error = e.Reason
			}
			s.log.WarnContext(ctx, "automation action failed", "rule_id", r.ID, "conversation_id", p.ConversationID, "action", a.Type, "err", err)
		}
		outcomes = append(outcomes, o)
	}
	return s.store.Tx(ctx, func(tx *store.Store) error {
		claimed, err := tx.ClaimAutomationFiring(ctx, &store.AutomationFiring{RuleID: r.ID, EventKey: p.Key, ConversationID: p.ConversationID, FiredAt: s.now()})
		if err != nil || !claimed {
			return err // a concurrent run of the same job logged it
		}
		return audit.Record(ctx, tx, 0, "automation.fired", "conversation", p.ConversationID, map[string]any{
			"actor": "automation", "rule_id": r.ID, "rule_name": r.Name, "site_id": row.SiteID,
			"event": p.Trigger, "event_key": p.Key, "actions": outcomes})
	})
}

var errAuthorGone = errs.R(errs.Forbidden, "rule_author_not_admin", "the admin who saved this rule is no longer an admin")

// author is the identity a rule's actions use: the admin who last saved it.
func (s *Service) author(ctx context.Context, row *store.AutomationRule) (auth.Identity, error) {
	if row.UpdatedBy == nil {
		return auth.Identity{}, errAuthorGone
	}
	u, err := s.store.UserByID(ctx, *row.UpdatedBy)
	if err != nil || u.DisabledAt != nil || u.Role != auth.RoleAdmin {
		return auth.Identity{}, errAuthorGone
	}
	return auth.Identity{Kind: store.SenderUser, ID: u.ID, Role: u.Role, Name: u.Username}, nil
}

// act performs one action of a rule.
func (s *Service) act(ctx context.Context, row *store.AutomationRule, st *state, a Action, p jobs.AutomationPayload) error {
	convID := st.sc.ConversationID
	switch a.Type {
	case "send_canned":
		c, err := s.store.CannedResponseByID(ctx, a.CannedID)
		if err != nil || c.SiteID != row.SiteID {
			return errs.R(errs.NotFound, "canned_response_not_found", "no such canned response")
		}
		var m *store.Message
		err = s.store.Tx(ctx, func(tx *store.Store) error {
			m, err = s.chat.PostSiteTextTx(ctx, tx, convID, row.SiteID, fmt.Sprintf("auto-%d-%s", row.ID, p.Key), c.Body)
			return err
		})
		if err != nil {
			return err
		}
		s.chat.Announce(ctx, nil, m)
		return nil
	case "send_webhook":
		v := view(row)
		return s.store.Tx(ctx, func(tx *store.Store) error {
			return s.webhooks.EmitTo(ctx, tx, row.SiteID, a.URL, "automation.rule_fired", map[string]any{
				"rule":  map[string]any{"id": v.ID, "name": v.Name},
				"event": map[string]any{"type": p.Trigger, "key": p.Key},
				"conversation": map[string]any{"id": convID, "site_id": st.sc.SiteID, "queue_id": st.sc.QueueID,
					"status": st.sc.Status, "visitor_id": st.sc.VisitorID, "assignee_id": st.sc.AssigneeID},
			})
		})
	}
	actor, err := s.author(ctx, row)
	if err != nil {
		return err
	}
	switch a.Type {
	case "assign_agent":
		_, err = s.routing.Transfer(ctx, actor, convID, support.TransferInput{AgentID: &a.UserID})
	case "assign_team":
		_, err = s.routing.Transfer(ctx, actor, convID, support.TransferInput{TeamID: &a.TeamID})
	case "add_label":
		_, err = s.labels.BulkConversationLabels(ctx, actor, support.BulkLabels{ConversationIDs: []int64{convID}, Add: []int64{a.LabelID}})
	case "resolve":
		_, err = s.routing.Resolve(ctx, actor, convID)
	}
	return err
}
