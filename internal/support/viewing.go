package support

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// View records that an agent's session started or stopped viewing a
// support conversation, and tells the agents of its site who views it now.
// An unknown conversation is 404, one of a site the agent does not serve 403.
func (s *Inbox) View(ctx context.Context, actor auth.Identity, session string, conversationID int64, state string) error {
	if s.viewers == nil {
		return errs.R(errs.Unavailable, "unavailable", "collision detection is not running")
	}
	if actor.Kind != store.SenderUser {
		return errNoConversation
	}
	sc, err := supportFor(ctx, s.store, actor, conversationID)
	if err != nil {
		return err
	}
	switch state {
	case "start":
		err = s.viewers.start(ctx, conversationID, session, actor.ID, userName(ctx, s.store, actor.ID))
	case "stop":
		err = s.viewers.stop(ctx, conversationID, session)
	default:
		return errs.Field("state", "start or stop")
	}
	if err != nil {
		return errs.Wrap(err, "record viewer")
	}
	s.rules.announceViewers(ctx, sc.SiteID, conversationID)
	return nil
}

// Typing marks an agent's viewing session as typing or not, and tells the
// site's agents when that changes; it reports whether the session views
// the conversation (then the agent shows as typing to the other viewers
// even if they are no member).
func (s *Rules) Typing(ctx context.Context, conv *store.Conversation, actor chat.Actor, session string, typing bool) bool {
	if s.viewers == nil || actor.Kind != store.SenderUser {
		return false
	}
	conversationID := conv.ID
	viewing, changed, err := s.viewers.typing(ctx, conversationID, session, typing)
	if err != nil {
		s.log.WarnContext(ctx, "viewer typing not recorded", "conversation_id", conversationID, "err", err)
	}
	if changed {
		s.announceViewersOf(ctx, conversationID)
	}
	return viewing
}

// SessionClosed forgets what a closed session viewed.
func (s *Inbox) SessionClosed(ctx context.Context, session string) {
	if s.viewers == nil {
		return
	}
	convs, err := s.viewers.closeSession(ctx, session)
	if err != nil {
		s.log.WarnContext(ctx, "viewer cleanup failed; entries expire on their own", "err", err)
	}
	for _, id := range convs {
		s.rules.announceViewersOf(ctx, id)
	}
}

// RunViewers keeps this node's viewers alive and sweeps out those of dead
// nodes until ctx is done.
func (s *Inbox) RunViewers(ctx context.Context) {
	if s.viewers == nil {
		return
	}
	period := max(s.viewers.ttl/3, 50*time.Millisecond)
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		tctx, cancel := context.WithTimeout(ctx, period)
		if err := s.viewers.refresh(tctx); err != nil {
			s.log.WarnContext(tctx, "viewer refresh failed", "err", err)
		}
		convs, err := s.viewers.sweep(tctx)
		if err != nil {
			s.log.WarnContext(tctx, "viewer sweep failed", "err", err)
		}
		for _, id := range convs {
			s.rules.announceViewersOf(tctx, id)
		}
		cancel()
	}
}

func (s *Rules) announceViewersOf(ctx context.Context, conversationID int64) {
	sc, err := s.store.SupportConversationByID(ctx, conversationID)
	if errors.Is(err, store.ErrNotFound) {
		return
	}
	if err != nil {
		s.log.WarnContext(ctx, "viewers not announced", "conversation_id", conversationID, "err", err)
		return
	}
	s.announceViewers(ctx, sc.SiteID, conversationID)
}

// announceViewers sends the conversation's viewers to every agent who may
// act on it (viewers included, so that a newcomer learns who was there).
func (s *Rules) announceViewers(ctx context.Context, siteID, conversationID int64) {
	list, err := s.viewers.list(ctx, conversationID)
	if err != nil {
		s.log.WarnContext(ctx, "viewers not announced", "conversation_id", conversationID, "err", err)
		return
	}
	staff, err := s.store.SiteStaffIDs(ctx, siteID)
	if err != nil {
		s.log.WarnContext(ctx, "viewers not announced", "conversation_id", conversationID, "err", err)
		return
	}
	// A session that started viewing before its user lost access to the
	// site (a queue removal leaves the socket open) is no viewer any more.
	shown := make([]Viewer, 0, len(list))
	for _, v := range list {
		if slices.Contains(staff, v.UserID) {
			shown = append(shown, v)
		}
	}
	keys := make([]string, 0, len(staff))
	for _, id := range staff {
		keys = append(keys, chat.UserKey(id))
	}
	if err := s.pub.Publish(ctx, keys, ViewersFrame{Type: "viewers", ConversationID: conversationID, Viewers: shown}); err != nil {
		s.log.WarnContext(ctx, "viewers not announced; clients will resync", "conversation_id", conversationID, "err", err)
	}
}
