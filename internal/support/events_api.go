package support

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/internal/text"
	"github.com/parley-chat/parley/internal/webhooks"
)

// ServerEvent is what a host site's backend pushes to one of its visitors
// (or agents) through the server event API.
type ServerEvent struct {
	To struct {
		VisitorExternalID string `json:"visitor_external_id"`
		VisitorID         int64  `json:"visitor_id"`
		UserID            int64  `json:"user_id"`
	} `json:"to"`
	Name string          `json:"name"`
	Data json.RawMessage `json:"data"`
}

// EventFrame carries a host site's event to a session.
type EventFrame struct {
	Type string          `json:"type"` // event
	Name string          `json:"name"`
	Data json.RawMessage `json:"data,omitempty"`
}

// PushEvent checks a server event request signed with the site secret
// (X-Parley-Timestamp and X-Parley-Signature: hex HMAC-SHA256 of
// "timestamp.body") and pushes an `event` frame to the named visitor or to
// an agent of the site.
func (s *Visitors) PushEvent(ctx context.Context, siteID int64, timestamp, signature string, body []byte) error {
	site, err := s.store.SiteByID(ctx, siteID)
	if errors.Is(err, store.ErrNotFound) {
		return errs.R(errs.NotFound, "site_not_found", "no such site")
	}
	if err != nil {
		return errs.Wrap(err, "load site")
	}
	if err := s.verifySigned(site, timestamp, signature, body); err != nil {
		return err
	}
	if field, problem := text.BadJSON(body); field != "" {
		return errs.Field(field, problem)
	}
	var ev ServerEvent
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		return errs.R(errs.Invalid, "bad_json", "the body must be {to: {...}, name, data}")
	}
	name := strings.TrimSpace(ev.Name)
	if name == "" || len(name) > 100 {
		return errs.Field("name", "1 to 100 characters")
	}
	var key string
	switch {
	case ev.To.VisitorExternalID != "":
		v, err := s.store.VisitorByExternalID(ctx, siteID, ev.To.VisitorExternalID)
		if err != nil {
			return errs.R(errs.NotFound, "visitor_not_found", "no visitor of this site has that external id")
		}
		key = chat.VisitorKey(v.ID)
	case ev.To.VisitorID != 0:
		v, err := s.store.VisitorByID(ctx, ev.To.VisitorID)
		if err != nil || v.SiteID != siteID {
			return errs.R(errs.NotFound, "visitor_not_found", "no such visitor on this site")
		}
		key = chat.VisitorKey(v.ID)
	case ev.To.UserID != 0:
		ok, err := s.store.IsSiteAgent(ctx, siteID, ev.To.UserID)
		if err != nil || !ok {
			return errs.R(errs.NotFound, "user_not_found", "no agent of this site has that id")
		}
		key = chat.UserKey(ev.To.UserID)
	default:
		return errs.Field("to", "give visitor_external_id, visitor_id or user_id")
	}
	s.chat.PublishKeys(ctx, []string{key}, EventFrame{Type: "event", Name: name, Data: ev.Data})
	return nil
}

// verifySigned accepts a request signed with any secret the site verifies
// with now (see siteSecrets).
func (s *Visitors) verifySigned(site *store.Site, timestamp, signature string, body []byte) error {
	var err error
	for _, secret := range s.siteSecrets(site) {
		if err = webhooks.Verify(secret, timestamp, signature, body, s.now()); err == nil {
			return nil
		}
	}
	return err
}
