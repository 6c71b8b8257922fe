package wallet

import (
	"context"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/parley-chat/parley/internal/store"
)

// Red packet kinds and states.
const (
	KindLucky = "lucky" // random shares
	KindEqual = "equal" // even shares, the remainder to the last

	StatusOpen      = "open"
	StatusExhausted = "exhausted"
	StatusExpired   = "expired" // past its time, or refunded
)

// Packet is a red packet as it travels on its message (the red_packet
// field of a message of kind red_packet) and in answers.
type Packet struct {
	ID             int64     `json:"id"`
	ConversationID int64     `json:"conversation_id"`
	SenderID       int64     `json:"sender_id"`
	Kind           string    `json:"kind"`
	TotalCents     int64     `json:"total_cents"`
	Count          int       `json:"count"`
	Greeting       string    `json:"greeting"`
	RemainingCount int       `json:"remaining_count"`
	Status         string    `json:"status"`
	ExpiresAt      time.Time `json:"expires_at"`
}

// Packets describes red packets. It needs only the store, so that chat's
// message views use it before the wallet service (which needs chat) is
// built.
type Packets struct {
	store *store.Store
	now   func() time.Time
}

// NewPackets builds the red packets' views.
func NewPackets(st *store.Store, clock clockwork.Clock) *Packets {
	return &Packets{store: st, now: nowFunc(clock)}
}

func (s *Packets) packetView(p *store.RedPacket) Packet {
	return Packet{
		ID: p.ID, ConversationID: p.ConversationID, SenderID: p.SenderID, Kind: p.Kind,
		TotalCents: p.TotalCents, Count: p.Count, Greeting: p.Greeting, RemainingCount: p.RemainingCount,
		Status: s.status(p), ExpiresAt: p.ExpiresAt,
	}
}

func (s *Packets) status(p *store.RedPacket) string {
	switch {
	case p.RemainingCount == 0:
		return StatusExhausted
	case p.RefundedAt != nil || !s.now().Before(p.ExpiresAt):
		return StatusExpired
	}
	return StatusOpen
}

// RedPacketViews describes the packets of red_packet messages, by message
// id, for the chat service's message views.
func (s *Packets) RedPacketViews(ctx context.Context, messageIDs []int64) (map[int64]any, error) {
	ps, err := s.store.RedPacketsByMessageIDs(ctx, messageIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]any, len(ps))
	for id, p := range ps {
		out[id] = s.packetView(p)
	}
	return out, nil
}

// Claimer is who took a share, in frames and details.
type Claimer struct {
	UserID      int64     `json:"user_id"`
	Name        string    `json:"name"`
	AmountCents int64     `json:"amount_cents"`
	ClaimedAt   time.Time `json:"claimed_at"`
}

// Frame tells the members of a conversation that a red packet changed:
// someone took a share (ClaimedBy), or it expired and was refunded.
type Frame struct {
	Type           string   `json:"type"` // red_packet
	ID             int64    `json:"id"`
	ConversationID int64    `json:"conversation_id"`
	RemainingCount int      `json:"remaining_count"`
	Status         string   `json:"status"`
	ClaimedBy      *Claimer `json:"claimed_by,omitempty"`
}

// Details is a red packet with who got how much.
type Details struct {
	Packet
	SenderName     string     `json:"sender_name"`
	RemainingCents int64      `json:"remaining_cents"`
	RefundedCents  int64      `json:"refunded_cents"`
	CreatedAt      time.Time  `json:"created_at"`
	Claims         []Claimer  `json:"claims"`
	Luckiest       *Claimer   `json:"luckiest"` // lucky packets, once exhausted
	MyClaim        *Claimer   `json:"my_claim"`
	RefundedAt     *time.Time `json:"refunded_at,omitempty"`
}

// Details shows a red packet to a member of its conversation (404 to
// anyone else): its shares in the order taken and, for a lucky packet that
// is exhausted, the luckiest grabber (the first of equals).
func (s *Service) Details(ctx context.Context, userID, packetID int64) (*Details, error) {
	p, err := s.store.RedPacketByID(ctx, packetID)
	if notFound(err) {
		return nil, errNoPacket
	}
	if err != nil {
		return nil, domain(err, "load red packet")
	}
	if _, err := s.store.Member(ctx, p.ConversationID, userID); notFound(err) {
		return nil, errNotMember
	} else if err != nil {
		return nil, domain(err, "load membership")
	}
	claims, err := s.store.RedPacketClaims(ctx, p.ID)
	if err != nil {
		return nil, domain(err, "load claims")
	}
	ids := []int64{p.SenderID}
	for _, c := range claims {
		ids = append(ids, c.UserID)
	}
	users, err := s.store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, domain(err, "load users")
	}
	d := &Details{
		Packet: s.packets.packetView(p), SenderName: displayName(users[p.SenderID]), RemainingCents: p.RemainingCents,
		RefundedCents: p.RefundedCents, CreatedAt: p.CreatedAt, RefundedAt: p.RefundedAt,
		Claims: make([]Claimer, 0, len(claims)),
	}
	for _, c := range claims {
		d.Claims = append(d.Claims, Claimer{UserID: c.UserID, Name: displayName(users[c.UserID]), AmountCents: c.AmountCents, ClaimedAt: c.CreatedAt})
	}
	for i := range d.Claims {
		c := &d.Claims[i]
		if c.UserID == userID {
			d.MyClaim = c
		}
		if p.Kind == KindLucky && p.RemainingCount == 0 && (d.Luckiest == nil || c.AmountCents > d.Luckiest.AmountCents) {
			d.Luckiest = c
		}
	}
	return d, nil
}
