package social

import (
	"context"
	"errors"
	"fmt"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// checkGroupSend refuses sends by muted members (422 muted, with until)
// and, under mute-all, by plain members (422 muted_all).
func (s *Service) checkGroupSend(ctx context.Context, tx *store.Store, conv *store.Conversation, userID int64) error {
	m, err := tx.Member(ctx, conv.ID, userID)
	if err != nil {
		return err
	}
	if m.MutedUntil != nil && m.MutedUntil.After(s.now()) {
		until := m.MutedUntil.UTC()
		return &errs.Error{Code: errs.Rule, Reason: "muted", Until: &until,
			Message: fmt.Sprintf("you are muted in this group until %s", until.Format("2 Jan 2006 15:04 MST"))}
	}
	if m.Role == RoleOwner || m.Role == RoleAdmin {
		return nil
	}
	g, err := tx.GroupByConversation(ctx, conv.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if g.MuteAll {
		return errs.R(errs.Rule, "muted_all", "only the owner and admins can speak in this group now")
	}
	return nil
}
