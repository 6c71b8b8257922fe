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

var (
	errNoQueue  = errs.R(errs.NotFound, "queue_not_found", "no such queue")
	errNoCanned = errs.R(errs.NotFound, "canned_response_not_found", "no such canned response")
)

// DeleteSite removes a site with its queues, visitors, canned responses and
// webhooks (admins only). A site that has had support conversations keeps
// its history for reports and cannot be deleted. Errors: 403, 404
// site_not_found, 409 site_has_conversations.
func (s *Service) DeleteSite(ctx context.Context, actor auth.Identity, id int64) error {
	if !actor.IsAdmin() {
		return errNeedAdmin
	}
	return s.store.Tx(ctx, func(tx *store.Store) error {
		site, err := tx.SiteByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNoSite
		}
		if err != nil {
			return errs.Wrap(err, "load site")
		}
		n, err := tx.CountSiteConversations(ctx, id)
		if err != nil {
			return errs.Wrap(err, "count conversations")
		}
		if n > 0 {
			return errs.R(errs.Conflict, "site_has_conversations", "this site has support conversations; their history is kept, so it cannot be deleted")
		}
		if err := tx.DeleteSite(ctx, id); err != nil {
			return errs.Wrap(err, "delete site")
		}
		return audit.Record(ctx, tx, actor.ID, "site.delete", "site", id, map[string]any{"name": site.Name})
	})
}

// SiteQueues lists a site's queues with their agents (admins and the site's agents).
func (s *Service) SiteQueues(ctx context.Context, actor auth.Identity, siteID int64) ([]Queue, error) {
	site, err := s.GetSite(ctx, actor, siteID)
	if err != nil {
		return nil, err
	}
	if site.Queues == nil {
		return []Queue{}, nil
	}
	return site.Queues, nil
}

// QueuePatch changes a queue; nil fields stay.
type QueuePatch struct {
	Name           *string `json:"name"`
	AssignTimeoutS *int    `json:"assign_timeout_s"`
	IsDefault      *bool   `json:"is_default"`
}

// UpdateQueue renames a queue, changes its assignment time-out or makes it
// the site's default (admins only). Errors: 403, 400, 404 queue_not_found.
func (s *Service) UpdateQueue(ctx context.Context, actor auth.Identity, id int64, p QueuePatch) (*Queue, error) {
	if !actor.IsAdmin() {
		return nil, errNeedAdmin
	}
	var u store.QueueUpdate
	detail := map[string]any{}
	if p.Name != nil {
		name := strings.TrimSpace(*p.Name)
		if name == "" || utf8.RuneCountInString(name) > 64 {
			return nil, errs.Field("name", "1 to 64 characters")
		}
		u.Name, detail["name"] = &name, name
	}
	if p.AssignTimeoutS != nil {
		if *p.AssignTimeoutS < 1 || *p.AssignTimeoutS > 3600 {
			return nil, errs.Field("assign_timeout_s", "1 to 3600 seconds")
		}
		u.AssignTimeoutS, detail["assign_timeout_s"] = p.AssignTimeoutS, *p.AssignTimeoutS
	}
	if p.IsDefault != nil && !*p.IsDefault {
		return nil, errs.Field("is_default", "make another queue the default instead")
	}
	var q *store.Queue
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		var err error
		q, err = tx.QueueByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNoQueue
		}
		if err != nil {
			return errs.Wrap(err, "load queue")
		}
		if p.IsDefault != nil && !q.IsDefault {
			if err := tx.ClearDefaultQueue(ctx, q.SiteID); err != nil {
				return errs.Wrap(err, "clear default queue")
			}
			u.IsDefault, detail["is_default"] = new(true), true
		}
		if len(detail) == 0 {
			return nil
		}
		if err := tx.UpdateQueue(ctx, id, u); err != nil {
			return errs.Wrap(err, "update queue")
		}
		if q, err = tx.QueueByID(ctx, id); err != nil {
			return errs.Wrap(err, "reload queue")
		}
		return audit.Record(ctx, tx, actor.ID, "queue.update", "queue", id, detail)
	})
	if err != nil {
		return nil, err
	}
	return &Queue{ID: q.ID, SiteID: q.SiteID, Name: q.Name, IsDefault: q.IsDefault, AssignTimeoutS: q.AssignTimeoutS}, nil
}

// DeleteQueue removes a queue (admins only). Its resolved conversations
// move to the site's default queue; the default queue itself and a queue
// with open conversations stay. Errors: 403, 404 queue_not_found, 409
// default_queue or queue_has_open_conversations.
func (s *Service) DeleteQueue(ctx context.Context, actor auth.Identity, id int64) error {
	if !actor.IsAdmin() {
		return errNeedAdmin
	}
	return s.store.Tx(ctx, func(tx *store.Store) error {
		q, err := tx.QueueByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNoQueue
		}
		if err != nil {
			return errs.Wrap(err, "load queue")
		}
		if err := tx.LockQueue(ctx, id); err != nil {
			return errs.Wrap(err, "lock queue")
		}
		if q.IsDefault {
			return errs.R(errs.Conflict, "default_queue", "the default queue cannot be deleted; make another queue the default first")
		}
		n, err := tx.CountOpenInQueue(ctx, id)
		if err != nil {
			return errs.Wrap(err, "count open conversations")
		}
		if n > 0 {
			return errs.R(errs.Conflict, "queue_has_open_conversations", "this queue has open conversations; resolve or transfer them first")
		}
		queues, err := tx.QueuesOfSite(ctx, q.SiteID)
		if err != nil {
			return errs.Wrap(err, "load queues")
		}
		for _, other := range queues {
			if other.IsDefault {
				if err := tx.MoveQueueConversations(ctx, id, other.ID); err != nil {
					return errs.Wrap(err, "move conversations")
				}
				break
			}
		}
		if err := tx.DeleteQueue(ctx, id); err != nil {
			return errs.Wrap(err, "delete queue")
		}
		return audit.Record(ctx, tx, actor.ID, "queue.delete", "queue", id, map[string]any{"site_id": q.SiteID, "name": q.Name})
	})
}

// RemoveQueueAgent takes an agent out of a queue (admins only). Errors:
// 403, 404 queue_not_found or not_in_queue.
func (s *Service) RemoveQueueAgent(ctx context.Context, actor auth.Identity, queueID, userID int64) error {
	if !actor.IsAdmin() {
		return errNeedAdmin
	}
	return s.store.Tx(ctx, func(tx *store.Store) error {
		if _, err := tx.QueueByID(ctx, queueID); errors.Is(err, store.ErrNotFound) {
			return errNoQueue
		} else if err != nil {
			return errs.Wrap(err, "load queue")
		}
		removed, err := tx.RemoveQueueAgent(ctx, queueID, userID)
		if err != nil {
			return errs.Wrap(err, "remove agent")
		}
		if !removed {
			return errs.R(errs.NotFound, "not_in_queue", "this user is not an agent of the queue")
		}
		return audit.Record(ctx, tx, actor.ID, "queue.agent_remove", "queue", queueID, map[string]any{"user_id": userID})
	})
}

// CannedPatch changes a canned response; nil fields stay.
type CannedPatch struct {
	Shortcut *string `json:"shortcut"`
	Body     *string `json:"body"`
}

// cannedForEdit loads a canned response its site's admins or agents may
// change: 404 when it does not exist, 403 for anyone else.
func (s *Service) cannedForEdit(ctx context.Context, actor auth.Identity, id int64) (*store.CannedResponse, error) {
	c, err := s.store.CannedResponseByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoCanned
	}
	if err != nil {
		return nil, errs.Wrap(err, "load canned response")
	}
	if _, err := s.GetSite(ctx, actor, c.SiteID); err != nil {
		return nil, err
	}
	return c, nil
}

// UpdateCannedResponse changes a saved reply (admins and the site's
// agents). Errors: 400, 403, 404 canned_response_not_found, 409 shortcut_taken.
func (s *Service) UpdateCannedResponse(ctx context.Context, actor auth.Identity, id int64, p CannedPatch) (*CannedResponse, error) {
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
func (s *Service) DeleteCannedResponse(ctx context.Context, actor auth.Identity, id int64) error {
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
