// Package realtime carries frames between the server and WebSocket
// clients: it decodes client frames, keeps the index of who is connected
// on this node, and delivers published frames through a broker so that
// they reach the node that holds the session. It knows no business rules.
package realtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/parley-chat/parley/internal/text"
)

// Client frame types.
const (
	FrameSend     = "send"
	FrameRead     = "read"
	FrameTyping   = "typing"
	FramePing     = "ping"
	FramePresence = "presence"
	FrameViewing  = "viewing"
)

// ClientFrame is any frame a client sends; which fields matter depends on Type.
type ClientFrame struct {
	Type           string `json:"type"`
	ClientMsgID    string `json:"client_msg_id,omitempty"`
	ConversationID int64  `json:"conversation_id,omitempty"`
	Kind           string `json:"kind,omitempty"`
	Body           string `json:"body,omitempty"`
	AttachmentID   *int64 `json:"attachment_id,omitempty"`
	ReplyToSeq     *int64 `json:"reply_to_seq,omitempty"`
	Seq            int64  `json:"seq,omitempty"`
	State          string `json:"state,omitempty"`
	Status         string `json:"status,omitempty"`
}

// FrameError is why a frame was refused: a code the client can act on and
// a sentence for people. ClientMsgID is echoed when the frame had one.
type FrameError struct {
	Code        string
	Message     string
	ClientMsgID string
	Field       string // the field at fault, when one is
}

func (e *FrameError) Error() string { return e.Code + ": " + e.Message }

// MaxClientMsgIDLen bounds client-generated ids.
const MaxClientMsgIDLen = 64

// DecodeClientFrame parses and checks one client frame. It never panics;
// every refusal is a *FrameError.
func DecodeClientFrame(data []byte) (ClientFrame, error) {
	var f ClientFrame
	if field, problem := text.BadJSON(data); field != "" {
		// Refused before decoding: Go's decoder would turn bad bytes into
		// U+FFFD and let NULs through to the database.
		cid := peekClientMsgID(data)
		if field == "client_msg_id" {
			cid = ""
		}
		return f, &FrameError{Code: "invalid_input", Message: field + ": " + problem, ClientMsgID: cid, Field: field}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typeErr) && typeErr.Field != "":
			// Echo the client id if we can still read it, so the sender can
			// match the error to its pending message.
			f2 := peekClientMsgID(data)
			return f, &FrameError{Code: "invalid_frame", Message: fmt.Sprintf("field %q has the wrong type", typeErr.Field), ClientMsgID: f2}
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return f, &FrameError{Code: "invalid_frame", Message: strings.TrimPrefix(err.Error(), "json: "), ClientMsgID: peekClientMsgID(data)}
		default:
			return f, &FrameError{Code: "bad_json", Message: "the frame is not a JSON object"}
		}
	}
	if dec.More() {
		return f, &FrameError{Code: "bad_json", Message: "one JSON object per frame"}
	}
	bad := func(msg string) (ClientFrame, error) {
		return f, &FrameError{Code: "invalid_frame", Message: msg, ClientMsgID: f.ClientMsgID}
	}
	switch f.Type {
	case FramePing:
	case FrameSend:
		if f.ClientMsgID == "" || len(f.ClientMsgID) > MaxClientMsgIDLen {
			return bad("client_msg_id is required (at most 64 characters)")
		}
		if f.ConversationID <= 0 {
			return bad("conversation_id is required")
		}
		if f.Kind == "" {
			f.Kind = "text"
		}
	case FrameRead:
		if f.ConversationID <= 0 || f.Seq <= 0 {
			return bad("conversation_id and seq (≥ 1) are required")
		}
	case FrameTyping:
		if f.ConversationID <= 0 {
			return bad("conversation_id is required")
		}
		if f.State != "start" && f.State != "stop" {
			return bad("state must be start or stop")
		}
	case FrameViewing:
		if f.ConversationID <= 0 {
			return bad("conversation_id is required")
		}
		if f.State != "start" && f.State != "stop" {
			return bad("state must be start or stop")
		}
	case FramePresence:
		if f.Status != "online" && f.Status != "away" {
			return bad("status must be online or away")
		}
	case "":
		return bad("type is required")
	default:
		return f, &FrameError{Code: "unknown_type", Message: fmt.Sprintf("unknown frame type %q", truncate(f.Type, 32)), ClientMsgID: f.ClientMsgID}
	}
	return f, nil
}

func peekClientMsgID(data []byte) string {
	var p struct {
		ClientMsgID any `json:"client_msg_id"`
	}
	if json.Unmarshal(data, &p) != nil {
		return ""
	}
	if s, ok := p.ClientMsgID.(string); ok && len(s) <= MaxClientMsgIDLen {
		return s
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// ErrorFrame is the server's answer to a refused frame or failed send.
type ErrorFrame struct {
	Type        string `json:"type"`
	ClientMsgID string `json:"client_msg_id,omitempty"`
	Code        string `json:"code"`
	Message     string `json:"message"`
	Until       string `json:"until,omitempty"`
	// Details names the fields at fault, as in REST's error envelope.
	Details map[string]string `json:"details,omitempty"`
}

// NewErrorFrame builds an error frame.
func NewErrorFrame(clientMsgID, code, msg string) ErrorFrame {
	return ErrorFrame{Type: "error", ClientMsgID: clientMsgID, Code: code, Message: msg}
}
