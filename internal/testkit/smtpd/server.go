// Package smtpd is an in-process SMTP server for tests, built on
// github.com/emersion/go-smtp. It keeps every message it accepts in memory,
// so that tests can check what the mailer really put on the wire.
package smtpd

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one mail the server accepted.
type Message struct {
	From string   // envelope sender (MAIL FROM)
	To   []string // envelope recipients (RCPT TO)
	Data []byte   // the content after DATA, dot-unstuffed, with CRLF line endings
	User string   // identity given with AUTH PLAIN; empty without AUTH
	TLS  bool     // whether the session was encrypted
}

// Options tune a Server. The zero value is a plain-text server.
type Options struct {
	// StartTLS offers STARTTLS with a self-signed certificate.
	StartTLS bool
	// ImplicitTLS speaks TLS from the first byte, as on port 465.
	ImplicitTLS bool
}

// Server is a running test SMTP server. Its methods are safe for concurrent use.
type Server struct {
	ln   net.Listener
	opts Options
	srv  *smtp.Server
	done chan struct{} // closed when Serve returns

	mu      sync.Mutex
	msgs    []Message
	arrived chan struct{} // closed and replaced whenever a message arrives
	closed  bool
}

// Start starts a plain-text server on 127.0.0.1 and closes it when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return StartWith(tb, Options{})
}

// StartWith starts a server with opts on 127.0.0.1 and closes it when the
// test ends.
func StartWith(tb testing.TB, opts Options) *Server {
	tb.Helper()
	if opts.StartTLS && opts.ImplicitTLS {
		tb.Fatal("smtpd: StartTLS and ImplicitTLS exclude each other")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("smtpd: listen: %v", err)
	}
	s := &Server{ln: ln, opts: opts, arrived: make(chan struct{}), done: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.srv.Domain = "smtpd.test"
	// PLAIN over plain text is what a relay on localhost may allow; the
	// mailer's own rule is what keeps credentials off other hosts' wires.
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.ErrorLog = nopLogger{}
	if opts.StartTLS || opts.ImplicitTLS {
		conf := selfSignedConfig(tb)
		if opts.ImplicitTLS {
			s.ln = tls.NewListener(ln, conf)
		} else {
			s.srv.TLSConfig = conf // go-smtp offers STARTTLS when it has one
		}
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(s.ln)
	}()
	tb.Cleanup(s.Close)
	return s
}

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL returns a mail URL for notify.NewSMTPMailer that reaches this server,
// with parley@test.local as the sender. The TLS servers' URLs skip
// certificate verification, their certificates being self-signed.
func (s *Server) URL() string {
	switch {
	case s.opts.ImplicitTLS:
		return fmt.Sprintf("smtps://%s?from=parley%%40test.local&insecure_skip_verify=true", s.Addr())
	case s.opts.StartTLS:
		return fmt.Sprintf("smtp://%s?from=parley%%40test.local&tls=starttls&insecure_skip_verify=true", s.Addr())
	default:
		return fmt.Sprintf("smtp://%s?from=parley%%40test.local&tls=none", s.Addr())
	}
}

// Messages returns the messages accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// WaitFor waits until at least n messages have arrived and returns them all;
// it fails the test if they have not arrived within timeout. Mail is often
// sent by a background worker, so tests cannot check right after the action.
func (s *Server) WaitFor(tb testing.TB, n int, timeout time.Duration) []Message {
	tb.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		got, arrived := len(s.msgs), s.arrived
		if got >= n {
			msgs := slices.Clone(s.msgs)
			s.mu.Unlock()
			return msgs
		}
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-timer.C:
			tb.Fatalf("smtpd: %d messages after %s, want at least %d", got, timeout, n)
			return nil
		}
	}
}

// Close stops the server and drops open connections. It is called on test
// cleanup; calling it earlier lets a test see a server going away.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	_ = s.srv.Close()
	// Closed here too: go-smtp only closes the listeners Serve has
	// registered, and Serve may not have started yet.
	_ = s.ln.Close()
	<-s.done
}

// store keeps msg and wakes WaitFor callers.
func (s *Server) store(msg Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, msg)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{srv: s, conn: c}, nil
}

// session records one connection's envelope and hands each message to the server.
type session struct {
	srv  *Server
	conn *smtp.Conn
	user string
	from string
	to   []string
}

var _ smtp.AuthSession = (*session)(nil)

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username == "" {
			return errors.New("empty user name")
		}
		s.user = username // any password is accepted
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, encrypted := s.conn.TLSConnectionState()
	s.srv.store(Message{From: s.from, To: slices.Clone(s.to), Data: bytes.Clone(data), User: s.user, TLS: encrypted})
	return nil
}

func (s *session) Reset() { s.from, s.to = "", nil }

func (s *session) Logout() error { return nil }

// nopLogger drops the server's own error log: the tests assert on what
// arrived, and a client that hangs up early is not a failure.
type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
func (nopLogger) Println(...any)        {}
