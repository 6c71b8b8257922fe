package store

import "time"

// Site is a website that embeds the widget.
type Site struct {
	ID        int64 `gorm:"primaryKey"`
	Name      string
	PublicKey string
	Secret    string
	// PreviousSecret still verifies until PreviousSecretUntil after a
	// rotation.
	PreviousSecret      string
	PreviousSecretUntil *time.Time
	AllowedOrigins      string // newline-separated
	Color               string
	Greeting            string
	AwayMessage         string
	BusinessHours       string // JSON
	TimeZone            string
	PrechatFields       string // JSON
	RequireIdentity     bool
	FontFamily          string // system | sans | serif | rounded | mono
	LauncherPosition    string // right | left
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// Queue is a line of support conversations of a site (Sales, Support…).
type Queue struct {
	ID             int64 `gorm:"primaryKey"`
	SiteID         int64
	Name           string
	IsDefault      bool
	AssignTimeoutS int
	// Service-level targets in seconds; nil: none.
	FirstResponseTargetS *int
	ResolutionTargetS    *int
	TeamID               *int64 // a team whose members serve the queue too
	BotID                *int64 // a bot that answers the queue's conversations first
	CreatedAt            time.Time
}

// QueueAgent is an agent's membership of a queue, with their capacity.
type QueueAgent struct {
	QueueID   int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID    int64 `gorm:"primaryKey;autoIncrement:false"`
	Capacity  int
	CreatedAt time.Time
}

// Agent is an agent's chosen availability and when they last got a chat.
type Agent struct {
	UserID         int64 `gorm:"primaryKey;autoIncrement:false"`
	Status         string
	StatusAt       time.Time
	LastAssignedAt *time.Time
	DisconnectedAt *time.Time // set when their last session closed; nil while connected
}

// Visitor is a person chatting through a site's widget.
type Visitor struct {
	ID         int64 `gorm:"primaryKey"`
	SiteID     int64
	ExternalID *string
	Name       string
	Email      string
	PageURL    string
	Referrer   string
	Locale     string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	// MergedIntoID is the visitor this duplicate was merged into: its
	// tokens resolve there.
	MergedIntoID *int64
}

// SupportConversation is the support side of a conversation: its site,
// queue, visitor, assignee and life-cycle stamps.
type SupportConversation struct {
	ConversationID    int64 `gorm:"primaryKey;autoIncrement:false"`
	SiteID            int64
	QueueID           int64
	VisitorID         int64
	AssigneeID        *int64
	TeamID            *int64 // the team it was transferred to, whose members take it
	BotID             *int64 // the bot that answered it first, if any
	Status            string // bot | queued | assigned | resolved
	Prechat           string // JSON
	QueuedAt          *time.Time
	AssignedAt        *time.Time
	FirstResponseAt   *time.Time
	ResolvedAt        *time.Time
	Rating            *int
	RatingComment     string
	RatedAt           *time.Time
	CreatedAt         time.Time
	VisitorReadSeq    int64
	VisitorNotifiedAt *time.Time
	// The jobs that claimed the last mails, and the agents' mark before
	// their last claim.
	VisitorNotifiedJob    *string
	AgentsNotifiedSeq     int64
	AgentsNotifiedJob     *string
	AgentsNotifiedFromSeq int64
	// Due times from the queue's service-level targets, set when the
	// conversation is opened (both) or reopened (resolution); nil: none.
	FirstResponseDueAt *time.Time
	ResolutionDueAt    *time.Time
}

// CannedResponse is a saved reply an agent inserts with /shortcut.
type CannedResponse struct {
	ID        int64 `gorm:"primaryKey"`
	SiteID    int64
	Shortcut  string
	Body      string
	CreatedAt time.Time
}

// supportModels lists the customer-service tables.
func supportModels() []any {
	return []any{&Site{}, &Queue{}, &QueueAgent{}, &Agent{}, &Visitor{}, &SupportConversation{}, &CannedResponse{}, &ConversationEvent{}}
}

// ConversationEvent is one entry of the append-only log of what happened
// to support conversations; reports are computed from it.
type ConversationEvent struct {
	ID             int64 `gorm:"primaryKey"`
	ConversationID int64
	SiteID         int64
	QueueID        int64
	AgentID        *int64
	Type           string // created | assigned | first_reply | transferred | resolved | reopened | rated
	Value          int64  // the score, for rated
	At             time.Time
}
