package support

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/audit"
	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/i18n"
	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/internal/text"
)

// Bounds of a contact's custom attributes.
const (
	MaxAttributes         = 50
	MaxAttributeValueRune = 500
	// VisitorAttributeWritesPerMinute caps the host page's setAttributes
	// calls per visitor.
	VisitorAttributeWritesPerMinute = 30
)

// Who set an attribute. Agents and the identity token (signed by the
// host site's backend) may change any key; the host page's script, which
// the visitor controls, only keys nobody else has set.
const (
	SourceAgent    = "agent"
	SourceIdentity = "identity"
	SourceVisitor  = "visitor"
)

var attributeKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// Contact is a visitor's profile across devices and conversations.
type Contact struct {
	ID                 int64             `json:"id"`
	SiteID             int64             `json:"site_id"`
	Name               string            `json:"name"`
	Email              string            `json:"email"`
	ExternalID         *string           `json:"external_id"`
	Identified         bool              `json:"identified"`
	Attributes         map[string]any    `json:"attributes"`
	AttributeSources   map[string]string `json:"attribute_sources"`
	FirstSeenAt        time.Time         `json:"first_seen_at"`
	LastSeenAt         time.Time         `json:"last_seen_at"`
	DevicesCount       int               `json:"devices_count"`
	ConversationsCount int               `json:"conversations_count"`
	Labels             []LabelRef        `json:"labels"`
}

// Attributes is a change of attributes: a JSON string, number or boolean
// sets a key, null deletes it.
type Attributes map[string]json.RawMessage

// checkAttributes validates a change of attributes; field prefixes the
// names in errors ("attributes.plan"). It returns each key's stored JSON,
// nil to delete.
func checkAttributes(field string, in Attributes) (map[string]*string, error) {
	if len(in) > MaxAttributes {
		return nil, errs.Field(field, "at most 50 attributes")
	}
	out := make(map[string]*string, len(in))
	for k, raw := range in {
		name := field + "." + k
		if !attributeKey.MatchString(k) {
			if !utf8.ValidString(k) || utf8.RuneCountInString(k) > 60 {
				name = field
			}
			return nil, errs.Field(name, "keys are a lower-case letter, then up to 39 lower-case letters, digits or _")
		}
		raw = bytes.TrimSpace(raw)
		switch {
		case len(raw) == 0 || string(raw) == "null":
			out[k] = nil
			continue
		case string(raw) == "true" || string(raw) == "false":
		case raw[0] == '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, errs.Field(name, "a string, number, true, false or null")
			}
			if utf8.RuneCountInString(s) > MaxAttributeValueRune {
				return nil, errs.Field(name, "at most 500 characters")
			}
			if err := text.Check(name, s); err != nil {
				return nil, err
			}
			b, _ := json.Marshal(s)
			raw = b
		default:
			f, err := strconv.ParseFloat(string(raw), 64)
			if err != nil || len(raw) > 40 {
				return nil, errs.Field(name, "a string, number, true, false or null")
			}
			raw = []byte(strconv.FormatFloat(f, 'f', -1, 64))
		}
		v := string(raw)
		out[k] = &v
	}
	return out, nil
}

// applyAttributes writes a checked change of attributes by source. The
// visitor's own writes leave keys an agent or the identity token set. More
// than 50 attributes in all is 400 naming field.
func applyAttributes(ctx context.Context, tx *store.Store, visitorID int64, field string, change map[string]*string, source string, now time.Time) error {
	if len(change) == 0 {
		return nil
	}
	current, err := tx.VisitorAttributes(ctx, visitorID)
	if err != nil {
		return err
	}
	owner := map[string]string{}
	for _, a := range current {
		owner[a.Key] = a.Source
	}
	for k, v := range change {
		if prev, ok := owner[k]; ok && source == SourceVisitor && prev != SourceVisitor {
			continue
		}
		if v == nil {
			if err := tx.DeleteVisitorAttribute(ctx, visitorID, k); err != nil {
				return err
			}
			delete(owner, k)
			continue
		}
		if err := tx.SetVisitorAttribute(ctx, &store.VisitorAttribute{VisitorID: visitorID, Key: k, Value: *v, Source: source, UpdatedAt: now}); err != nil {
			return err
		}
		owner[k] = source
	}
	if len(owner) > MaxAttributes {
		return errs.Field(field, "at most 50 attributes")
	}
	return nil
}

// contactFor loads a visitor the agent may see as a contact: 404 for no
// such visitor (or one merged away), 403 for another site's.
func contactFor(ctx context.Context, st *store.Store, actor auth.Identity, id int64) (*store.Visitor, error) {
	v, err := st.VisitorByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && v.MergedIntoID != nil) {
		return nil, errs.R(errs.NotFound, "visitor_not_found", "no such visitor")
	}
	if err != nil {
		return nil, errs.Wrap(err, "load visitor")
	}
	ok, err := canActOnSite(ctx, st, v.SiteID, actor.ID)
	if err != nil {
		return nil, errs.Wrap(err, "check site")
	}
	if !ok {
		return nil, errs.R(errs.Forbidden, "forbidden", "you are not an agent of this visitor's site")
	}
	return v, nil
}

// contactView builds a visitor's contact profile.
func contactView(ctx context.Context, st *store.Store, v *store.Visitor) (*Contact, error) {
	cs, err := contactViews(ctx, st, []store.Visitor{*v})
	if err != nil {
		return nil, err
	}
	return &cs[0], nil
}

// contactViews builds the profiles of several visitors, reading their
// attributes, counts and labels in one query each.
func contactViews(ctx context.Context, st *store.Store, vs []store.Visitor) ([]Contact, error) {
	ids := make([]int64, len(vs))
	for i := range vs {
		ids[i] = vs[i].ID
	}
	attrs, err := st.VisitorsAttributes(ctx, ids)
	if err != nil {
		return nil, errs.Wrap(err, "load attributes")
	}
	counts, err := st.VisitorsContactCounts(ctx, ids)
	if err != nil {
		return nil, errs.Wrap(err, "count conversations")
	}
	labels, err := st.VisitorsLabels(ctx, ids)
	if err != nil {
		return nil, errs.Wrap(err, "load labels")
	}
	out := make([]Contact, 0, len(vs))
	for i := range vs {
		v := &vs[i]
		c := Contact{ID: v.ID, SiteID: v.SiteID, Name: v.Name, Email: v.Email, ExternalID: v.ExternalID, Identified: v.ExternalID != nil,
			Attributes: map[string]any{}, AttributeSources: map[string]string{}, FirstSeenAt: v.CreatedAt, LastSeenAt: v.LastSeenAt,
			DevicesCount: counts[v.ID].Devices, ConversationsCount: counts[v.ID].Conversations, Labels: labelRefs(labels[v.ID])}
		for _, a := range attrs[v.ID] {
			var val any
			if json.Unmarshal([]byte(a.Value), &val) == nil {
				c.Attributes[a.Key], c.AttributeSources[a.Key] = val, a.Source
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// Contact returns a visitor's profile to the agents of their site.
// Errors: 404 visitor_not_found, 403.
func (s *Inbox) Contact(ctx context.Context, actor auth.Identity, id int64) (*Contact, error) {
	v, err := contactFor(ctx, s.store, actor, id)
	if err != nil {
		return nil, err
	}
	return contactView(ctx, s.store, v)
}

// Contacts lists a site's contacts, newest first, searched by name,
// e-mail, external id or attribute value. Errors: 404 site_not_found, 403,
// 400 q.
func (s *Inbox) Contacts(ctx context.Context, actor auth.Identity, siteID int64, search string, beforeID int64, limit int) ([]Contact, int64, error) {
	if utf8.RuneCountInString(search) > MaxSearchRunes {
		return nil, 0, errs.Field("q", "at most 200 characters")
	}
	if err := text.Check("q", search); err != nil {
		return nil, 0, err
	}
	if err := s.checkInboxScope(ctx, actor, siteID, 0); err != nil {
		return nil, 0, err
	}
	rows, err := s.store.SiteContacts(ctx, siteID, search, beforeID, limit)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list contacts")
	}
	out, err := contactViews(ctx, s.store, rows)
	if err != nil {
		return nil, 0, err
	}
	var next int64
	if len(rows) == limit {
		next = rows[len(rows)-1].ID
	}
	return out, next, nil
}

// ContactInput is an agent's change of a contact: nil fields stay.
type ContactInput struct {
	Name       *string    `json:"name"`
	Email      *string    `json:"email"`
	Attributes Attributes `json:"attributes"`
}

// UpdateContact changes a contact's name, e-mail and attributes (the
// site's agents). Errors: 400 naming the field, 403, 404.
func (s *Inbox) UpdateContact(ctx context.Context, actor auth.Identity, id int64, in ContactInput) (*Contact, error) {
	var fields store.VisitorUpdate
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		if utf8.RuneCountInString(n) > 100 {
			return nil, errs.Field("name", "at most 100 characters")
		}
		if err := text.Check("name", n); err != nil {
			return nil, err
		}
		fields.Name = &n
	}
	if in.Email != nil {
		e, err := checkEmail(*in.Email)
		if err != nil {
			return nil, err
		}
		fields.Email = &e
	}
	change, err := checkAttributes("attributes", in.Attributes)
	if err != nil {
		return nil, err
	}
	var v *store.Visitor
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		if v, err = contactFor(ctx, tx, actor, id); err != nil {
			return err
		}
		if err := tx.UpdateVisitor(ctx, id, fields); err != nil {
			return err
		}
		if err := applyAttributes(ctx, tx, id, "attributes", change, SourceAgent, s.now()); err != nil {
			return err
		}
		keys := make([]string, 0, len(change))
		for k := range change {
			keys = append(keys, k)
		}
		detail := map[string]any{"site_id": v.SiteID, "attributes": keys}
		if fields.Name != nil {
			detail["name"] = *fields.Name
		}
		if fields.Email != nil {
			detail["email"] = *fields.Email
		}
		if err := audit.Record(ctx, tx, actor.ID, "visitor.update", "visitor", id, detail); err != nil {
			return err
		}
		v, err = tx.VisitorByID(ctx, id)
		return err
	})
	if err != nil {
		return nil, asDomain(err, "update contact")
	}
	return contactView(ctx, s.store, v)
}

// MergeContact merges a duplicate visitor of the same site into this one
// in one transaction: conversations, devices, attributes the target lacks
// (the target wins), its external id when the target has none; the
// duplicate's tokens then resolve to the target. Errors: 400
// from_visitor_id, 403, 404 visitor_not_found.
func (s *Inbox) MergeContact(ctx context.Context, actor auth.Identity, id, fromID int64) (*Contact, error) {
	if fromID <= 0 {
		return nil, errs.Field("from_visitor_id", "the id of the visitor to merge into this one")
	}
	if fromID == id {
		return nil, errs.Field("from_visitor_id", "a visitor cannot be merged into itself")
	}
	var to *store.Visitor
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		var err error
		if to, err = contactFor(ctx, tx, actor, id); err != nil {
			return err
		}
		from, err := tx.VisitorByID(ctx, fromID)
		// Another site's visitor is as good as unknown here.
		if errors.Is(err, store.ErrNotFound) || (err == nil && (from.SiteID != to.SiteID || from.MergedIntoID != nil)) {
			return errs.R(errs.NotFound, "visitor_not_found", "this site has no such visitor to merge")
		}
		if err != nil {
			return err
		}
		if err := tx.MergeVisitor(ctx, from, to, s.now()); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor.ID, "visitor.merge", "visitor", id, map[string]any{"site_id": to.SiteID, "from_visitor_id": fromID}); err != nil {
			return err
		}
		to, err = tx.VisitorByID(ctx, id)
		return err
	})
	if err != nil {
		return nil, asDomain(err, "merge contacts")
	}
	return contactView(ctx, s.store, to)
}

// checkEmail normalises an e-mail address ("" clears it).
func checkEmail(in string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(in))
	if a, err := mail.ParseAddress(e); e != "" && (err != nil || a.Address != e || !strings.Contains(e, ".")) {
		return "", errs.Field("email", "a valid e-mail address")
	}
	return e, nil
}

// setVisitorAttributes stores the host page's attributes for a visitor
// (Parley.setAttributes), rate limited per visitor; keys an agent or the
// identity token set are left as they are.
func (s *Visitors) setVisitorAttributes(ctx context.Context, visitorID int64, in Attributes) error {
	change, err := checkAttributes("attributes", in)
	if err != nil {
		return err
	}
	if err := s.limiter.Hit(ctx, "widget_attributes:visitor:"+strconv.FormatInt(visitorID, 10), VisitorAttributeWritesPerMinute, time.Minute, i18n.N("setting visitor attributes")); err != nil {
		return err
	}
	return s.store.Tx(ctx, func(tx *store.Store) error {
		return applyAttributes(ctx, tx, visitorID, "attributes", change, SourceVisitor, s.now())
	})
}

// liveVisitor loads a visitor by id, following a merge to where it went.
func liveVisitor(ctx context.Context, st *store.Store, id int64) (*store.Visitor, error) {
	v, err := st.VisitorByID(ctx, id)
	if err == nil && v.MergedIntoID != nil {
		return st.VisitorByID(ctx, *v.MergedIntoID)
	}
	return v, err
}
