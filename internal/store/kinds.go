package store

// ConversationKind says what a conversation is; each kind has its own
// rules for who reads and who sends (see chat.Kind).
type ConversationKind string

// Conversation kinds.
const (
	KindDirect  ConversationKind = "direct"
	KindGroup   ConversationKind = "group"
	KindSupport ConversationKind = "support"
)

// SenderKind says who wrote a message, or who acts: a signed-in user, a
// widget visitor, a site's bot, or Parley itself.
type SenderKind string

// Sender kinds.
const (
	SenderUser    SenderKind = "user"
	SenderVisitor SenderKind = "visitor"
	SenderSystem  SenderKind = "system"
	SenderBot     SenderKind = "bot" // a site's bot, answering through the bot API
)

// MessageKind says what a message carries.
type MessageKind string

// Message kinds.
const (
	MessageText      MessageKind = "text"
	MessageNote      MessageKind = "note" // a support conversation's private note: staff only
	MessageSystem    MessageKind = "system"
	MessageRedPacket MessageKind = "red_packet"
	MessageImage     MessageKind = "image"
	MessageVoice     MessageKind = "voice"
	MessageVideo     MessageKind = "video"
	MessageFile      MessageKind = "file"
)

// IsMedia reports whether messages of kind carry an attachment.
func (k MessageKind) IsMedia() bool {
	switch k {
	case MessageImage, MessageVoice, MessageVideo, MessageFile:
		return true
	}
	return false
}
