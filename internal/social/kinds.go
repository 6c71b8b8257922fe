package social

import (
	"context"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

var errNoNotes = errs.R(errs.Rule, "notes_support_only", "private notes exist only in support conversations, written by agents")

// memberRules is what direct and group conversations share: their members
// read them and hear their events; visitors never enter.
type memberRules struct{}

// CanRead lets members read.
func (memberRules) CanRead(_ context.Context, _ *store.Store, _ *store.Conversation, actor chat.Actor, m *store.Member) error {
	if actor.Kind != store.SenderUser || m == nil {
		return chat.ErrNoConversation
	}
	return nil
}

// Batched: members' text messages are judged together.
func (memberRules) Batched() bool { return true }

// AfterSend has nothing to add to a send.
func (memberRules) AfterSend(context.Context, *store.Store, *store.Conversation, *store.Message) error {
	return nil
}

// Audience is the members chat names.
func (memberRules) Audience(_ context.Context, _ *store.Conversation, _ *store.Message, userIDs []int64) []string {
	keys := make([]string, 0, len(userIDs))
	for _, id := range userIDs {
		keys = append(keys, chat.UserKey(id))
	}
	return keys
}

// Published has nothing to add after a send.
func (memberRules) Published(context.Context, *store.Conversation, *chat.Message) {}

// Typing is shown to the members alone, by chat.
func (memberRules) Typing(context.Context, *store.Conversation, chat.Actor, string, bool) bool {
	return false
}

// DirectKind is the rules of direct conversations: two friends, neither
// blocking the other; whoever is offline is mailed a digest.
type DirectKind struct{ memberRules }

var _ chat.Kind = DirectKind{}

// CanSend lets a member write while the two are friends and neither
// blocked the other.
func (DirectKind) CanSend(ctx context.Context, tx *store.Store, conv *store.Conversation, actor chat.Actor, m *store.Member, kind store.MessageKind) error {
	if actor.Kind != store.SenderUser || m == nil {
		return chat.ErrNoConversation
	}
	if err := checkDirectSend(ctx, tx, conv, actor.ID); err != nil {
		return err
	}
	if kind == store.MessageNote {
		return errNoNotes
	}
	return nil
}

// CheckSends judges a batch: the blocks and friendships of every send in
// one statement; members come with the batch.
func (DirectKind) CheckSends(ctx context.Context, tx *store.Store, sends []chat.SendCheck) ([]error, error) {
	var pairs []store.Pair
	for _, c := range sends {
		if p := peer(c.Members, c.UserID); c.Member != nil && p != 0 {
			pairs = append(pairs, store.Pair{A: c.UserID, B: p})
		}
	}
	blocked, friends, err := tx.DirectTies(ctx, pairs)
	if err != nil {
		return nil, err
	}
	verdicts := make([]error, len(sends))
	for i, c := range sends {
		if c.Member == nil {
			verdicts[i] = chat.ErrNoConversation
			continue
		}
		if p := peer(c.Members, c.UserID); p != 0 {
			pair := store.Pair{A: c.UserID, B: p}
			verdicts[i] = directVerdict(blocked[pair], friends[pair], errBlockedSend)
		}
	}
	return verdicts, nil
}

// OfflineDigest: a direct message waits for someone; they are mailed.
func (DirectKind) OfflineDigest() bool { return true }

// GroupKind is the rules of groups: muted members and, under mute-all,
// plain members stay silent; nobody is mailed (a busy group would flood
// every inbox).
type GroupKind struct {
	memberRules
	now func() time.Time
}

var _ chat.Kind = GroupKind{}

// NewGroupKind returns the rules of groups; clock (the real one when nil)
// tells whether a mute has ended.
func NewGroupKind(clock clockwork.Clock) GroupKind {
	return GroupKind{now: nowFunc(clock)}
}

// CanSend lets a member write unless muted.
func (k GroupKind) CanSend(ctx context.Context, tx *store.Store, conv *store.Conversation, actor chat.Actor, m *store.Member, kind store.MessageKind) error {
	if actor.Kind != store.SenderUser || m == nil {
		return chat.ErrNoConversation
	}
	if err := k.checkSend(ctx, tx, conv, actor.ID); err != nil {
		return err
	}
	if kind == store.MessageNote {
		return errNoNotes
	}
	return nil
}

// CheckSends judges a batch: the groups of every send in one statement;
// members come with the batch.
func (k GroupKind) CheckSends(ctx context.Context, tx *store.Store, sends []chat.SendCheck) ([]error, error) {
	var convs []int64
	for _, c := range sends {
		convs = append(convs, c.Conv.ID)
	}
	groups, err := tx.GroupsByConversations(ctx, convs)
	if err != nil {
		return nil, err
	}
	verdicts := make([]error, len(sends))
	for i, c := range sends {
		if c.Member == nil {
			verdicts[i] = chat.ErrNoConversation
			continue
		}
		verdicts[i] = k.verdict(c.Member, groups[c.Conv.ID])
	}
	return verdicts, nil
}

// OfflineDigest: groups don't mail.
func (GroupKind) OfflineDigest() bool { return false }
