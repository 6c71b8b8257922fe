package notify

import (
	"context"
	"log/slog"
)

// LogMailer writes each mail to a logger instead of sending it. It is the
// mailer of embedded mode: the whole text body goes into the log so that a
// developer can follow an invitation or reset link straight from there.
type LogMailer struct {
	log *slog.Logger
}

var _ Mailer = (*LogMailer)(nil)

// NewLogMailer returns a LogMailer writing to log, or to slog.Default when
// log is nil.
func NewLogMailer(log *slog.Logger) *LogMailer {
	if log == nil {
		log = slog.Default()
	}
	return &LogMailer{log: log}
}

// Send logs m at Info with the message "mail". It refuses the same malformed
// mails as SMTPMailer does.
func (l *LogMailer) Send(ctx context.Context, m Mail) error {
	if _, err := m.recipients(); err != nil {
		return err
	}
	attrs := []slog.Attr{
		slog.Any("to", m.To),
		slog.String("subject", m.Subject),
		slog.String("text", m.Text),
	}
	if m.MessageID != "" {
		attrs = append(attrs, slog.String("message_id", m.MessageID))
	}
	if m.HTML != "" {
		attrs = append(attrs, slog.String("html", m.HTML))
	}
	l.log.LogAttrs(ctx, slog.LevelInfo, "mail", attrs...)
	return nil
}

// String describes the mailer for start-up logs.
func (l *LogMailer) String() string { return "log" }
