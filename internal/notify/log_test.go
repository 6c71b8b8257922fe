package notify_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"slices"
	"testing"

	"github.com/parley-chat/parley/internal/notify"
)

func TestLogMailerLogsWholeMail(t *testing.T) {
	tests := []struct {
		name string
		mail notify.Mail
	}{
		{
			name: "text",
			mail: notify.Mail{
				To:      []string{"Alice <alice@example.com>"},
				Subject: "Bienvenue à Parley",
				Text:    "Bonjour,\n\nAcceptez l’invitation :\n" + longLink + "\n",
			},
		},
		{
			name: "with html",
			mail: notify.Mail{
				To:      []string{"alice@example.com", "bob@example.com"},
				Subject: "Reset",
				Text:    "Reset: " + longLink,
				HTML:    `<a href="` + longLink + `">Reset</a>`,
			},
		},
		{
			name: "with message id",
			mail: notify.Mail{
				To:        []string{"alice@example.com"},
				Subject:   "New messages",
				Text:      "Reply here: " + longLink,
				MessageID: "parley.job.42@chat.example.com",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			m := notify.NewLogMailer(slog.New(slog.NewJSONHandler(&buf, nil)))
			if err := m.Send(t.Context(), tt.mail); err != nil {
				t.Fatal(err)
			}
			var rec struct {
				Level, Msg, Subject, Text, HTML string
				MessageID                       string `json:"message_id"`
				To                              []string
			}
			if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
				t.Fatalf("log output %q: %v", buf.String(), err)
			}
			if rec.Level != "INFO" || rec.Msg != "mail" {
				t.Errorf("level %q msg %q, want INFO mail", rec.Level, rec.Msg)
			}
			if !slices.Equal(rec.To, tt.mail.To) || rec.Subject != tt.mail.Subject {
				t.Errorf("to %q subject %q", rec.To, rec.Subject)
			}
			if rec.MessageID != tt.mail.MessageID {
				t.Errorf("message_id %q, want %q", rec.MessageID, tt.mail.MessageID)
			}
			if rec.Text != tt.mail.Text || rec.HTML != tt.mail.HTML {
				t.Errorf("text %q html %q, want the whole bodies", rec.Text, rec.HTML)
			}
			// A developer copies the link from the raw line, so it must
			// appear there unescaped.
			if !bytes.Contains(buf.Bytes(), []byte(longLink)) {
				t.Errorf("log line %q lacks the link verbatim", buf.String())
			}
		})
	}
}
