package notify

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/smtp"
	"time"
)

// Send delivers m over a new SMTP connection. The exchange ends when ctx is
// done or the mailer's timeout elapses, whichever comes first.
func (m *SMTPMailer) Send(ctx context.Context, mail Mail) error {
	to, err := mail.recipients()
	if err != nil {
		return err
	}
	msg := buildMessage(m.from, to, mail, time.Now())

	// The mailer's timeout bounds the whole exchange. The context is not
	// folded into it but watched separately, so that ctx.Err is already set
	// when its end interrupts the exchange and the error can say so.
	deadline := time.Now().Add(m.timeout)
	conn, err := m.dial(ctx, deadline)
	if err != nil {
		return m.fail(ctx, "connect", err)
	}
	if err := conn.SetDeadline(deadline); err != nil {
		conn.Close()
		return m.fail(ctx, "connect", err)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, m.host)
	if err != nil {
		conn.Close()
		return m.fail(ctx, "greeting", err)
	}
	defer c.Close()

	if err := m.secure(c); err != nil {
		return m.fail(ctx, "starttls", err)
	}
	if err := m.auth(c); err != nil {
		return m.fail(ctx, "auth", err)
	}
	if err := c.Mail(m.from.Address); err != nil {
		return m.fail(ctx, "mail from", err)
	}
	for _, addr := range to {
		if err := c.Rcpt(addr.Address); err != nil {
			return m.fail(ctx, "rcpt to "+addr.Address, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return m.fail(ctx, "data", err)
	}
	if _, err := w.Write(msg); err != nil {
		return m.fail(ctx, "data", err)
	}
	if err := w.Close(); err != nil {
		return m.fail(ctx, "data", err)
	}
	// The server has accepted the message: a failed QUIT must not make the
	// caller retry and deliver it twice.
	_ = c.Quit()
	return nil
}

// dial connects to the server, in TLS from the start for smtps.
func (m *SMTPMailer) dial(ctx context.Context, deadline time.Time) (net.Conn, error) {
	addr := net.JoinHostPort(m.host, m.port)
	d := &net.Dialer{Deadline: deadline}
	if m.tls == tlsImplicit {
		// tls.Dialer returns a *tls.Conn, which tells net/smtp the
		// connection is encrypted and so allows PLAIN auth over it.
		td := &tls.Dialer{NetDialer: d, Config: m.tlsConfig()}
		return td.DialContext(ctx, "tcp", addr)
	}
	return d.DialContext(ctx, "tcp", addr)
}

// secure upgrades the connection with STARTTLS when the mode asks for it and
// the server offers it.
func (m *SMTPMailer) secure(c *smtp.Client) error {
	if m.tls != tlsStartTLS {
		return nil
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return nil
	}
	return c.StartTLS(m.tlsConfig())
}

// auth authenticates with AUTH PLAIN when the URL carried user information.
func (m *SMTPMailer) auth(c *smtp.Client) error {
	if m.username == "" && !m.hasPassword {
		return nil
	}
	if ok, _ := c.Extension("AUTH"); !ok {
		return fmt.Errorf("server does not offer AUTH")
	}
	return c.Auth(smtp.PlainAuth("", m.username, m.password, m.host))
}

func (m *SMTPMailer) tlsConfig() *tls.Config {
	return &tls.Config{
		ServerName:         m.host,
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: m.insecureSkipVerify, // opt-in, for self-signed test servers
	}
}

// fail wraps err with the step that failed. When ctx ended the exchange, the
// context's error is wrapped too, so that callers can tell a cancellation
// from a server failure with errors.Is.
func (m *SMTPMailer) fail(ctx context.Context, step string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("notify: smtp %s %s: %w: %w", step, net.JoinHostPort(m.host, m.port), ctxErr, err)
	}
	return fmt.Errorf("notify: smtp %s %s: %w", step, net.JoinHostPort(m.host, m.port), err)
}
