package smtpd

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
)

// ParsedMail is a received message as a reader sees it: headers decoded and
// bodies decoded from their transfer encoding, with LF line endings.
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
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return ParsedMail{}, err
	}
	p := ParsedMail{Header: msg.Header}
	if p.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return p, fmt.Errorf("subject: %w", err)
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || len(from) != 1 {
		return p, fmt.Errorf("from %q: want one address (%v)", msg.Header.Get("From"), err)
	}
	p.From = from[0].Address
	to, err := msg.Header.AddressList("To")
	if err != nil {
		return p, fmt.Errorf("to: %w", err)
	}
	for _, a := range to {
		p.To = append(p.To, a.Address)
	}
	p.ContentType, _, err = mediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return p, err
	}
	err = p.readEntity(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	return p, err
}

// readEntity fills Text and HTML from one MIME entity, descending into
// multipart ones.
func (p *ParsedMail) readEntity(contentType, encoding string, body io.Reader) error {
	mt, params, err := mediaType(contentType)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		// NextRawPart, not NextPart: NextPart decodes quoted-printable
		// silently, which would hide what the mailer did.
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", mt, err)
			}
			if err := p.readEntity(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part); err != nil {
				return err
			}
		}
	}
	if mt != "text/plain" && mt != "text/html" {
		return nil
	}
	decoded, err := io.ReadAll(decoder(encoding, body))
	if err != nil {
		return fmt.Errorf("%s body: %w", mt, err)
	}
	text := strings.ReplaceAll(string(decoded), "\r\n", "\n")
	switch {
	case mt == "text/plain" && p.Text == "":
		p.Text = text
	case mt == "text/html" && p.HTML == "":
		p.HTML = text
	}
	return nil
}

// mediaType parses a Content-Type, defaulting to text/plain as RFC 2045 says.
func mediaType(contentType string) (string, map[string]string, error) {
	if contentType == "" {
		return "text/plain", nil, nil
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", nil, fmt.Errorf("content type %q: %w", contentType, err)
	}
	return mt, params, nil
}

// decoder undoes a Content-Transfer-Encoding.
func decoder(encoding string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r)
	default:
		return r
	}
}
