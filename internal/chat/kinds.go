package chat

import (
	"context"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// Kind is the rules of one kind of conversation. Chat owns messages, seqs,
// read marks, history and fan-out; a kind says who reads, who sends, who
// hears an event, and what else a send does in its transaction and after
// its commit. The *store.Store a hook receives is chat's (inside the
// send's transaction for the send hooks): every read and write of the hook
// goes through it.
type Kind interface {
	// CanRead returns nil when actor may read conv now (its history, its
	// frames, their read mark and typing), else a domain error
	// (ErrNoConversation when they may not even know of it). m is the
	// actor's membership, nil when they have none or are not a user.
	CanRead(ctx context.Context, st *store.Store, conv *store.Conversation, actor Actor, m *store.Member) error
	// CanSend returns nil when actor may post a message of kind in conv
	// now, else a domain error; m as for CanRead.
	CanSend(ctx context.Context, tx *store.Store, conv *store.Conversation, actor Actor, m *store.Member, kind store.MessageKind) error
	// Batched reports whether users' text messages of this kind take the
	// batch path: judged together by CheckSends, their membership alone
	// confirmed in the transaction. A kind whose rules read what sends
	// change answers false, and every check of each send then runs again
	// inside its transaction.
	Batched() bool
	// CheckSends judges a batch of users' text messages with a few
	// statements in all: verdicts[i] is what CanSend would answer for
	// sends[i]; err is a failure of the database.
	CheckSends(ctx context.Context, tx *store.Store, sends []SendCheck) (verdicts []error, err error)
	// AfterSend runs inside the send's transaction once the message is
	// stored (first-reply stamps, reopening, webhook events, …).
	AfterSend(ctx context.Context, tx *store.Store, conv *store.Conversation, msg *store.Message) error
	// Audience returns the recipient keys of an event of conv (msg is nil
	// for events that are not a message) among userIDs, at the moment of
	// publishing, plus whoever else the kind tells.
	Audience(ctx context.Context, conv *store.Conversation, msg *store.Message, userIDs []int64) []string
	// Published runs after a new message was committed and published.
	Published(ctx context.Context, conv *store.Conversation, msg *Message)
	// Typing runs when actor, on session, starts (typing) or stops typing
	// in conv, before chat tells those who read it. It reports whether the
	// kind showed it to someone itself: chat's refusal to tell the readers
	// is then no error.
	Typing(ctx context.Context, conv *store.Conversation, actor Actor, session string, typing bool) (shown bool)
	// OfflineDigest reports whether members with no open session are
	// mailed a digest of the messages they missed.
	OfflineDigest() bool
}

// Kinds is the registry of conversation kinds, given to New.
type Kinds map[store.ConversationKind]Kind

// SendCheck is one send of a batch for Kind.CheckSends: who posts where,
// with their membership and the conversation's members as the batch read
// them.
type SendCheck struct {
	Conv    *store.Conversation
	UserID  int64
	Member  *store.Member // nil: not a member
	Members []store.Member
}

// ErrNoConversation answers whoever may not see a conversation: whether it
// exists is none of their business.
var ErrNoConversation = errs.R(errs.NotFound, "conversation_not_found", "no such conversation")

// kind returns the rules of conv's kind; a kind nobody registered lets
// nobody in.
func (s *Service) kind(conv *store.Conversation) Kind {
	if k, ok := s.kinds[conv.Kind]; ok {
		return k
	}
	return closedKind{}
}

// closedKind is the rules of an unregistered kind: nobody reads or sends.
type closedKind struct{}

func (closedKind) CanRead(context.Context, *store.Store, *store.Conversation, Actor, *store.Member) error {
	return ErrNoConversation
}

func (closedKind) CanSend(context.Context, *store.Store, *store.Conversation, Actor, *store.Member, store.MessageKind) error {
	return ErrNoConversation
}

func (closedKind) Batched() bool { return false }

func (closedKind) CheckSends(_ context.Context, _ *store.Store, sends []SendCheck) ([]error, error) {
	out := make([]error, len(sends))
	for i := range out {
		out[i] = ErrNoConversation
	}
	return out, nil
}

func (closedKind) AfterSend(context.Context, *store.Store, *store.Conversation, *store.Message) error {
	return nil
}

func (closedKind) Audience(context.Context, *store.Conversation, *store.Message, []int64) []string {
	return nil
}

func (closedKind) Published(context.Context, *store.Conversation, *Message) {}

func (closedKind) Typing(context.Context, *store.Conversation, Actor, string, bool) bool {
	return false
}

func (closedKind) OfflineDigest() bool { return false }
