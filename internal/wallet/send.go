package wallet

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// Limits of a red packet beside PARLEY_RED_PACKET_MAX_CENTS.
const (
	MaxShares        = 100 // in a group
	MaxGreetingRunes = 100
	DefaultGreeting  = "Best wishes!"
)

// SendInput is a red packet to send.
type SendInput struct {
	ConversationID int64
	TotalCents     int64
	Count          int
	Kind           string // lucky | equal
	Greeting       string
	ClientMsgID    string
}

// Sent is a red packet and the message that carries it.
type Sent struct {
	RedPacket Packet        `json:"red_packet"`
	Message   *chat.Message `json:"message"`
}

// errDuplicate rolls back a send whose client_msg_id was stored meanwhile.
var errDuplicate = errors.New("duplicate client_msg_id")

func (s *Service) validate(in *SendInput) error {
	if in.ClientMsgID == "" || len(in.ClientMsgID) > 64 {
		return errs.Field("client_msg_id", "required, at most 64 characters")
	}
	if in.Kind != KindLucky && in.Kind != KindEqual {
		return errs.Field("kind", "lucky or equal")
	}
	if in.Count < 1 || in.Count > MaxShares {
		return errs.Fieldf("count", "from 1 to %d shares", MaxShares)
	}
	if in.TotalCents < 1 || in.TotalCents > s.cfg.RedPacketMaxCents {
		return errs.Fieldf("total_cents", "from 1 to %d cents", s.cfg.RedPacketMaxCents)
	}
	if in.TotalCents < int64(in.Count) {
		return errs.Field("total_cents", "at least 1 cent per share")
	}
	in.Greeting = strings.TrimSpace(in.Greeting)
	if !utf8.ValidString(in.Greeting) {
		return errs.Field("greeting", "must be UTF-8 text")
	}
	if utf8.RuneCountInString(in.Greeting) > MaxGreetingRunes {
		return errs.Rf(errs.TooLarge, "greeting_too_long", "a greeting holds at most %d characters", MaxGreetingRunes)
	}
	if in.Greeting == "" {
		in.Greeting = DefaultGreeting
	}
	return nil
}

// Send debits userID and posts a red_packet message in one transaction.
// A retry with the same client_msg_id returns the packet already sent and
// debits nothing. Errors: 400 on a bad field (count must be 1 in a direct
// chat and at most the members in a group), 413 greeting_too_long, 404
// conversation_not_found, the conversation kind's 422s (not_friends,
// muted, muted_all), 422 insufficient_funds, 409 client_msg_id_taken.
func (s *Service) Send(ctx context.Context, userID int64, in SendInput) (*Sent, error) {
	if err := s.validate(&in); err != nil {
		return nil, err
	}
	var (
		msg    *store.Message
		packet *store.RedPacket
		replay bool
	)
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		conv, err := s.chat.AuthorizeUserSendTx(ctx, tx, userID, in.ConversationID)
		if err != nil {
			return err
		}
		if m, err := tx.MessageByClientID(ctx, in.ConversationID, store.SenderUser, userID, in.ClientMsgID); err == nil {
			if m.Kind != store.MessageRedPacket {
				return errs.R(errs.Conflict, "client_msg_id_taken", "this client_msg_id was used for another message")
			}
			msg, replay = m, true
			packet, err = tx.RedPacketByMessage(ctx, m.ID)
			return err
		} else if !notFound(err) {
			return err
		}
		if err := s.checkShares(ctx, tx, conv, in.Count); err != nil {
			return err
		}
		if msg, err = s.chat.PostRedPacketTx(ctx, tx, userID, in.ConversationID, in.ClientMsgID, in.Greeting); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return errDuplicate
			}
			return err
		}
		now := s.now()
		packet = &store.RedPacket{
			ConversationID: in.ConversationID, SenderID: userID, MessageID: msg.ID, Kind: in.Kind,
			TotalCents: in.TotalCents, Count: in.Count, RemainingCents: in.TotalCents, RemainingCount: in.Count,
			Greeting: in.Greeting, ExpiresAt: now.Add(s.cfg.RedPacketTTL), CreatedAt: now,
		}
		if err := tx.CreateRedPacket(ctx, packet); err != nil {
			return err
		}
		if _, err := s.move(ctx, tx, userID, -in.TotalCents, ReasonSend, packet.ID, ""); err != nil {
			if errors.Is(err, store.ErrInsufficientFunds) {
				return errInsufficent
			}
			return err
		}
		return s.jobs.EnqueueRefundRedPacket(ctx, tx, packet.ID, refundDelay(s.cfg.RedPacketTTL))
	})
	if errors.Is(err, errDuplicate) {
		// A concurrent retry of the same send committed first; this one
		// rolled back, debit included.
		replay = true
		if msg, err = s.store.MessageByClientID(ctx, in.ConversationID, store.SenderUser, userID, in.ClientMsgID); err == nil {
			packet, err = s.store.RedPacketByMessage(ctx, msg.ID)
		}
	}
	if err != nil {
		return nil, domain(err, "send red packet")
	}
	views, err := s.chat.MessagesView(ctx, []store.Message{*msg})
	if err != nil {
		return nil, domain(err, "load message")
	}
	if !replay {
		s.chat.Announce(ctx, nil, msg)
		s.log.InfoContext(ctx, "red packet sent", "user_id", userID, "conversation_id", in.ConversationID,
			"red_packet_id", packet.ID, "total_cents", packet.TotalCents, "count", packet.Count)
	}
	return &Sent{RedPacket: s.packets.packetView(packet), Message: &views[0]}, nil
}

// checkShares applies the count limits of the conversation's kind.
func (s *Service) checkShares(ctx context.Context, tx *store.Store, conv *store.Conversation, count int) error {
	switch conv.Kind {
	case store.KindDirect:
		if count != 1 {
			return errs.Field("count", "a red packet in a direct chat has exactly 1 share")
		}
	case store.KindGroup:
		n, err := tx.CountMembers(ctx, conv.ID)
		if err != nil {
			return err
		}
		if int64(count) > n {
			return errs.Fieldf("count", "at most one share per member (%d)", n)
		}
	default:
		return errs.R(errs.Rule, "unsupported_kind", "red packets are sent in direct and group chats only")
	}
	return nil
}
