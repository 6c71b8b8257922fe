package notify

import (
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"time"
)

// tlsMode says how an SMTPMailer protects its connection.
type tlsMode string

const (
	tlsStartTLS tlsMode = "starttls" // upgrade with STARTTLS when the server offers it
	tlsNone     tlsMode = "none"     // never encrypt
	tlsImplicit tlsMode = "implicit" // TLS from the first byte (smtps)
)

// defaultTimeout bounds a whole SMTP exchange when the URL sets no timeout;
// it keeps a stalled server from holding a worker forever.
const defaultTimeout = 30 * time.Second

// maskedPassword stands in for the password in String, as url.URL.Redacted does.
const maskedPassword = "xxxxx"

// SMTPMailer delivers mail to an SMTP server (a relay or a provider's
// submission endpoint). Each Send opens its own connection: mail is rare
// enough that pooling would only add stale-connection failures.
type SMTPMailer struct {
	scheme             string
	host               string // without port: also the TLS server name and the PLAIN auth host
	port               string
	from               *mail.Address
	username           string
	password           string
	hasPassword        bool
	tls                tlsMode
	insecureSkipVerify bool
	timeout            time.Duration
}

var _ Mailer = (*SMTPMailer)(nil)

// NewSMTPMailer returns a mailer configured by a URL such as
//
//	smtp://user:pass@smtp.example.com:587?from=Parley%20%3Cno-reply@example.com%3E
//	smtps://user:pass@smtp.example.com?from=no-reply@example.com
//	smtp://relay.internal:25?from=no-reply@example.com&tls=none
//
// The scheme smtp connects in plain text and then upgrades; its default port
// is 587, the submission port. The scheme smtps speaks TLS from the first
// byte; its default port is 465.
//
// User information, when present, is sent with AUTH PLAIN. go-mail refuses to
// send it over an unencrypted connection to any host but localhost, so
// credentials never travel in clear text.
//
// Query parameters:
//   - from (required): the sender, an address with an optional display name.
//   - tls (smtp only): "starttls", the default, upgrades the connection when
//     the server offers STARTTLS and carries on in plain text when it does
//     not; "none" never upgrades.
//   - insecure_skip_verify: "true" accepts any server certificate, for test
//     servers with self-signed certificates only.
//   - timeout: a Go duration bounding each whole exchange (default 30s); the
//     context given to Send can only shorten it.
//
// Unknown parameters are errors, so that a misspelt one is not silently ignored.
func NewSMTPMailer(rawURL string) (*SMTPMailer, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// The url error would repeat the URL, password included.
		return nil, fmt.Errorf("notify: mail URL is not a valid URL")
	}
	m := &SMTPMailer{scheme: u.Scheme, host: u.Hostname(), port: u.Port(), timeout: defaultTimeout}
	switch u.Scheme {
	case "smtp":
		m.tls = tlsStartTLS
		if m.port == "" {
			m.port = "587"
		}
	case "smtps":
		m.tls = tlsImplicit
		if m.port == "" {
			m.port = "465"
		}
	default:
		return nil, fmt.Errorf("notify: mail URL scheme %q: want smtp or smtps", u.Scheme)
	}
	if m.host == "" {
		return nil, fmt.Errorf("notify: mail URL has no host")
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("notify: mail URL has a path %q: want none", u.Path)
	}
	if u.User != nil {
		m.username = u.User.Username()
		m.password, m.hasPassword = u.User.Password()
	}
	if err := m.parseQuery(u.Query()); err != nil {
		return nil, err
	}
	return m, nil
}

// parseQuery applies the query parameters documented on NewSMTPMailer.
func (m *SMTPMailer) parseQuery(q url.Values) error {
	for key, values := range q {
		if len(values) != 1 {
			return fmt.Errorf("notify: mail URL parameter %q given %d times", key, len(values))
		}
		v := values[0]
		switch key {
		case "from":
			addr, err := mail.ParseAddress(v)
			if err != nil {
				return fmt.Errorf("notify: mail URL from %q: %w", v, err)
			}
			m.from = addr
		case "tls":
			if m.tls == tlsImplicit {
				return fmt.Errorf("notify: mail URL parameter tls is not allowed with smtps, whose TLS is implicit")
			}
			switch mode := tlsMode(v); mode {
			case tlsStartTLS, tlsNone:
				m.tls = mode
			default:
				return fmt.Errorf("notify: mail URL tls %q: want starttls or none", v)
			}
		case "insecure_skip_verify":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("notify: mail URL insecure_skip_verify %q: want true or false", v)
			}
			m.insecureSkipVerify = b
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("notify: mail URL timeout %q: want a positive duration such as 30s", v)
			}
			m.timeout = d
		default:
			return fmt.Errorf("notify: mail URL has unknown parameter %q", key)
		}
	}
	if m.from == nil {
		return fmt.Errorf("notify: mail URL has no from parameter")
	}
	return nil
}

// String returns the effective configuration as a URL, defaults filled in and
// the password masked, so that it can be printed at start-up.
func (m *SMTPMailer) String() string {
	u := url.URL{Scheme: m.scheme, Host: net.JoinHostPort(m.host, m.port)}
	switch {
	case m.hasPassword:
		u.User = url.UserPassword(m.username, maskedPassword)
	case m.username != "":
		u.User = url.User(m.username)
	}
	q := url.Values{}
	from := m.from.Address
	if m.from.Name != "" {
		from = m.from.String()
	}
	q.Set("from", from)
	if m.tls != tlsImplicit {
		q.Set("tls", string(m.tls))
	}
	if m.insecureSkipVerify {
		q.Set("insecure_skip_verify", "true")
	}
	q.Set("timeout", m.timeout.String())
	u.RawQuery = q.Encode()
	return u.String()
}

// LogValue keeps the password out of structured logs too.
func (m *SMTPMailer) LogValue() slog.Value { return slog.StringValue(m.String()) }
