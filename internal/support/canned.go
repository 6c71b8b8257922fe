package support

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/audit"
	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

var errNoCanned = errs.R(errs.NotFound, "canned_response_not_found", "no such canned response")

// CannedPatch changes a canned response; nil fields stay.
type CannedPatch struct {
	Shortcut *string `json:"shortcut"`
	Body     *string `json:"body"`
}

// cannedForEdit loads a canned response its site's admins or agents may
// change: 404 when it does not exist, 403 for anyone else.
func (s *Inbox) cannedForEdit(ctx context.Context, actor auth.Identity, id int64) (*store.CannedResponse, error) {
	c, err := s.store.CannedResponseByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoCanned
	}
	if err != nil {
		return nil, errs.Wrap(err, "load canned response")
	}
	if _, err := siteForStaff(ctx, s.store, actor, c.SiteID); err != nil {
		return nil, err
	}
	return c, nil
}

// UpdateCannedResponse changes a saved reply (admins and the site's
// agents). Errors: 400, 403, 404 canned_response_not_found, 409 shortcut_taken.
func (s *Inbox) UpdateCannedResponse(ctx context.Context, actor auth.Identity, id int64, p CannedPatch) (*CannedResponse, error) {
	c, err := s.cannedForEdit(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	var u store.CannedResponseUpdate
	if p.Shortcut != nil {
		sc := strings.TrimPrefix(strings.TrimSpace(*p.Shortcut), "/")
		if !shortcutRE.MatchString(sc) {
			return nil, errs.Field("shortcut", "1 to 32 characters: a-z, 0-9, _ and -")
		}
		u.Shortcut, c.Shortcut = &sc, sc
	}
	if p.Body != nil {
		if strings.TrimSpace(*p.Body) == "" || utf8.RuneCountInString(*p.Body) > 5000 {
			return nil, errs.Field("body", "1 to 5000 characters")
		}
		u.Body, c.Body = p.Body, *p.Body
	}
	if u != (store.CannedResponseUpdate{}) {
		err = s.store.Tx(ctx, func(tx *store.Store) error {
			if err := tx.UpdateCannedResponse(ctx, id, u); err != nil {
				return err
			}
			return audit.Record(ctx, tx, actor.ID, "canned.update", "canned_response", id, map[string]any{"site_id": c.SiteID, "shortcut": c.Shortcut})
		})
		if errors.Is(err, store.ErrConflict) {
			return nil, errs.R(errs.Conflict, "shortcut_taken", "this site already has that shortcut")
		}
		if err != nil {
			return nil, errs.Wrap(err, "update canned response")
		}
	}
	return &CannedResponse{ID: c.ID, Shortcut: c.Shortcut, Body: c.Body}, nil
}

// DeleteCannedResponse removes a saved reply (admins and the site's
// agents). Errors: 403, 404 canned_response_not_found.
func (s *Inbox) DeleteCannedResponse(ctx context.Context, actor auth.Identity, id int64) error {
	c, err := s.cannedForEdit(ctx, actor, id)
	if err != nil {
		return err
	}
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteCannedResponse(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.ID, "canned.delete", "canned_response", id, map[string]any{"site_id": c.SiteID, "shortcut": c.Shortcut})
	})
	if err != nil {
		return errs.Wrap(err, "delete canned response")
	}
	return nil
}

// CannedResponse is a saved reply.
type CannedResponse struct {
	ID       int64  `json:"id"`
	Shortcut string `json:"shortcut"`
	Body     string `json:"body"`
}

// CreateCannedResponse adds a saved reply to a site (admins and its agents).
func (s *Inbox) CreateCannedResponse(ctx context.Context, actor auth.Identity, siteID int64, shortcut, body string) (*CannedResponse, error) {
	if _, err := siteForStaff(ctx, s.store, actor, siteID); err != nil {
		return nil, err
	}
	shortcut = strings.TrimPrefix(strings.TrimSpace(shortcut), "/")
	if !shortcutRE.MatchString(shortcut) {
		return nil, errs.Field("shortcut", "1 to 32 characters: a-z, 0-9, _ and -")
	}
	if strings.TrimSpace(body) == "" || utf8.RuneCountInString(body) > 5000 {
		return nil, errs.Field("body", "1 to 5000 characters")
	}
	c := &store.CannedResponse{SiteID: siteID, Shortcut: shortcut, Body: body, CreatedAt: s.now()}
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.CreateCannedResponse(ctx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor.ID, "canned.create", "canned_response", c.ID, map[string]any{"site_id": siteID, "shortcut": shortcut})
	})
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, errs.R(errs.Conflict, "shortcut_taken", "this site already has that shortcut")
		}
		return nil, errs.Wrap(err, "create canned response")
	}
	return &CannedResponse{ID: c.ID, Shortcut: c.Shortcut, Body: c.Body}, nil
}

// CannedResponses lists a site's saved replies (admins and its agents).
func (s *Inbox) CannedResponses(ctx context.Context, actor auth.Identity, siteID int64) ([]CannedResponse, error) {
	if _, err := siteForStaff(ctx, s.store, actor, siteID); err != nil {
		return nil, err
	}
	cs, err := s.store.CannedResponses(ctx, siteID)
	if err != nil {
		return nil, errs.Wrap(err, "list canned responses")
	}
	out := make([]CannedResponse, 0, len(cs))
	for _, c := range cs {
		out = append(out, CannedResponse{ID: c.ID, Shortcut: c.Shortcut, Body: c.Body})
	}
	return out, nil
}
