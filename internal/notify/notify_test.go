package notify_test

import (
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/parley-chat/parley/internal/notify"
	"github.com/parley-chat/parley/internal/testkit/smtpd"
)

func TestNew(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name    string
		url     string
		want    string // %T of the mailer
		wantErr bool
	}{
		{name: "empty URL logs", url: "", want: "*notify.LogMailer"},
		{name: "smtp URL", url: "smtp://mail.example.com?from=a%40b.c", want: "*notify.SMTPMailer"},
		{name: "bad URL", url: "smtp://mail.example.com", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := notify.New(tt.url, log)
			if tt.wantErr {
				if err == nil || m != nil {
					t.Fatalf("New() = %v, %v; want nil and an error", m, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := typeName(m); got != tt.want {
				t.Errorf("New() is a %s, want %s", got, tt.want)
			}
		})
	}
}

func typeName(m notify.Mailer) string {
	switch m.(type) {
	case *notify.LogMailer:
		return "*notify.LogMailer"
	case *notify.SMTPMailer:
		return "*notify.SMTPMailer"
	default:
		return "unknown"
	}
}

func TestSendRefusesInvalidMail(t *testing.T) {
	srv := smtpd.Start(t)
	smtpMailer, err := notify.NewSMTPMailer(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	mailers := map[string]notify.Mailer{
		"smtp": smtpMailer,
		"log":  notify.NewLogMailer(slog.New(slog.NewTextHandler(io.Discard, nil))),
	}
	tests := []struct {
		name string
		mail notify.Mail
	}{
		{"no recipient", notify.Mail{Subject: "hi", Text: "x"}},
		{"CRLF in subject", notify.Mail{To: []string{"a@example.com"}, Subject: "hi\r\nBcc: evil@example.com", Text: "x"}},
		{"LF in subject", notify.Mail{To: []string{"a@example.com"}, Subject: "hi\nBcc: evil@example.com", Text: "x"}},
		{"CR in recipient", notify.Mail{To: []string{"a@example.com\rBcc: evil@example.com"}, Subject: "hi", Text: "x"}},
		{"LF in recipient", notify.Mail{To: []string{"a@example.com\nBcc: evil@example.com"}, Subject: "hi", Text: "x"}},
		{"malformed recipient", notify.Mail{To: []string{"not an address"}, Subject: "hi", Text: "x"}},
		{"line break in message id", notify.Mail{To: []string{"a@example.com"}, Subject: "hi", Text: "x", MessageID: "a@b\r\nBcc: evil@example.com"}},
		{"message id without domain", notify.Mail{To: []string{"a@example.com"}, Subject: "hi", Text: "x", MessageID: "abc"}},
		{"message id in brackets", notify.Mail{To: []string{"a@example.com"}, Subject: "hi", Text: "x", MessageID: "<a@b>"}},
	}
	for name, m := range mailers {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				err := m.Send(t.Context(), tt.mail)
				if !errors.Is(err, notify.ErrInvalidMail) {
					t.Errorf("Send() = %v, want ErrInvalidMail", err)
				}
			})
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server received %d messages, want none", n)
	}
}

func TestAJobsMailsShareOneMessageID(t *testing.T) {
	srv := smtpd.Start(t)
	m, err := notify.NewSMTPMailer(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	id := notify.JobMessageID("42", "https://chat.example.com:8443/base")
	if id != "parley.job.42@chat.example.com" {
		t.Fatalf("JobMessageID = %q", id)
	}
	if got := notify.JobMessageID("", "https://chat.example.com"); got != "" {
		t.Fatalf("JobMessageID without a job = %q, want none", got)
	}
	mail := notify.Mail{To: []string{"a@example.com"}, Subject: "hi", Text: "x", MessageID: id}
	for range 2 {
		if err := m.Send(t.Context(), mail); err != nil {
			t.Fatal(err)
		}
	}
	for i, msg := range srv.Messages() {
		p := msg.Parse(t)
		if got := p.Header.Get("Message-ID"); got != "<"+id+">" {
			t.Errorf("mail %d: Message-ID %q, want <%s>", i, got, id)
		}
	}
	if n := len(srv.Messages()); n != 2 {
		t.Fatalf("%d mails, want 2", n)
	}
}
