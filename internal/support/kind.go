package support

import (
	"context"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

var errVisitorNote = errs.R(errs.Rule, "notes_support_only", "private notes exist only in support conversations, written by agents")

// CanRead lets a visitor into their own conversations, and users who serve
// the conversation's site now: membership rows of a support conversation
// remember who took part (and their read marks), they grant nothing.
func (s *Rules) CanRead(ctx context.Context, st *store.Store, conv *store.Conversation, actor chat.Actor, _ *store.Member) error {
	if actor.Kind == store.SenderVisitor {
		return s.visitorCanUse(ctx, st, conv, actor.ID)
	}
	ok, err := s.userCanRead(ctx, st, conv, actor.ID)
	if err != nil {
		return err
	}
	if !ok {
		return errNoConversation
	}
	return nil
}

// CanSend lets the visitor write in their own conversations (never a
// note), the site's staff write notes, and only the assignee write to the
// visitor.
func (s *Rules) CanSend(ctx context.Context, tx *store.Store, conv *store.Conversation, actor chat.Actor, _ *store.Member, kind store.MessageKind) error {
	if actor.Kind == store.SenderVisitor {
		if err := s.visitorCanUse(ctx, tx, conv, actor.ID); err != nil {
			return err
		}
		if kind == store.MessageNote {
			return errVisitorNote
		}
		return nil
	}
	if actor.Kind == store.SenderBot {
		return botCanSend(ctx, tx, conv, actor.ID)
	}
	return s.userCanSend(ctx, tx, conv, actor.ID, kind)
}

// Batched is false: every send reads the assignment and may change the
// support state, so each runs all its checks in its own transaction.
func (s *Rules) Batched() bool { return false }

// CheckSends judges each send as CanSend does (chat does not batch this
// kind; see Batched).
func (s *Rules) CheckSends(ctx context.Context, tx *store.Store, sends []chat.SendCheck) ([]error, error) {
	verdicts := make([]error, len(sends))
	for i, c := range sends {
		verdicts[i] = s.CanSend(ctx, tx, c.Conv, chat.Actor{Kind: store.SenderUser, ID: c.UserID}, c.Member, store.MessageText)
		if _, ok := errs.As(verdicts[i]); verdicts[i] != nil && !ok {
			return nil, verdicts[i]
		}
	}
	return verdicts, nil
}

// OfflineDigest is false: support mails its own follow-ups (see
// scheduleFollowUp).
func (s *Rules) OfflineDigest() bool { return false }
