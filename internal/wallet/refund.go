package wallet

import (
	"context"
	"fmt"
	"time"

	"github.com/parley-chat/parley/internal/store"
)

// refundDelay is when to run the refund of a packet that expires in d.
// asynq keeps due times in whole seconds, so a task can start up to a
// second before the time asked for: ask for one second more.
func refundDelay(d time.Duration) time.Duration { return max(0, d) + time.Second }

// earlyWait is how long a refund that starts before its packet expires
// waits for it, rather than failing into a retry minutes later.
const earlyWait = 5 * time.Second

// RefundRedPacket gives what is left of an expired red packet back to its
// sender. It checks and marks the packet inside one transaction, so a
// task that runs twice refunds once; a packet already refunded, or
// unknown, is nothing to do. Called early, it fails so that the job is
// retried later.
func (s *Service) RefundRedPacket(ctx context.Context, packetID int64) error {
	if p, err := s.store.RedPacketByID(ctx, packetID); err == nil {
		if early := p.ExpiresAt.Sub(s.now()); early > 0 && early <= earlyWait {
			select {
			case <-s.clock.After(early):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	var (
		p        *store.RedPacket
		refunded bool
	)
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		var err error
		if p, err = tx.RedPacketByIDForUpdate(ctx, packetID); notFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		if p.RefundedAt != nil {
			return nil
		}
		now := s.now()
		if now.Before(p.ExpiresAt) {
			return fmt.Errorf("red packet %d expires at %s, not yet", p.ID, p.ExpiresAt.Format(time.RFC3339))
		}
		left := p.RemainingCents
		if refunded, err = tx.MarkRedPacketRefunded(ctx, p.ID, left, now); err != nil || !refunded {
			return err
		}
		p.RefundedAt, p.RefundedCents, p.RemainingCents = &now, left, 0
		if left > 0 {
			_, err = s.move(ctx, tx, p.SenderID, left, ReasonRefund, p.ID, "")
		}
		return err
	})
	if err != nil {
		return domain(err, "refund red packet")
	}
	if refunded && p.RemainingCount > 0 {
		s.log.InfoContext(ctx, "red packet refunded", "red_packet_id", p.ID, "user_id", p.SenderID, "amount_cents", p.RefundedCents)
		s.chat.PublishTo(ctx, s.memberIDs(ctx, p.ConversationID), Frame{
			Type: "red_packet", ID: p.ID, ConversationID: p.ConversationID, RemainingCount: p.RemainingCount, Status: StatusExpired,
		})
	}
	return nil
}
