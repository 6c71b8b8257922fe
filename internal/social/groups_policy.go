package social

import (
	"context"
	"errors"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// checkSend refuses sends by muted members (422 muted, with until)
// and, under mute-all, by plain members (422 muted_all).
func (k GroupKind) checkSend(ctx context.Context, tx *store.Store, conv *store.Conversation, userID int64) error {
	m, err := tx.Member(ctx, conv.ID, userID)
	if err != nil {
		return err
	}
	if m.Role == RoleOwner || m.Role == RoleAdmin {
		return k.verdict(m, nil)
	}
	g, err := tx.GroupByConversation(ctx, conv.ID)
	if errors.Is(err, store.ErrNotFound) {
		g = nil
	} else if err != nil {
		return err
	}
	return k.verdict(m, g)
}

// verdict is the rule of groups: a muted member waits until the mute
// ends; under mute-all only the owner and admins speak. g is nil when the
// conversation has no group row.
func (k GroupKind) verdict(m *store.Member, g *store.Group) error {
	if m.MutedUntil != nil && m.MutedUntil.After(k.now()) {
		until := m.MutedUntil.UTC()
		e := errs.Rf(errs.Rule, "muted", "you are muted in this group until %s", until.Format("2 Jan 2006 15:04 MST"))
		e.Until = &until
		return e
	}
	if m.Role == RoleOwner || m.Role == RoleAdmin {
		return nil
	}
	if g != nil && g.MuteAll {
		return errs.R(errs.Rule, "muted_all", "only the owner and admins can speak in this group now")
	}
	return nil
}
