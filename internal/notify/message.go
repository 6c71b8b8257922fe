package notify

import (
	"crypto/rand"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// buildMessage renders m with go-mail, which writes the RFC 5322 message:
// headers RFC 2047-encoded and folded, UTF-8 bodies quoted-printable so that
// every line stays within 76 characters whatever the text holds (long links,
// Chinese or other non-ASCII text) and 7-bit output needs no 8BITMIME.
func buildMessage(from *mail.Address, to []*mail.Address, m Mail, now time.Time) *gomail.Msg {
	// No User-Agent or X-Mailer: the mail says nothing of the software behind it.
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP),
		gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(from)
	msg.ToMailAddress(to...)
	msg.Subject(m.Subject)
	msg.SetDateWithValue(now)
	id := m.MessageID
	if id == "" {
		id = messageID(from)
	}
	msg.SetMessageIDWithValue(id)
	// Plain text first: in multipart/alternative the last part the reader
	// can show is the preferred one.
	msg.SetBodyString(gomail.TypeTextPlain, withFinalNewline(m.Text))
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, withFinalNewline(m.HTML))
	}
	return msg
}

// withFinalNewline ends body with a line break so that its last line is complete.
func withFinalNewline(body string) string {
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	return body
}

// messageID returns a new unique Message-ID value in the sender's domain, as
// RFC 5322 recommends; some spam filters penalise mail without one. go-mail's
// own would name this machine's host instead.
func messageID(from *mail.Address) string {
	domain := "localhost"
	if i := strings.LastIndexByte(from.Address, '@'); i >= 0 && i < len(from.Address)-1 {
		domain = from.Address[i+1:]
	}
	return rand.Text() + "@" + domain
}
