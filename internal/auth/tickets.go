package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/internal/errs"
)

// TicketTTL is how long a realtime ticket may wait before it is used.
const TicketTTL = 30 * time.Second

// IssueTicket returns a single-use ticket that opens one WebSocket as id.
// Tickets live in Redis so that any node can redeem them.
func (s *Service) IssueTicket(ctx context.Context, id Identity) (string, error) {
	if err := s.limiter.Hit(ctx, fmt.Sprintf("ticket:%s:%d", id.Kind, id.ID), s.cfg.Limits.TicketsPerMinute, time.Minute, "opening realtime connections"); err != nil {
		return "", err
	}
	t := "wst_" + randomToken(24)
	b, _ := json.Marshal(id)
	if err := s.rdb.Set(ctx, s.keys("ticket", hashToken(t)), b, TicketTTL).Err(); err != nil {
		return "", &errs.Error{Code: errs.Unavailable, Reason: "unavailable", Message: "realtime is unavailable; try again shortly", Err: err}
	}
	return t, nil
}

// RedeemTicket spends a ticket and returns whom it was issued to.
func (s *Service) RedeemTicket(ctx context.Context, ticket string) (Identity, error) {
	var id Identity
	if ticket == "" {
		return id, errs.R(errs.Unauthorized, "invalid_ticket", "a ticket is required: POST /api/v1/realtime/ticket")
	}
	b, err := s.rdb.GetDel(ctx, s.keys("ticket", hashToken(ticket))).Bytes()
	if errors.Is(err, redis.Nil) {
		return id, errs.R(errs.Unauthorized, "invalid_ticket", "the ticket is unknown, expired or already used")
	}
	if err != nil {
		return id, &errs.Error{Code: errs.Unavailable, Reason: "unavailable", Message: "realtime is unavailable; try again shortly", Err: err}
	}
	if err := json.Unmarshal(b, &id); err != nil {
		return id, errs.Wrap(err, "decode ticket")
	}
	return id, nil
}
