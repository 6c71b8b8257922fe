package wallet

import (
	"context"
	"errors"
	"math/rand/v2"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

var (
	errAlreadyClaimed = errs.R(errs.Conflict, "already_claimed", "you already took a share of this red packet")
	errExhausted      = errs.R(errs.Gone, "exhausted", "every share of this red packet has been taken")
	errExpired        = errs.R(errs.Gone, "expired", "this red packet has expired")
	errOwnDirect      = errs.R(errs.Rule, "own_red_packet", "a red packet in a direct chat is for the other person")
)

// Grabbed is the share a member took.
type Grabbed struct {
	AmountCents  int64  `json:"amount_cents"`
	BalanceCents int64  `json:"balance_cents"`
	RedPacket    Packet `json:"red_packet"`
}

// Grab gives userID one share of a red packet and credits it to their
// wallet in one transaction. The packet's row is locked (PostgreSQL; on
// SQLite the immediate transaction holds the write lock) and claims are
// unique per member, so concurrent grabs never split more than the packet
// holds. Errors: 404 red_packet_not_found, 403 not_a_member, 409
// already_claimed, 410 exhausted, 410 expired, 422 own_red_packet (the
// sender in a direct chat).
func (s *Service) Grab(ctx context.Context, userID, packetID int64) (*Grabbed, error) {
	var (
		p     *store.RedPacket
		claim *store.RedPacketClaim
		entry *store.WalletEntry
	)
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		var err error
		if p, err = tx.RedPacketByIDForUpdate(ctx, packetID); notFound(err) {
			return errNoPacket
		} else if err != nil {
			return err
		}
		if _, err := tx.Member(ctx, p.ConversationID, userID); notFound(err) {
			return errNotMember
		} else if err != nil {
			return err
		}
		if claimed, err := tx.HasRedPacketClaim(ctx, p.ID, userID); err != nil {
			return err
		} else if claimed {
			return errAlreadyClaimed
		}
		switch s.packets.status(p) {
		case StatusExhausted:
			return errExhausted
		case StatusExpired:
			return errExpired
		}
		if p.SenderID == userID {
			conv, err := tx.ConversationByID(ctx, p.ConversationID)
			if err != nil {
				return err
			}
			if conv.Kind == store.KindDirect {
				return errOwnDirect
			}
		}
		amount := share(p.Kind, p.TotalCents, p.Count, p.RemainingCents, p.RemainingCount)
		ok, err := tx.TakeRedPacketShare(ctx, p.ID, amount, p.RemainingCount)
		if err != nil {
			return err
		}
		if !ok {
			return errs.R(errs.Conflict, "busy", "the red packet changed meanwhile; try again")
		}
		claim = &store.RedPacketClaim{RedPacketID: p.ID, UserID: userID, AmountCents: amount, CreatedAt: s.now()}
		if err := tx.CreateRedPacketClaim(ctx, claim); errors.Is(err, store.ErrConflict) {
			return errAlreadyClaimed
		} else if err != nil {
			return err
		}
		entry, err = s.move(ctx, tx, userID, amount, ReasonGrab, p.ID, "")
		return err
	})
	if err != nil {
		return nil, domain(err, "grab red packet")
	}
	p.RemainingCents -= claim.AmountCents
	p.RemainingCount--
	view := s.packets.packetView(p)
	name := ""
	if u, err := s.store.UserByID(ctx, userID); err == nil {
		name = displayName(u)
	}
	s.chat.PublishTo(ctx, s.memberIDs(ctx, p.ConversationID), Frame{
		Type: "red_packet", ID: p.ID, ConversationID: p.ConversationID, RemainingCount: p.RemainingCount, Status: view.Status,
		ClaimedBy: &Claimer{UserID: userID, Name: name, AmountCents: claim.AmountCents, ClaimedAt: claim.CreatedAt},
	})
	return &Grabbed{AmountCents: claim.AmountCents, BalanceCents: entry.BalanceAfterCents, RedPacket: view}, nil
}

// share is the amount of the next share of a packet that still holds
// remaining cents in left shares. The last share takes the rest. Equal
// shares are total/count. A lucky share is drawn uniformly between 1 cent
// and twice the fair share of what is left, capped so that every share
// after it still gets at least 1 cent.
func share(kind string, total int64, count int, remaining int64, left int) int64 {
	if left <= 1 {
		return remaining
	}
	if kind == KindEqual {
		return total / int64(count)
	}
	l := int64(left)
	upper := max(1, min(remaining-(l-1), 2*remaining/l))
	return 1 + rand.Int64N(upper)
}
