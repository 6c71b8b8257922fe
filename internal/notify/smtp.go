package notify

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Send delivers m over a new SMTP connection with go-mail. The exchange ends
// when ctx is done or the mailer's timeout elapses, whichever comes first.
func (m *SMTPMailer) Send(ctx context.Context, mail Mail) error {
	to, err := mail.recipients()
	if err != nil {
		return err
	}
	msg := buildMessage(m.from, to, mail, time.Now())

	// go-mail bounds each read and write by its timeout but watches the
	// context only while dialling. The connection is therefore closed when
	// ctx ends or the whole exchange outlasts the timeout; ctx is not folded
	// into the timeout, so that ctx.Err is already set when its end
	// interrupts the exchange and the error can say so.
	var (
		mu     sync.Mutex
		conn   net.Conn
		closed bool
	)
	drop := func() {
		mu.Lock()
		defer mu.Unlock()
		closed = true
		if conn != nil {
			_ = conn.Close()
		}
	}
	stop := context.AfterFunc(ctx, drop)
	defer stop()
	timer := time.AfterFunc(m.timeout, drop)
	defer timer.Stop()
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		c, err := m.dial(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		defer mu.Unlock()
		if closed {
			c.Close()
			return nil, fmt.Errorf("exchange ended before the server answered")
		}
		conn = c
		return c, nil
	}

	// Whatever happens, the connection does not outlive Send: go-mail
	// leaves it open when the greeting, STARTTLS or AUTH fails.
	defer drop()

	client, err := m.client(dial)
	if err != nil {
		return m.fail(ctx, "configure", err)
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return m.fail(ctx, "connect", err)
	}
	if err := client.SendWithSMTPClient(sc, msg); err != nil {
		return m.fail(ctx, "send", err)
	}
	// The server has accepted the message: a failed QUIT must not make the
	// caller retry and deliver it twice.
	_ = client.CloseWithSMTPClient(sc)
	return nil
}

// client returns a go-mail client for one exchange over connections made by dial.
func (m *SMTPMailer) client(dial gomail.DialContextFunc) (*gomail.Client, error) {
	port, err := strconv.Atoi(m.port)
	if err != nil {
		return nil, fmt.Errorf("port %q: %w", m.port, err)
	}
	opts := []gomail.Option{
		gomail.WithPort(port),
		gomail.WithTimeout(m.timeout),
		gomail.WithTLSConfig(m.tlsConfig()),
		gomail.WithDialContextFunc(dial),
		// NOOP and RSET add round trips a fresh connection does not need.
		gomail.WithoutNoop(),
		gomail.WithoutRset(),
	}
	switch m.tls {
	case tlsStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	default:
		// Implicit TLS is set up by dial; none never upgrades.
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if m.username != "" || m.hasPassword {
		// PLAIN refuses to send credentials over an unencrypted connection
		// to any host but localhost.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(m.username), gomail.WithPassword(m.password))
	}
	return gomail.NewClient(m.host, opts...)
}

// dial connects to the server, in TLS from the start for smtps. The
// *tls.Conn it then returns tells go-mail the connection is encrypted, which
// allows PLAIN auth over it.
func (m *SMTPMailer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{}
	if m.tls == tlsImplicit {
		td := &tls.Dialer{NetDialer: d, Config: m.tlsConfig()}
		return td.DialContext(ctx, network, addr)
	}
	return d.DialContext(ctx, network, addr)
}

func (m *SMTPMailer) tlsConfig() *tls.Config {
	return &tls.Config{
		ServerName:         m.host,
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: m.insecureSkipVerify, // opt-in, for self-signed test servers
	}
}

// fail wraps err with the step that failed and the server's address. When ctx ended the exchange,
// the context's error is wrapped too, so that callers can tell a
// cancellation from a server failure with errors.Is.
func (m *SMTPMailer) fail(ctx context.Context, step string, err error) error {
	addr := net.JoinHostPort(m.host, m.port)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("notify: smtp %s %s: %w: %w", step, addr, ctxErr, err)
	}
	return fmt.Errorf("notify: smtp %s %s: %w", step, addr, err)
}
