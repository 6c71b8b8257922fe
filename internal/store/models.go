package store

import "time"

// User is an account: a person chatting, an agent or an admin.
type User struct {
	ID              int64 `gorm:"primaryKey"`
	Username        string
	Email           string
	PasswordHash    string
	Nickname        string
	AvatarURL       string
	AvatarUploadID  *int64 // set while the avatar is an upload served at AvatarURL
	Role            string
	EmailVerifiedAt *time.Time
	LastSeenAt      *time.Time // when the last realtime session closed
	DisabledAt      *time.Time // set while an admin has disabled the account
	Language        *string    // en or zh-CN; nil follows the browser
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// RefreshToken is one link of a rotating refresh-token family. Only the
// SHA-256 of the token is kept.
type RefreshToken struct {
	ID        int64 `gorm:"primaryKey"`
	UserID    int64
	FamilyID  string
	TokenHash string
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
	CreatedAt time.Time
}

// EmailToken is a single-use token mailed to a user (e-mail verification).
type EmailToken struct {
	ID        int64 `gorm:"primaryKey"`
	UserID    int64
	Purpose   string
	TokenHash string
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

// Conversation is any chat: direct, group or support. LastSeq is the seq of
// its newest message; seqs are allocated by incrementing it.
type Conversation struct {
	ID            int64 `gorm:"primaryKey"`
	Kind          ConversationKind
	Title         string
	DirectKey     *string
	LastSeq       int64
	LastMessageAt *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Member is a user's place in a conversation, with how far they have read
// and when they were last mailed about it (and by which job).
type Member struct {
	ConversationID int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID         int64 `gorm:"primaryKey;autoIncrement:false"`
	Role           string
	ReadSeq        int64
	NotifiedAt     *time.Time
	NotifiedJob    *string // the job that claimed the last mail
	PushedAt       *time.Time
	PushedJob      *string // the job that claimed the last Web Push
	MutedUntil     *time.Time
	JoinedAt       time.Time
}

// TableName names the members table.
func (Member) TableName() string { return "conversation_members" }

// Message is one message of a conversation, numbered by Seq.
type Message struct {
	ID             int64 `gorm:"primaryKey"`
	ConversationID int64
	Seq            int64
	SenderKind     SenderKind
	SenderID       int64
	ClientMsgID    string
	Kind           MessageKind
	Body           string
	AttachmentID   *int64
	ReplyToSeq     *int64
	Event          *string // a system message's event, as JSON
	CreatedAt      time.Time
	RecalledAt     *time.Time
}

// AppSetting is a key/value row for process-wide facts such as "setup done".
type AppSetting struct {
	Key       string `gorm:"primaryKey"`
	Value     string
	UpdatedAt time.Time
}

// Models lists every model that has a table, for the schema test.
func Models() []any {
	out := []any{&User{}, &RefreshToken{}, &EmailToken{}, &Conversation{}, &Member{}, &Message{}, &AppSetting{}}
	out = append(out, socialModels()...)
	out = append(out, supportModels()...)
	out = append(out, teamModels()...)
	out = append(out, contactModels()...)
	out = append(out, webhookModels()...)
	out = append(out, &Bot{})
	out = append(out, pusherModels()...)
	out = append(out, jobModels()...)
	out = append(out, mediaModels()...)
	out = append(out, walletModels()...)
	out = append(out, &AuditEntry{}, &PushSubscription{})
	out = append(out, notificationModels()...)
	out = append(out, labelModels()...)
	out = append(out, automationModels()...)
	return append(out, groupModels()...)
}
