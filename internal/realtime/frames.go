// Package realtime carries frames between the server and WebSocket
// clients: it decodes client frames, keeps the index of who is connected
// on this node, and delivers published frames through a broker so that
// they reach the node that holds the session. It knows no business rules.
package realtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/parley-chat/parley/internal/i18n"
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
	Code string
	// Message is the English sentence, or its format when Args are given:
	// the key of its translations (see Localized).
	Message     string
	Args        []any
	ClientMsgID string
	// Field is the field at fault, when one is, and Reason what is wrong
	// with it.
	Field, Reason string
}

func (e *FrameError) Error() string { return e.Code + ": " + i18n.Error(i18n.EN, e.Message, e.Args...) }

// Localized is the error frame of e in lang; the code stays as it is.
func (e *FrameError) Localized(lang string) ErrorFrame {
	msg := i18n.Error(lang, e.Message, e.Args...)
	f := NewErrorFrame(e.ClientMsgID, e.Code, msg)
	if e.Field != "" {
		f.Details = map[string]string{e.Field: i18n.Error(lang, e.Reason)}
	}
	return f
}

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
		return f, &FrameError{Code: "invalid_input", Message: i18n.N("%s: %s"), Args: []any{field, problem}, ClientMsgID: cid, Field: field, Reason: problem}
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
			return f, &FrameError{Code: "invalid_frame", Message: i18n.N("field %q has the wrong type"), Args: []any{typeErr.Field}, ClientMsgID: f2}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return f, &FrameError{Code: "invalid_frame", Message: i18n.N("unknown field %q"), Args: []any{name}, ClientMsgID: peekClientMsgID(data)}
		default:
			return f, &FrameError{Code: "bad_json", Message: i18n.N("the frame is not a JSON object")}
		}
	}
	if dec.More() {
		return f, &FrameError{Code: "bad_json", Message: i18n.N("one JSON object per frame")}
	}
	bad := func(msg string) (ClientFrame, error) {
		return f, &FrameError{Code: "invalid_frame", Message: msg, ClientMsgID: f.ClientMsgID}
	}
	switch f.Type {
	case FramePing:
	case FrameSend:
		if f.ClientMsgID == "" || len(f.ClientMsgID) > MaxClientMsgIDLen {
			return bad(i18n.N("client_msg_id is required (at most 64 characters)"))
		}
		if f.ConversationID <= 0 {
			return bad(i18n.N("conversation_id is required"))
		}
		if f.Kind == "" {
			f.Kind = "text"
		}
	case FrameRead:
		if f.ConversationID <= 0 || f.Seq <= 0 {
			return bad(i18n.N("conversation_id and seq (≥ 1) are required"))
		}
	case FrameTyping:
		if f.ConversationID <= 0 {
			return bad(i18n.N("conversation_id is required"))
		}
		if f.State != "start" && f.State != "stop" {
			return bad(i18n.N("state must be start or stop"))
		}
	case FrameViewing:
		if f.ConversationID <= 0 {
			return bad(i18n.N("conversation_id is required"))
		}
		if f.State != "start" && f.State != "stop" {
			return bad(i18n.N("state must be start or stop"))
		}
	case FramePresence:
		if f.Status != "online" && f.Status != "away" {
			return bad(i18n.N("status must be online or away"))
		}
	case "":
		return bad(i18n.N("type is required"))
	default:
		return f, &FrameError{Code: "unknown_type", Message: i18n.N("unknown frame type %q"), Args: []any{truncate(f.Type, 32)}, ClientMsgID: f.ClientMsgID}
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
