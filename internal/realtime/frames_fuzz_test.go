package realtime

import (
	"errors"
	"testing"

	"github.com/parley-chat/parley/internal/text"
)

// FuzzDecodeClientFrame checks that no input makes the decoder panic, and
// that every outcome is either a valid frame or a *FrameError with a code.
// Its seed corpus runs in every `go test`.
func FuzzDecodeClientFrame(f *testing.F) {
	seeds := []string{
		`{"type":"ping"}`,
		`{"type":"send","client_msg_id":"a1","conversation_id":1,"kind":"text","body":"hi"}`,
		`{"type":"send","client_msg_id":"a1","conversation_id":"1"}`,
		`{"type":"read","conversation_id":3,"seq":9}`,
		`{"type":"typing","conversation_id":3,"state":"start"}`,
		`{"type":"typing","conversation_id":3,"state":"dance"}`,
		`{"type":"presence","status":"away"}`,
		`{"type":"presence","status":"offline"}`,
		`{"type":"nope"}`,
		`{"type":"send","bogus":1}`,
		`{"type":"ping"}{"type":"ping"}`,
		`[1,2,3]`, `null`, `"str"`, `{`, ``, "\x00\xff",
		`{"type":"send","client_msg_id":"` + string(make([]byte, 100)) + `","conversation_id":1}`,
		`{"type":"send","client_msg_id":"a1","conversation_id":1,"kind":"text","body":"h\u0000i"}`,
		`{"type":"send","client_msg_id":"a\u0000","conversation_id":1,"kind":"text","body":"hi"}`,
		"{\"type\":\"send\",\"client_msg_id\":\"a1\",\"conversation_id\":1,\"kind\":\"text\",\"body\":\"h\xffi\"}",
		"{\"type\":\"typing\",\"conversation_id\":3,\"state\":\"st\xc3\"}",
		`{"type":"presence","status":"away\u0000"}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := DecodeClientFrame(data)
		if field, _ := text.BadJSON(data); field != "" {
			var fe *FrameError
			if !errors.As(err, &fe) || fe.Code != "invalid_input" || fe.Field != field {
				t.Fatalf("%q: %v, want invalid_input naming %q", data, err, field)
			}
		}
		if err != nil {
			var fe *FrameError
			if !errors.As(err, &fe) || fe.Code == "" || fe.Message == "" {
				t.Fatalf("error without code: %#v", err)
			}
			return
		}
		switch fr.Type {
		case FramePing, FrameSend, FrameRead, FrameTyping, FramePresence:
		default:
			t.Fatalf("accepted frame of type %q", fr.Type)
		}
		if fr.Type == FramePresence && fr.Status != "online" && fr.Status != "away" {
			t.Fatalf("accepted presence %q", fr.Status)
		}
		if fr.Type == FrameSend && (fr.ClientMsgID == "" || fr.ConversationID <= 0) {
			t.Fatalf("accepted send without ids: %+v", fr)
		}
	})
}

func TestDecodeClientFrame(t *testing.T) {
	tests := []struct {
		name, in, code, cid string
	}{
		{"ping", `{"type":"ping"}`, "", ""},
		{"send defaults kind", `{"type":"send","client_msg_id":"x","conversation_id":2,"body":"b"}`, "", ""},
		{"malformed", `{"type":`, "bad_json", ""},
		{"not object", `42`, "bad_json", ""},
		{"two objects", `{"type":"ping"} {"type":"ping"}`, "bad_json", ""},
		{"unknown type", `{"type":"dance","client_msg_id":"c9"}`, "unknown_type", "c9"},
		{"missing type", `{}`, "invalid_frame", ""},
		{"wrong field type keeps id", `{"type":"send","client_msg_id":"c1","conversation_id":"one"}`, "invalid_frame", "c1"},
		{"unknown field", `{"type":"ping","extra":true}`, "invalid_frame", ""},
		{"send without id", `{"type":"send","conversation_id":2}`, "invalid_frame", ""},
		{"read without seq", `{"type":"read","conversation_id":2}`, "invalid_frame", ""},
		{"typing bad state", `{"type":"typing","conversation_id":2,"state":"x"}`, "invalid_frame", ""},
		{"presence away", `{"type":"presence","status":"away"}`, "", ""},
		{"presence online", `{"type":"presence","status":"online"}`, "", ""},
		{"presence offline is not for clients", `{"type":"presence","status":"offline"}`, "invalid_frame", ""},
		{"presence without status", `{"type":"presence"}`, "invalid_frame", ""},
		{"NUL in body keeps id", `{"type":"send","client_msg_id":"c2","conversation_id":2,"body":"a\u0000"}`, "invalid_input", "c2"},
		{"invalid UTF-8 in body keeps id", "{\"type\":\"send\",\"client_msg_id\":\"c3\",\"conversation_id\":2,\"body\":\"\xff\"}", "invalid_input", "c3"},
		{"NUL in client_msg_id is not echoed", `{"type":"send","client_msg_id":"c\u0000","conversation_id":2,"body":"a"}`, "invalid_input", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fr, err := DecodeClientFrame([]byte(tt.in))
			if tt.code == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if fr.Type == FrameSend && fr.Kind != "text" {
					t.Fatalf("kind = %q, want text", fr.Kind)
				}
				return
			}
			var fe *FrameError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want FrameError %s", err, tt.code)
			}
			if fe.Code != tt.code || fe.ClientMsgID != tt.cid {
				t.Fatalf("got (%s, %q), want (%s, %q)", fe.Code, fe.ClientMsgID, tt.code, tt.cid)
			}
		})
	}
}
