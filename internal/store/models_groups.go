package store

import "time"

// Group is a group chat's settings; its messages and members live in its
// conversation (members carry the role and mute).
type Group struct {
	ID             int64 `gorm:"primaryKey"`
	Number         int64
	Name           string
	AvatarURL      string
	AvatarUploadID *int64 // set while the picture is an upload served at AvatarURL
	Announcement   string
	JoinPolicy     string
	MuteAll        bool
	MemberCap      int
	OwnerID        int64
	ConversationID int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TableName names the groups table ("groups" is an SQL keyword).
func (Group) TableName() string { return "chat_groups" }

// GroupJoinRequest is a request to join a group under the approval policy.
type GroupJoinRequest struct {
	ID        int64 `gorm:"primaryKey"`
	GroupID   int64
	UserID    int64
	Message   string
	Status    string
	DecidedBy *int64
	DecidedAt *time.Time
	CreatedAt time.Time
}

// GroupInvite is an invite link: it may expire and have a maximum of uses.
type GroupInvite struct {
	ID        int64 `gorm:"primaryKey"`
	GroupID   int64
	Token     string
	CreatedBy int64
	ExpiresAt *time.Time
	MaxUses   int
	Uses      int
	RevokedAt *time.Time
	CreatedAt time.Time
}

// groupModels lists the tables of groups, join requests and invites.
func groupModels() []any { return []any{&Group{}, &GroupJoinRequest{}, &GroupInvite{}} }
