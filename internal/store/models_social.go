package store

import "time"

// Friendship is one side of a friendship: every friendship is two rows,
// one per owner, so that each side keeps its own remark and category.
type Friendship struct {
	UserID     int64 `gorm:"primaryKey;autoIncrement:false"`
	FriendID   int64 `gorm:"primaryKey;autoIncrement:false"`
	Remark     string
	CategoryID *int64
	CreatedAt  time.Time
}

// FriendRequest asks ToID to become FromID's friend. Status is pending,
// accepted, rejected or canceled; at most one pending request per direction.
type FriendRequest struct {
	ID        int64 `gorm:"primaryKey"`
	FromID    int64
	ToID      int64
	Message   string
	Status    string
	DecidedAt *time.Time
	CreatedAt time.Time
}

// FriendCategory is a user's own folder of friends, ordered by Position.
type FriendCategory struct {
	ID        int64 `gorm:"primaryKey"`
	UserID    int64
	Name      string
	Position  int
	CreatedAt time.Time
}

// Block says that UserID blocked BlockedID.
type Block struct {
	UserID    int64 `gorm:"primaryKey;autoIncrement:false"`
	BlockedID int64 `gorm:"primaryKey;autoIncrement:false"`
	CreatedAt time.Time
}

// AddCode is a user's current add-me code (the QR code's link). Revoking
// replaces it.
type AddCode struct {
	UserID    int64 `gorm:"primaryKey;autoIncrement:false"`
	Code      string
	CreatedAt time.Time
}

// socialModels lists the tables of friends, requests, categories, blocks
// and add-me codes.
func socialModels() []any {
	return []any{&Friendship{}, &FriendRequest{}, &FriendCategory{}, &Block{}, &AddCode{}}
}
