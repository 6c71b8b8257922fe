package support

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/audit"
	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// Bounds of labels.
const (
	MaxLabels            = 500 // labels in the account
	MaxLabelsPerItem     = 50  // labels on one conversation or visitor
	MaxBulkConversations = 100 // conversations in one bulk change
)

// Label is an account-wide tag, as admins manage it.
type Label struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Colour      string    `json:"colour"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
}

// LabelRef is a label as conversation and visitor views carry it.
type LabelRef struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Colour string `json:"colour"`
}

// LabelInput creates a label, or changes one (nil fields stay).
type LabelInput struct {
	Name        *string `json:"name"`
	Colour      *string `json:"colour"`
	Description *string `json:"description"`
}

// BulkLabels adds and removes labels on many conversations at once.
type BulkLabels struct {
	ConversationIDs []int64 `json:"conversation_ids"`
	Add             []int64 `json:"add"`
	Remove          []int64 `json:"remove"`
}

// Labels manages labels and puts them on conversations and visitors.
type Labels struct {
	shared
	rules *Rules
	chat  *chat.Service
}

// NewLabels builds the labels on the rules chat was built with.
func NewLabels(rules *Rules, ch *chat.Service) *Labels {
	return &Labels{shared: rules.shared, rules: rules, chat: ch}
}

var (
	errNoLabel         = errs.R(errs.NotFound, "label_not_found", "no such label")
	errUnknownLabel    = errs.R(errs.Rule, "unknown_label", "a label in the list does not exist")
	errLabelAdmin      = errs.R(errs.Forbidden, "forbidden", "only admins manage labels")
	errLabelStaff      = errs.R(errs.Forbidden, "forbidden", "only agents and admins see labels")
	errLabelNameTaken  = errs.R(errs.Conflict, "label_name_taken", "a label with this name exists already")
	colourPattern      = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	errTooManyLabels   = errs.R(errs.Rule, "too_many_labels", "there are 500 labels already; delete one first")
	errLabelVisitorNot = errs.R(errs.NotFound, "visitor_not_found", "no such visitor")
)

func labelView(l *store.Label) Label {
	return Label{ID: l.ID, Name: l.Name, Colour: l.Colour, Description: l.Description, CreatedAt: l.CreatedAt}
}

func labelRefs(ls []store.Label) []LabelRef {
	out := make([]LabelRef, 0, len(ls))
	for _, l := range ls {
		out = append(out, LabelRef{ID: l.ID, Name: l.Name, Colour: l.Colour})
	}
	return out
}

// isStaff reports whether a user is, now, an enabled agent or admin.
func (s *Labels) isStaff(ctx context.Context, userID int64) (bool, error) {
	u, err := s.store.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, errs.Wrap(err, "load user")
	}
	return u.DisabledAt == nil && (u.Role == auth.RoleAgent || u.Role == auth.RoleAdmin), nil
}

// List lists every label by name, for agents and admins.
func (s *Labels) List(ctx context.Context, actor auth.Identity) ([]Label, error) {
	ok, err := s.isStaff(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errLabelStaff
	}
	rows, err := s.store.Labels(ctx)
	if err != nil {
		return nil, errs.Wrap(err, "list labels")
	}
	out := make([]Label, 0, len(rows))
	for i := range rows {
		out = append(out, labelView(&rows[i]))
	}
	return out, nil
}

// checkLabel validates the fields a label input sets.
func checkLabel(in LabelInput) (store.LabelUpdate, map[string]any, error) {
	var u store.LabelUpdate
	detail := map[string]any{}
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if name == "" || utf8.RuneCountInString(name) > 50 || !utf8.ValidString(name) {
			return u, nil, errs.Field("name", "1 to 50 characters")
		}
		u.Name, detail["name"] = &name, name
	}
	if in.Colour != nil {
		if !colourPattern.MatchString(*in.Colour) {
			return u, nil, errs.Field("colour", "a colour as #rrggbb")
		}
		c := strings.ToLower(*in.Colour)
		u.Colour, detail["colour"] = &c, c
	}
	if in.Description != nil {
		d := strings.TrimSpace(*in.Description)
		if utf8.RuneCountInString(d) > 200 || !utf8.ValidString(d) {
			return u, nil, errs.Field("description", "at most 200 characters")
		}
		u.Description, detail["description"] = &d, d
	}
	return u, detail, nil
}

// Create adds a label (admins only). Errors: 403, 400 naming the field,
// 409 label_name_taken, 422 too_many_labels.
func (s *Labels) Create(ctx context.Context, actor auth.Identity, in LabelInput) (*Label, error) {
	if !actor.IsAdmin() {
		return nil, errLabelAdmin
	}
	if in.Name == nil {
		return nil, errs.Field("name", "1 to 50 characters")
	}
	if in.Colour == nil {
		return nil, errs.Field("colour", "a colour as #rrggbb")
	}
	u, detail, err := checkLabel(in)
	if err != nil {
		return nil, err
	}
	l := &store.Label{Name: *u.Name, Colour: *u.Colour, CreatedAt: s.now(), UpdatedAt: s.now()}
	if u.Description != nil {
		l.Description = *u.Description
	}
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		n, err := tx.CountLabels(ctx)
		if err != nil {
			return err
		}
		if n >= MaxLabels {
			return errTooManyLabels
		}
		if taken, err := tx.LabelNameTaken(ctx, l.Name, 0); err != nil || taken {
			return cmpErr(err, errLabelNameTaken)
		}
		if err := tx.CreateLabel(ctx, l); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return errLabelNameTaken
			}
			return err
		}
		return audit.Record(ctx, tx, actor.ID, "label.create", "label", l.ID, detail)
	})
	if err != nil {
		return nil, asDomain(err, "create label")
	}
	v := labelView(l)
	return &v, nil
}

// cmpErr is err when there is one, else rule.
func cmpErr(err error, rule error) error {
	if err != nil {
		return err
	}
	return rule
}

// Update changes a label (admins only). Errors: 403, 400, 404
// label_not_found, 409 label_name_taken.
func (s *Labels) Update(ctx context.Context, actor auth.Identity, id int64, in LabelInput) (*Label, error) {
	if !actor.IsAdmin() {
		return nil, errLabelAdmin
	}
	u, detail, err := checkLabel(in)
	if err != nil {
		return nil, err
	}
	var l *store.Label
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		if _, err := tx.LabelByID(ctx, id); errors.Is(err, store.ErrNotFound) {
			return errNoLabel
		} else if err != nil {
			return err
		}
		if u.Name != nil {
			if taken, err := tx.LabelNameTaken(ctx, *u.Name, id); err != nil || taken {
				return cmpErr(err, errLabelNameTaken)
			}
		}
		if err := tx.UpdateLabel(ctx, id, u, s.now()); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return errLabelNameTaken
			}
			return err
		}
		var err error
		if l, err = tx.LabelByID(ctx, id); err != nil {
			return err
		}
		if len(detail) == 0 {
			return nil
		}
		return audit.Record(ctx, tx, actor.ID, "label.update", "label", id, detail)
	})
	if err != nil {
		return nil, asDomain(err, "update label")
	}
	v := labelView(l)
	return &v, nil
}

// Delete removes a label from everything it is on (admins only). Errors:
// 403, 404 label_not_found.
func (s *Labels) Delete(ctx context.Context, actor auth.Identity, id int64) error {
	if !actor.IsAdmin() {
		return errLabelAdmin
	}
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		l, err := tx.LabelByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNoLabel
		}
		if err != nil {
			return err
		}
		if err := tx.DeleteLabel(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.ID, "label.delete", "label", id, map[string]any{"name": l.Name})
	})
	if err != nil {
		return asDomain(err, "delete label")
	}
	return nil
}

// checkLabelIDs refuses a list that is too long or names a label that
// does not exist, and returns it without repeats.
func checkLabelIDs(ctx context.Context, st *store.Store, field string, ids []int64) ([]int64, error) {
	if len(ids) > MaxLabelsPerItem {
		return nil, errs.Field(field, "at most 50 labels")
	}
	out := []int64{}
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	found, err := st.LabelsByIDs(ctx, out)
	if err != nil {
		return nil, errs.Wrap(err, "load labels")
	}
	if len(found) != len(out) {
		return nil, errUnknownLabel
	}
	return out, nil
}

// SetConversationLabels replaces the labels on a conversation, for the
// agents of its site. Each label added is a `labelled` conversation event.
// Errors: 400, 403, 404 conversation_not_found, 422 unknown_label.
func (s *Labels) SetConversationLabels(ctx context.Context, actor auth.Identity, conversationID int64, labelIDs []int64) (*Conversation, error) {
	if labelIDs == nil {
		return nil, errs.Field("label_ids", "a list of label ids")
	}
	ids, err := checkLabelIDs(ctx, s.store, "label_ids", labelIDs)
	if err != nil {
		return nil, err
	}
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		sc, err := supportFor(ctx, tx, actor, conversationID)
		if err != nil {
			return err
		}
		current, err := tx.ConversationLabels(ctx, conversationID)
		if err != nil {
			return err
		}
		var remove []int64
		for _, l := range current {
			if !slices.Contains(ids, l.ID) {
				remove = append(remove, l.ID)
			}
		}
		return s.changeTx(ctx, tx, actor, sc, ids, remove)
	})
	if err != nil {
		return nil, asDomain(err, "label conversation")
	}
	return s.announce(ctx, conversationID)
}

// changeTx adds and removes labels on one conversation in tx.
func (s *Labels) changeTx(ctx context.Context, tx *store.Store, actor auth.Identity, sc *store.SupportConversation, add, remove []int64) error {
	for _, id := range remove {
		if err := tx.RemoveConversationLabel(ctx, sc.ConversationID, id); err != nil {
			return err
		}
	}
	for _, id := range add {
		added, err := tx.AddConversationLabel(ctx, sc.ConversationID, id, s.now())
		if err != nil {
			return err
		}
		if added {
			if err := s.rules.logEvent(ctx, tx, sc, "labelled", &actor.ID, id); err != nil {
				return err
			}
			if err := s.rules.trigger(ctx, tx, AutomationEvent{Trigger: "label_added", SiteID: sc.SiteID, ConversationID: sc.ConversationID,
				Key: fmt.Sprintf("label:%d:%d:%d", sc.ConversationID, id, s.now().UnixNano()), LabelID: id}); err != nil {
				return err
			}
		}
	}
	return nil
}

// BulkResult is the outcome of a bulk change: the conversations as they
// are now.
type BulkResult struct {
	Items []Conversation `json:"items"`
}

// BulkConversationLabels adds and removes labels on up to 100
// conversations at once, all or nothing: if the agent may not act on one
// of them, nothing changes (403, or 404 for one that does not exist).
// Errors: 400, 403, 404 conversation_not_found, 422 unknown_label.
func (s *Labels) BulkConversationLabels(ctx context.Context, actor auth.Identity, in BulkLabels) (*BulkResult, error) {
	if len(in.ConversationIDs) == 0 || len(in.ConversationIDs) > MaxBulkConversations {
		return nil, errs.Field("conversation_ids", "1 to 100 conversation ids")
	}
	if len(in.Add) == 0 && len(in.Remove) == 0 {
		return nil, errs.Field("add", "labels to add or remove")
	}
	add, err := checkLabelIDs(ctx, s.store, "add", in.Add)
	if err != nil {
		return nil, err
	}
	remove, err := checkLabelIDs(ctx, s.store, "remove", in.Remove)
	if err != nil {
		return nil, err
	}
	for _, id := range add {
		if slices.Contains(remove, id) {
			return nil, errs.Field("remove", "a label cannot be both added and removed")
		}
	}
	convs := []int64{}
	for _, id := range in.ConversationIDs {
		if !slices.Contains(convs, id) {
			convs = append(convs, id)
		}
	}
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		for _, id := range convs {
			sc, err := supportFor(ctx, tx, actor, id)
			if err != nil {
				return err
			}
			if err := s.changeTx(ctx, tx, actor, sc, add, remove); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, asDomain(err, "label conversations")
	}
	out := &BulkResult{Items: []Conversation{}}
	for _, id := range convs {
		v, err := s.announce(ctx, id)
		if err != nil {
			return nil, err
		}
		out.Items = append(out.Items, *v)
	}
	return out, nil
}

// announce tells the agents of a conversation's site its new labels (the
// visitor never sees labels) and returns the agents' view.
func (s *Labels) announce(ctx context.Context, conversationID int64) (*Conversation, error) {
	sc, err := s.store.SupportConversationByID(ctx, conversationID)
	if err != nil {
		return nil, errs.Wrap(err, "load conversation")
	}
	v, err := s.rules.conversationView(ctx, sc, true)
	if err != nil {
		return nil, errs.Wrap(err, "view conversation")
	}
	if agents, err := s.store.SiteStaffIDs(ctx, sc.SiteID); err == nil {
		s.chat.PublishTo(ctx, agents, ConversationFrame{Type: "conversation", Event: "labels", Conversation: v})
	}
	return v, nil
}

// SetVisitorLabels replaces the labels on a visitor (a contact), for the
// agents of the visitor's site. Errors: 400, 403, 404 visitor_not_found,
// 422 unknown_label.
func (s *Labels) SetVisitorLabels(ctx context.Context, actor auth.Identity, visitorID int64, labelIDs []int64) (*Visitor, error) {
	if labelIDs == nil {
		return nil, errs.Field("label_ids", "a list of label ids")
	}
	ids, err := checkLabelIDs(ctx, s.store, "label_ids", labelIDs)
	if err != nil {
		return nil, err
	}
	var v *store.Visitor
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		var err error
		v, err = tx.VisitorByID(ctx, visitorID)
		if errors.Is(err, store.ErrNotFound) {
			return errLabelVisitorNot
		}
		if err != nil {
			return err
		}
		ok, err := canActOnSite(ctx, tx, v.SiteID, actor.ID)
		if err != nil {
			return err
		}
		if !ok {
			return errs.R(errs.Forbidden, "forbidden", "you are not an agent of this visitor's site")
		}
		return tx.SetVisitorLabels(ctx, visitorID, ids, s.now())
	})
	if err != nil {
		return nil, asDomain(err, "label visitor")
	}
	return s.rules.agentVisitorView(ctx, s.store, v)
}

// agentVisitorView is a visitor as agents see them: with their labels.
func (s *Rules) agentVisitorView(ctx context.Context, st *store.Store, v *store.Visitor) (*Visitor, error) {
	out := visitorView(v)
	ls, err := st.VisitorLabels(ctx, v.ID)
	if err != nil {
		return nil, errs.Wrap(err, "load labels")
	}
	refs := labelRefs(ls)
	out.Labels = &refs
	return out, nil
}
