// Package jobs defines Parley's background task types and their payloads,
// enqueues them on asynq and runs the worker that dispatches them. The work
// itself is done by the services, reached through small interfaces.
package jobs

// Task types. No type may be a prefix of another: asynq's ServeMux falls
// back to the longest matching prefix.
const (
	TypeVerifyMail    = "mail:verify_email"
	TypeResetMail     = "mail:reset_password"
	TypeSignupNotice  = "mail:signup_attempt"
	TypeOfflineDigest = "notify:offline_digest"
	TypeOfflinePush   = "notify:offline_push"
	TypeAssignTimeout = "support:assign_timeout"
	TypeWebhook       = "webhook:deliver"
	TypeNotifyAgents  = "support:notify_agents"
	TypeNotifyVisitor = "support:notify_visitor"
	TypeRefundPacket  = "wallet:refund_red_packet"
	TypeCleanUploads  = "media:clean_uploads"
	TypeBotDelivery   = "bot:deliver"
)

// Task types of automation rules.
const (
	TypeAutomation     = "automation:evaluate"
	TypeAutomationIdle = "automation:idle_check"
)

// WebhookMaxRetry is how many times a failed webhook delivery is retried,
// with delays doubling from one second (about 4.5 hours in all).
const WebhookMaxRetry = 14

// Queue names (before the deployment's prefix).
const (
	QueueCritical = "critical"
	QueueDefault  = "default"
	QueueLow      = "low"
)

// VerifyMailPayload asks for an account mail to a user. Language is the
// language of the request that asked for it, for a user with no setting
// of their own.
type VerifyMailPayload struct {
	UserID   int64  `json:"user_id"`
	Language string `json:"language,omitempty"`
}

// OfflineDigestPayload asks for one digest of unread messages of a
// conversation for a user. Repeats for the same user and conversation
// fold in the outbox.
type OfflineDigestPayload struct {
	UserID         int64 `json:"user_id"`
	ConversationID int64 `json:"conversation_id"`
}

// PushMaxRetry is how many times a Web Push the push service did not take
// (429, 5xx, no answer) is tried again, with delays doubling from five
// seconds (about 40 minutes in all).
const PushMaxRetry = 9

// AssignTimeoutPayload asks to move a support conversation on if its agent
// has not answered since the assignment it names.
type AssignTimeoutPayload struct {
	ConversationID int64 `json:"conversation_id"`
	AgentID        int64 `json:"agent_id"`
	AssignedAt     int64 `json:"assigned_at"` // unix nanoseconds
}

// WebhookPayload asks to deliver one stored webhook delivery.
type WebhookPayload struct {
	DeliveryID int64 `json:"delivery_id"`
}

// BotDeliveryPayload asks to tell a bot about a conversation it holds:
// Event is conversation_started, message (of Seq) or handoff (By whom).
// The delivery's id, the same on every try, is the job's.
type BotDeliveryPayload struct {
	BotID          int64  `json:"bot_id"`
	ConversationID int64  `json:"conversation_id"`
	Event          string `json:"event"`
	Seq            int64  `json:"seq,omitempty"`
	By             string `json:"by,omitempty"`
}

// RefundPacketPayload asks to refund what is left of an expired red packet.
type RefundPacketPayload struct {
	RedPacketID int64 `json:"red_packet_id"`
}

// ConversationPayload names a support conversation. Repeats fold in the
// outbox.
type ConversationPayload struct {
	ConversationID int64 `json:"conversation_id"`
}

// CleanUploadsPayload asks for one pass of the upload clean-up. It is
// empty: the periodic task is unique for its period on every node.
type CleanUploadsPayload struct{}

// AutomationPayload names an event of a support conversation for the
// site's automation rules: its trigger, the key that names the event (a
// rule fires once per key), the sender kind of a message event and the
// label of a label event. RuleID names the one rule an idle check is for.
type AutomationPayload struct {
	Trigger        string `json:"trigger"`
	ConversationID int64  `json:"conversation_id"`
	Key            string `json:"key,omitempty"`
	From           string `json:"from,omitempty"`
	LabelID        int64  `json:"label_id,omitempty"`
	RuleID         int64  `json:"rule_id,omitempty"`
}
