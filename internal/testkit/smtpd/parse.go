package smtpd

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
)

// ParsedMail is a received message as a reader sees it, parsed with
// github.com/emersion/go-message: headers decoded and bodies decoded from
// their transfer encoding, with LF line endings.
type ParsedMail struct {
	Header      mail.Header
	Subject     string   // RFC 2047 decoded
	From        string   // bare address of the From header
	To          []string // bare addresses of the To header
	ContentType string   // media type of the whole message, such as "multipart/alternative"
	Text        string   // the text/plain body, or the first text/plain part
	HTML        string   // the first text/html part, if any
}

// Parse parses m.Data and fails the test if it is not a well-formed message.
func (m Message) Parse(tb testing.TB) ParsedMail {
	tb.Helper()
	p, err := parse(m.Data)
	if err != nil {
		tb.Fatalf("smtpd: parse message: %v\n%s", err, m.Data)
	}
	return p
}

func parse(data []byte) (ParsedMail, error) {
	e, err := message.Read(bytes.NewReader(data))
	if err != nil {
		return ParsedMail{}, err
	}
	h := mail.Header{Header: e.Header}
	p := ParsedMail{Header: h}
	if p.Subject, err = h.Subject(); err != nil {
		return p, fmt.Errorf("subject: %w", err)
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 {
		return p, fmt.Errorf("from %q: want one address (%v)", h.Get("From"), err)
	}
	p.From = from[0].Address
	to, err := h.AddressList("To")
	if err != nil {
		return p, fmt.Errorf("to: %w", err)
	}
	for _, a := range to {
		p.To = append(p.To, a.Address)
	}
	if p.ContentType, _, err = e.Header.ContentType(); err != nil {
		return p, fmt.Errorf("content type %q: %w", e.Header.Get("Content-Type"), err)
	}
	if p.ContentType == "" {
		p.ContentType = "text/plain" // as RFC 2045 says
	}
	return p, p.walk(e)
}

// walk fills Text and HTML from the text parts of e, descending into
// multipart entities.
func (p *ParsedMail) walk(e *message.Entity) error {
	return e.Walk(func(_ []int, part *message.Entity, err error) error {
		if err != nil {
			return err
		}
		mt, _, err := part.Header.ContentType()
		if err != nil {
			return fmt.Errorf("content type %q: %w", part.Header.Get("Content-Type"), err)
		}
		if mt == "" {
			mt = "text/plain"
		}
		if mt != "text/plain" && mt != "text/html" {
			return nil
		}
		body, err := io.ReadAll(part.Body)
		if err != nil {
			return fmt.Errorf("%s body: %w", mt, err)
		}
		text := strings.ReplaceAll(string(body), "\r\n", "\n")
		switch {
		case mt == "text/plain" && p.Text == "":
			p.Text = text
		case mt == "text/html" && p.HTML == "":
			p.HTML = text
		}
		return nil
	})
}
