package store

import "time"

// Wallet is a user's balance in integer cents. It only ever changes
// together with a WalletEntry that says why.
type Wallet struct {
	UserID       int64 `gorm:"primaryKey;autoIncrement:false"`
	BalanceCents int64
	UpdatedAt    time.Time
}

// WalletEntry is one line of a wallet's append-only ledger.
type WalletEntry struct {
	ID                int64 `gorm:"primaryKey"`
	UserID            int64
	AmountCents       int64 // positive in, negative out
	Reason            string
	RefID             int64 // the red packet, or the admin who credited
	Note              string
	BalanceAfterCents int64
	CreatedAt         time.Time
}

// RedPacket is an amount a sender split among the members of a
// conversation who grab it first. RemainingCents is what is still in it;
// once refunded it is zero and RefundedCents says what went back.
type RedPacket struct {
	ID             int64 `gorm:"primaryKey"`
	ConversationID int64
	SenderID       int64
	MessageID      int64
	Kind           string
	TotalCents     int64
	Count          int
	RemainingCents int64
	RemainingCount int
	Greeting       string
	ExpiresAt      time.Time
	RefundedAt     *time.Time
	RefundedCents  int64
	CreatedAt      time.Time
}

// RedPacketClaim is one member's share of a red packet.
type RedPacketClaim struct {
	ID          int64 `gorm:"primaryKey"`
	RedPacketID int64
	UserID      int64
	AmountCents int64
	CreatedAt   time.Time
}

func walletModels() []any {
	return []any{&Wallet{}, &WalletEntry{}, &RedPacket{}, &RedPacketClaim{}}
}
