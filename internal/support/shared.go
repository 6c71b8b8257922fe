package support

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// shared is what every part of support reads alike: the store, the
// settings, the log and the clock. The rules of support conversations
// hold it, and each service is built with theirs, so that all of support
// keeps one clock.
type shared struct {
	store *store.Store
	cfg   Config
	log   *slog.Logger
	now   func() time.Time
	// sites caches the widget's public site settings (PublicSite).
	sites *siteCache
}

// available reports whether an agent takes chats now: they chose online,
// and they are connected or lost their connection within the grace period.
func (s shared) available(a *store.Agent) bool {
	return a.Status == "online" && (a.DisconnectedAt == nil || a.DisconnectedAt.After(s.now().Add(-s.cfg.AgentGrace)))
}

// canActOnSite reports whether a user serves a site now (the store's
// staff rule: an enabled admin, or an enabled agent in one of its queues).
func canActOnSite(ctx context.Context, st *store.Store, siteID, userID int64) (bool, error) {
	return st.IsSiteStaff(ctx, siteID, userID)
}

// supportFor loads a support conversation an agent may act on: 404 if it
// doesn't exist, 403 if it belongs to a site they don't serve.
func supportFor(ctx context.Context, st *store.Store, actor auth.Identity, conversationID int64) (*store.SupportConversation, error) {
	sc, err := st.SupportConversationByID(ctx, conversationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoConversation
	}
	if err != nil {
		return nil, err
	}
	ok, err := canActOnSite(ctx, st, sc.SiteID, actor.ID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errs.R(errs.Forbidden, "forbidden", "you are not an agent of this conversation's site")
	}
	return sc, nil
}

// siteForStaff loads a site for an admin or one of its agents: 404 if it
// doesn't exist, 403 for anyone else.
func siteForStaff(ctx context.Context, st *store.Store, actor auth.Identity, id int64) (*store.Site, error) {
	site, err := st.SiteByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSite
	}
	if err != nil {
		return nil, errs.Wrap(err, "load site")
	}
	if !actor.IsAdmin() {
		ok, err := st.IsSiteAgent(ctx, id, actor.ID)
		if err != nil {
			return nil, errs.Wrap(err, "check agent")
		}
		if !ok {
			return nil, errs.R(errs.Forbidden, "forbidden", "you are not an agent of this site")
		}
	}
	return site, nil
}

// userName is how a user is named in system messages and lists.
// who names a user in a system event.
func who(ctx context.Context, st *store.Store, id int64) *chat.EventUser {
	return &chat.EventUser{ID: id, Name: userName(ctx, st, id)}
}

func userName(ctx context.Context, st *store.Store, id int64) string {
	u, err := st.UserByID(ctx, id)
	if err != nil {
		return "an agent"
	}
	if u.Nickname != "" {
		return u.Nickname
	}
	return u.Username
}

// asDomain passes domain errors on and wraps any other.
func asDomain(err error, what string) error {
	if _, ok := errs.As(err); ok {
		return err
	}
	return errs.Wrap(err, what)
}
