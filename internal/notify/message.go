package notify

import (
	"bytes"
	"crypto/rand"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// buildMessage renders m as an RFC 5322 message with CRLF line endings.
//
// Bodies are quoted-printable so that every line stays within 76 characters
// whatever the text holds (long links, non-ASCII): relays may rewrap or
// reject longer lines, and 7-bit output needs no 8BITMIME support.
func buildMessage(from *mail.Address, to []*mail.Address, m Mail, now time.Time) []byte {
	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(name + ": " + value + "\r\n")
	}
	header("From", from.String())
	header("To", joinAddresses(to))
	header("Subject", encodeSubject(m.Subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", messageID(from))
	header("MIME-Version", "1.0")

	if m.HTML == "" {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		writeQP(&b, m.Text)
		return b.Bytes()
	}

	mw := multipart.NewWriter(&b)
	// Folded: the random boundary would push the line past 78 characters.
	header("Content-Type", "multipart/alternative;\r\n boundary="+mw.Boundary())
	b.WriteString("\r\n")
	// Plain text first: in multipart/alternative the last part the reader
	// can show is the preferred one.
	for _, part := range []struct{ ctype, body string }{
		{"text/plain; charset=utf-8", m.Text},
		{"text/html; charset=utf-8", m.HTML},
	} {
		w, _ := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.ctype},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		writeQP(w, part.body)
	}
	_ = mw.Close()
	return b.Bytes()
}

// writeQP writes body quoted-printable, ending it with a line break so that
// the last line is complete. Errors are ignored because w is always backed by
// a bytes.Buffer, whose writes cannot fail.
func writeQP(w io.Writer, body string) {
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	qp := quotedprintable.NewWriter(w)
	_, _ = qp.Write([]byte(body))
	_ = qp.Close()
}

// encodeSubject encodes a non-ASCII subject as RFC 2047 encoded words, one
// per folded line, so that long subjects respect the line length limit.
func encodeSubject(s string) string {
	return strings.ReplaceAll(mime.QEncoding.Encode("utf-8", s), "?= =?", "?=\r\n =?")
}

// joinAddresses formats a To header with one address per folded line, which
// keeps long recipient lists within the line length limit.
func joinAddresses(addrs []*mail.Address) string {
	parts := make([]string, len(addrs))
	for i, a := range addrs {
		parts[i] = a.String()
	}
	return strings.Join(parts, ",\r\n ")
}

// messageID returns a new unique Message-ID in the sender's domain, as
// RFC 5322 recommends; some spam filters penalise mail without one.
func messageID(from *mail.Address) string {
	domain := "localhost"
	if i := strings.LastIndexByte(from.Address, '@'); i >= 0 && i < len(from.Address)-1 {
		domain = from.Address[i+1:]
	}
	return "<" + rand.Text() + "@" + domain + ">"
}
