package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/i18n"
	"github.com/parley-chat/parley/internal/store"
)

// TicketTTL is how long a realtime ticket may wait before it is used.
const TicketTTL = 30 * time.Second

// ticket is what Redis keeps of a ticket: whom it names and when it was
// issued, never a role or a name. Whoever could write one (Redis is shared
// by the nodes) gains nothing by naming a role: redemption reads the
// account as it is now.
type ticket struct {
	Kind     store.SenderKind `json:"kind"`
	ID       int64            `json:"id"`
	IssuedMs int64            `json:"issued_ms"`
}

var errBadTicket = errs.R(errs.Unauthorized, "invalid_ticket", "the ticket is unknown, expired or already used")

// IssueTicket returns a single-use ticket that opens one WebSocket as id.
// Tickets live in Redis so that any node can redeem them.
func (s *Service) IssueTicket(ctx context.Context, id Identity) (string, error) {
	if err := s.limiter.Hit(ctx, fmt.Sprintf("ticket:%s:%d", id.Kind, id.ID), s.cfg.Limits.TicketsPerMinute, time.Minute, i18n.N("opening realtime connections")); err != nil {
		return "", err
	}
	t := "wst_" + randomToken(24)
	b, _ := json.Marshal(ticket{Kind: id.Kind, ID: id.ID, IssuedMs: s.now().UnixMilli()})
	if err := s.rdb.Set(ctx, s.keys("ticket", hashToken(t)), b, TicketTTL).Err(); err != nil {
		return "", errRealtimeDown(err)
	}
	return t, nil
}

// RedeemTicket spends a ticket and returns whom it was issued to. A user's
// account is read afresh from the database: a disabled account opens
// nothing, the role is the one held now, and a ticket issued before the
// account's sessions were revoked (password change, sign-out everywhere,
// a leaked refresh token, disabling) is void. A visitor's identity is
// only their id; the caller loads the visitor.
func (s *Service) RedeemTicket(ctx context.Context, raw string) (Identity, error) {
	if raw == "" {
		return Identity{}, errs.R(errs.Unauthorized, "invalid_ticket", "a ticket is required: POST /api/v1/realtime/ticket")
	}
	b, err := s.rdb.GetDel(ctx, s.keys("ticket", hashToken(raw))).Bytes()
	if errors.Is(err, redis.Nil) {
		return Identity{}, errBadTicket
	}
	if err != nil {
		return Identity{}, errRealtimeDown(err)
	}
	var t ticket
	if err := json.Unmarshal(b, &t); err != nil || t.ID <= 0 {
		return Identity{}, errBadTicket
	}
	// Redis forgets a ticket after TicketTTL by its own clock; this holds
	// the same lifetime by Parley's.
	if s.now().UnixMilli()-t.IssuedMs > TicketTTL.Milliseconds() {
		return Identity{}, errBadTicket
	}
	switch t.Kind {
	case store.SenderVisitor:
		return Identity{Kind: store.SenderVisitor, ID: t.ID}, nil
	case store.SenderUser:
	default:
		return Identity{}, errBadTicket
	}
	revoked, err := s.revokedAt(ctx, t.ID)
	if err != nil {
		return Identity{}, errRealtimeDown(err) // unknown: refuse rather than guess
	}
	// A ticket of the very millisecond of the revocation is void too: one
	// for the new session of a password change is asked for later.
	if t.IssuedMs <= revoked {
		return Identity{}, errBadTicket
	}
	u, err := s.store.UserByID(ctx, t.ID)
	if errors.Is(err, store.ErrNotFound) {
		return Identity{}, errBadTicket
	}
	if err != nil {
		return Identity{}, errRealtimeDown(err)
	}
	if u.DisabledAt != nil {
		return Identity{}, errAccountDisabled(errs.Unauthorized)
	}
	return Identity{Kind: store.SenderUser, ID: u.ID, Role: u.Role, Name: u.Nickname, Unverified: unverified(u)}, nil
}

func errRealtimeDown(err error) error {
	return &errs.Error{Code: errs.Unavailable, Reason: "unavailable", Message: "realtime is unavailable; try again shortly", Err: err}
}
