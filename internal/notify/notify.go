// Package notify sends mail to people: invitations, password resets and
// digests. Two mailers share one interface so that embedded mode needs no
// mail server: LogMailer prints each mail, SMTPMailer delivers it.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"strings"
)

// ErrInvalidMail is wrapped by the errors Send returns when the mail itself
// is at fault (no recipient, a malformed address, a line break in a header),
// so callers can tell a bug in their input from a delivery failure worth
// retrying.
var ErrInvalidMail = errors.New("notify: invalid mail")

// Mail is one message to send. Text is required in practice, since it is what
// every client can show; HTML is an optional alternative rendering of it.
type Mail struct {
	Kind    string   // what the mail is, one of the Kind constants: counted in metrics, never sent
	To      []string // addresses as in a To header: "bob@example.com" or "Bob <bob@example.com>"
	Subject string
	Text    string
	HTML    string
	// MessageID, when set, is the Message-ID (without angle brackets) that
	// every send of this mail carries, so that a mail client folds a repeat
	// into one mail; see JobMessageID. Empty: a new one per send.
	MessageID string
}

// The kinds of mail Parley sends.
const (
	KindOfflineDigest     = "offline_digest"     // unread messages of a user who was away
	KindAgentFollowUp     = "agent_follow_up"    // a visitor waits and no agent is online
	KindVisitorFollowUp   = "visitor_follow_up"  // an agent answered a visitor who left
	KindEmailVerification = "email_verification" // a link that confirms an address
	KindPasswordReset     = "password_reset"     // a link that sets a new password
	KindSignupAttempt     = "signup_attempt"     // someone tried to register with a taken address
)

// Mailer sends mail.
//
// Send returns an error wrapping ErrInvalidMail when the mail is malformed,
// and another error when it could not be handed to the mail system; the
// context bounds the whole exchange.
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// New returns the mailer configured by rawURL: a LogMailer writing to log
// when rawURL is empty, so that embedded mode works without a mail server,
// and an SMTPMailer otherwise (see NewSMTPMailer for the URL format).
func New(rawURL string, log *slog.Logger) (Mailer, error) {
	if rawURL == "" {
		return NewLogMailer(log), nil
	}
	m, err := NewSMTPMailer(rawURL)
	if err != nil {
		// Returned explicitly: a nil *SMTPMailer in the interface would not be nil.
		return nil, err
	}
	return m, nil
}

// recipients validates m and returns its parsed recipients. Both mailers call
// it, so that a mail the SMTP mailer would refuse fails in embedded mode too.
func (m Mail) recipients() ([]*mail.Address, error) {
	if len(m.To) == 0 {
		return nil, fmt.Errorf("%w: no recipient", ErrInvalidMail)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, fmt.Errorf("%w: line break in subject", ErrInvalidMail)
	}
	if m.MessageID != "" && !validMessageID(m.MessageID) {
		return nil, fmt.Errorf("%w: message id %q is not local@domain of printable characters", ErrInvalidMail, m.MessageID)
	}
	to := make([]*mail.Address, 0, len(m.To))
	for _, raw := range m.To {
		// Checked before parsing so that an injection attempt gets a clear
		// error whatever the parser would make of it.
		if strings.ContainsAny(raw, "\r\n") {
			return nil, fmt.Errorf("%w: line break in recipient %q", ErrInvalidMail, raw)
		}
		addr, err := mail.ParseAddress(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: recipient %q: %v", ErrInvalidMail, raw, err)
		}
		to = append(to, addr)
	}
	return to, nil
}

// JobMessageID is the Message-ID of the mail a background job sends:
// "parley.job.<jobID>@<host of publicURL>". Each run of the job sends the
// same one, so that a repeat (the job run again after a node died between
// sending and recording that it was done) shows as one mail. Empty when
// jobID is.
func JobMessageID(jobID, publicURL string) string {
	if jobID == "" {
		return ""
	}
	host := "localhost"
	if u, err := url.Parse(publicURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	id := "parley.job." + jobID + "@" + host
	if !validMessageID(id) {
		return ""
	}
	return id
}

// validMessageID reports whether id is local@domain of visible ASCII
// without the characters that would end or break the header.
func validMessageID(id string) bool {
	at := strings.IndexByte(id, '@')
	if at <= 0 || at == len(id)-1 || strings.Count(id, "@") != 1 {
		return false
	}
	for _, r := range id {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune("<>()[]\\,;:\"", r) {
			return false
		}
	}
	return true
}
