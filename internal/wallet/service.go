// Package wallet owns money: each user's balance in integer cents with its
// append-only ledger, admin credits, red packets (send, grab, expiry
// refund) and the audit that proves no cent was created or lost.
// Every change of a balance and its ledger entry happen in one
// transaction, with the jobs it decides (the refund); frames go out only
// after commit.
package wallet

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// Ledger reasons.
const (
	ReasonCredit = "credit"
	ReasonSend   = "red_packet_send"
	ReasonGrab   = "red_packet_grab"
	ReasonRefund = "red_packet_refund"
)

// Jobs schedules the refund of red packets, through the transaction that
// sends them.
type Jobs interface {
	EnqueueRefundRedPacket(ctx context.Context, tx *store.Store, redPacketID int64, delay time.Duration) error
}

// Config tunes the wallet.
type Config struct {
	RedPacketMaxCents int64         // largest packet
	RedPacketTTL      time.Duration // how long a packet can be grabbed
	// Clock tells the time of packets, grabs and refunds (the real clock
	// when nil).
	Clock clockwork.Clock
}

// Service implements wallets and red packets.
type Service struct {
	store   *store.Store
	chat    *chat.Service
	packets *Packets
	jobs    Jobs
	cfg     Config
	log     *slog.Logger
	clock   clockwork.Clock
	now     func() time.Time
}

// New builds the wallet service.
func New(st *store.Store, c *chat.Service, packets *Packets, jobs Jobs, cfg Config, log *slog.Logger) *Service {
	s := &Service{store: st, chat: c, packets: packets, jobs: jobs, cfg: cfg, log: log, clock: cfg.Clock, now: nowFunc(cfg.Clock)}
	if s.clock == nil {
		s.clock = clockwork.NewRealClock()
	}
	return s
}

// nowFunc reads clock (the real one when nil) in UTC.
func nowFunc(clock clockwork.Clock) func() time.Time {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	return func() time.Time { return clock.Now().UTC() }
}

var (
	errNoPacket    = errs.R(errs.NotFound, "red_packet_not_found", "no such red packet")
	errNotMember   = errs.R(errs.Forbidden, "not_a_member", "only members of the conversation can open this red packet")
	errNoUser      = errs.R(errs.NotFound, "user_not_found", "no such user")
	errInsufficent = errs.R(errs.Rule, "insufficient_funds", "your balance is too low for this red packet")
)

// move changes a balance by delta cents and appends its ledger entry,
// inside the caller's transaction. A debit below zero is
// store.ErrInsufficientFunds.
func (s *Service) move(ctx context.Context, tx *store.Store, userID, delta int64, reason string, refID int64, note string) (*store.WalletEntry, error) {
	now := s.now()
	balance, err := tx.AddToWallet(ctx, userID, delta, now)
	if err != nil {
		return nil, err
	}
	e := &store.WalletEntry{
		UserID: userID, AmountCents: delta, Reason: reason, RefID: refID, Note: note,
		BalanceAfterCents: balance, CreatedAt: now,
	}
	if err := tx.CreateWalletEntry(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// domain passes domain errors through and wraps anything else.
func domain(err error, what string) error {
	if err == nil {
		return nil
	}
	if _, ok := errs.As(err); ok {
		return err
	}
	if store.IsUnavailable(err) {
		return &errs.Error{Code: errs.Unavailable, Reason: "unavailable", Message: "the database is unavailable; retry", Err: err}
	}
	return errs.Wrap(err, what)
}

func notFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

func displayName(u *store.User) string {
	if u == nil {
		return ""
	}
	if u.Nickname != "" {
		return u.Nickname
	}
	return u.Username
}

// memberIDs lists the user ids of a conversation's members.
func (s *Service) memberIDs(ctx context.Context, conversationID int64) []int64 {
	ms, err := s.store.MembersOf(ctx, conversationID)
	if err != nil {
		s.log.WarnContext(ctx, "load members", "conversation_id", conversationID, "err", err)
		return nil
	}
	ids := make([]int64, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.UserID)
	}
	return ids
}
