package chat

// Server → client frames that carry chat events.

// MessageFrame delivers a new message.
type MessageFrame struct {
	Type    string   `json:"type"` // message
	Message *Message `json:"message"`
}

// AckFrame answers a send once the message is stored.
type AckFrame struct {
	Type        string   `json:"type"` // ack
	ClientMsgID string   `json:"client_msg_id"`
	Message     *Message `json:"message"`
}

// ReadFrame tells that a member has read up to seq.
type ReadFrame struct {
	Type           string `json:"type"` // read
	ConversationID int64  `json:"conversation_id"`
	UserID         int64  `json:"user_id"`
	Seq            int64  `json:"seq"`
}

// TypingFrame tells that someone started or stopped typing.
type TypingFrame struct {
	Type           string `json:"type"` // typing
	ConversationID int64  `json:"conversation_id"`
	From           Sender `json:"from"`
	State          string `json:"state"`
}

// Ephemeral lets a receiver that is behind miss a typing frame.
func (TypingFrame) Ephemeral() bool { return true }

// RecallFrame tells that a message was recalled.
type RecallFrame struct {
	Type           string `json:"type"` // recall
	ConversationID int64  `json:"conversation_id"`
	Seq            int64  `json:"seq"`
}

// ConversationFrame tells that a conversation appeared or changed.
type ConversationFrame struct {
	Type         string        `json:"type"` // conversation
	Conversation *Conversation `json:"conversation"`
}
