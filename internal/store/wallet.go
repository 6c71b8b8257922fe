package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm/clause"
)

// ErrInsufficientFunds is returned by AddToWallet when a debit would take
// a balance below zero.
var ErrInsufficientFunds = errors.New("store: insufficient funds")

// AddToWallet changes a user's balance by delta cents and returns the new
// balance. A credit creates the wallet on first use; a debit that would
// go below zero changes nothing and returns ErrInsufficientFunds. The
// single UPDATE … RETURNING is atomic on both dialects, so concurrent
// changes to one wallet never lose an update.
func (s *Store) AddToWallet(ctx context.Context, userID, delta int64, now time.Time) (int64, error) {
	var balance []int64
	var err error
	if delta >= 0 {
		err = s.q(ctx).Raw(`INSERT INTO wallets (user_id, balance_cents, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET balance_cents = wallets.balance_cents + excluded.balance_cents, updated_at = excluded.updated_at
			RETURNING balance_cents`, userID, delta, now).Scan(&balance).Error
	} else {
		err = s.q(ctx).Raw(`UPDATE wallets SET balance_cents = balance_cents + ?, updated_at = ?
			WHERE user_id = ? AND balance_cents + ? >= 0 RETURNING balance_cents`, delta, now, userID, delta).Scan(&balance).Error
	}
	if err != nil {
		return 0, err
	}
	if len(balance) == 0 {
		return 0, ErrInsufficientFunds
	}
	return balance[0], nil
}

// CreateWalletEntry appends e to the ledger.
func (s *Store) CreateWalletEntry(ctx context.Context, e *WalletEntry) error {
	return translate(s.q(ctx).Create(e).Error)
}

// WalletBalance returns a user's balance: zero for a wallet never credited.
func (s *Store) WalletBalance(ctx context.Context, userID int64) (int64, error) {
	var w Wallet
	err := s.q(ctx).Where("user_id = ?", userID).First(&w).Error
	if err := translate(err); errors.Is(err, ErrNotFound) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	return w.BalanceCents, nil
}

// WalletEntries returns up to limit ledger entries of a user, newest
// first, with id < beforeID when beforeID > 0.
func (s *Store) WalletEntries(ctx context.Context, userID, beforeID int64, limit int) ([]WalletEntry, error) {
	q := s.q(ctx).Where("user_id = ?", userID)
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	var es []WalletEntry
	err := q.Order("id DESC").Limit(limit).Find(&es).Error
	return es, err
}

// CreateRedPacket inserts p.
func (s *Store) CreateRedPacket(ctx context.Context, p *RedPacket) error {
	return translate(s.q(ctx).Create(p).Error)
}

// RedPacketByID returns a red packet or ErrNotFound.
func (s *Store) RedPacketByID(ctx context.Context, id int64) (*RedPacket, error) {
	var p RedPacket
	if err := s.q(ctx).First(&p, id).Error; err != nil {
		return nil, translate(err)
	}
	return &p, nil
}

// RedPacketByIDForUpdate returns a red packet locked until the transaction
// ends (PostgreSQL; SQLite's immediate transactions already serialise
// writers), so that grabs of one packet happen one after another.
func (s *Store) RedPacketByIDForUpdate(ctx context.Context, id int64) (*RedPacket, error) {
	q := s.q(ctx)
	if s.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var p RedPacket
	if err := q.First(&p, id).Error; err != nil {
		return nil, translate(err)
	}
	return &p, nil
}

// RedPacketByMessage returns the red packet a message carries.
func (s *Store) RedPacketByMessage(ctx context.Context, messageID int64) (*RedPacket, error) {
	var p RedPacket
	if err := s.q(ctx).Where("message_id = ?", messageID).First(&p).Error; err != nil {
		return nil, translate(err)
	}
	return &p, nil
}

// RedPacketsByMessageIDs returns the red packets of messages, by message id.
func (s *Store) RedPacketsByMessageIDs(ctx context.Context, messageIDs []int64) (map[int64]*RedPacket, error) {
	out := map[int64]*RedPacket{}
	if len(messageIDs) == 0 {
		return out, nil
	}
	var ps []RedPacket
	if err := s.q(ctx).Where("message_id IN ?", messageIDs).Find(&ps).Error; err != nil {
		return nil, err
	}
	for i := range ps {
		out[ps[i].MessageID] = &ps[i]
	}
	return out, nil
}

// TakeRedPacketShare removes one share of amount cents from a packet that
// still has count shares left and is not refunded; false if it changed.
func (s *Store) TakeRedPacketShare(ctx context.Context, id, amount int64, count int) (bool, error) {
	res := s.q(ctx).Exec(`UPDATE red_packets SET remaining_cents = remaining_cents - ?, remaining_count = remaining_count - 1
		WHERE id = ? AND remaining_count = ? AND remaining_cents >= ? AND refunded_at IS NULL`, amount, id, count, amount)
	return res.RowsAffected == 1, res.Error
}

// CreateRedPacketClaim inserts c; ErrConflict when the user already has a
// share of this packet.
func (s *Store) CreateRedPacketClaim(ctx context.Context, c *RedPacketClaim) error {
	return translate(s.q(ctx).Create(c).Error)
}

// HasRedPacketClaim reports whether a user has a share of a packet.
func (s *Store) HasRedPacketClaim(ctx context.Context, packetID, userID int64) (bool, error) {
	var n int64
	err := s.q(ctx).Model(&RedPacketClaim{}).Where("red_packet_id = ? AND user_id = ?", packetID, userID).Count(&n).Error
	return n > 0, err
}

// RedPacketClaims returns the shares of a packet in the order they were taken.
func (s *Store) RedPacketClaims(ctx context.Context, packetID int64) ([]RedPacketClaim, error) {
	var cs []RedPacketClaim
	err := s.q(ctx).Where("red_packet_id = ?", packetID).Order("id ASC").Find(&cs).Error
	return cs, err
}

// MarkRedPacketRefunded empties a packet that holds remaining cents and
// stamps it refunded; false if it was refunded already or changed.
func (s *Store) MarkRedPacketRefunded(ctx context.Context, id, remaining int64, at time.Time) (bool, error) {
	res := s.q(ctx).Exec(`UPDATE red_packets SET refunded_at = ?, refunded_cents = ?, remaining_cents = 0
		WHERE id = ? AND refunded_at IS NULL AND remaining_cents = ?`, at, remaining, id, remaining)
	return res.RowsAffected == 1, res.Error
}

// UnrefundedRedPackets lists the packets that still hold money, oldest first.
func (s *Store) UnrefundedRedPackets(ctx context.Context, limit int) ([]RedPacket, error) {
	var ps []RedPacket
	err := s.q(ctx).Where("refunded_at IS NULL AND remaining_cents > 0").Order("id ASC").Limit(limit).Find(&ps).Error
	return ps, err
}

// WalletTotals are the sums the wallet audit compares, read in one
// statement so that they describe one moment.
type WalletTotals struct {
	CreditedCents  int64 // every admin credit ever
	BalanceCents   int64 // every wallet now
	UnclaimedCents int64 // what packets not yet refunded still hold
}

// WalletTotals sums credits, balances and unclaimed packet remainders.
func (s *Store) WalletTotals(ctx context.Context) (WalletTotals, error) {
	var t WalletTotals
	err := s.q(ctx).Raw(`SELECT
		(SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM wallet_entries WHERE reason = 'credit') AS credited_cents,
		(SELECT CAST(COALESCE(SUM(balance_cents), 0) AS BIGINT) FROM wallets) AS balance_cents,
		(SELECT CAST(COALESCE(SUM(remaining_cents), 0) AS BIGINT) FROM red_packets WHERE refunded_at IS NULL) AS unclaimed_cents`).
		Scan(&t).Error
	return t, err
}

// LedgerMismatch is a wallet whose balance is not the sum of its ledger.
type LedgerMismatch struct {
	UserID       int64
	BalanceCents int64
	LedgerCents  int64
}

// LedgerMismatches lists the users whose balance differs from the sum of
// their ledger entries (a user with entries and no wallet counts as 0).
func (s *Store) LedgerMismatches(ctx context.Context) ([]LedgerMismatch, error) {
	var out []LedgerMismatch
	err := s.q(ctx).Raw(`SELECT u.user_id,
			CAST(COALESCE((SELECT w.balance_cents FROM wallets w WHERE w.user_id = u.user_id), 0) AS BIGINT) AS balance_cents,
			CAST(COALESCE((SELECT SUM(e.amount_cents) FROM wallet_entries e WHERE e.user_id = u.user_id), 0) AS BIGINT) AS ledger_cents
		FROM (SELECT user_id FROM wallets UNION SELECT user_id FROM wallet_entries) u
		WHERE COALESCE((SELECT w.balance_cents FROM wallets w WHERE w.user_id = u.user_id), 0)
			<> COALESCE((SELECT SUM(e.amount_cents) FROM wallet_entries e WHERE e.user_id = u.user_id), 0)
		ORDER BY u.user_id`).Scan(&out).Error
	return out, err
}

// PacketMismatch is a red packet whose total is not what was claimed,
// what remains and what was refunded.
type PacketMismatch struct {
	ID             int64
	TotalCents     int64
	ClaimedCents   int64
	RemainingCents int64
	RefundedCents  int64
}

// PacketMismatches lists the red packets whose money does not add up.
func (s *Store) PacketMismatches(ctx context.Context) ([]PacketMismatch, error) {
	var out []PacketMismatch
	err := s.q(ctx).Raw(`SELECT p.id, p.total_cents, p.remaining_cents, p.refunded_cents,
			CAST(COALESCE((SELECT SUM(c.amount_cents) FROM red_packet_claims c WHERE c.red_packet_id = p.id), 0) AS BIGINT) AS claimed_cents
		FROM red_packets p
		WHERE p.total_cents <> p.remaining_cents + p.refunded_cents
			+ COALESCE((SELECT SUM(c.amount_cents) FROM red_packet_claims c WHERE c.red_packet_id = p.id), 0)
		ORDER BY p.id`).Scan(&out).Error
	return out, err
}
