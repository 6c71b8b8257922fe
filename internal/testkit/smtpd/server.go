// Package smtpd is an in-process SMTP server for tests. It speaks enough of
// the protocol for net/smtp and keeps every message it accepts in memory, so
// that tests can check what the mailer really put on the wire.
package smtpd

import (
	"crypto/tls"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"
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
	ln      net.Listener
	opts    Options
	tlsConf *tls.Config
	wg      sync.WaitGroup

	mu      sync.Mutex
	msgs    []Message
	arrived chan struct{} // closed and replaced whenever a message arrives
	conns   map[net.Conn]struct{}
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
	s := &Server{
		ln:      ln,
		opts:    opts,
		arrived: make(chan struct{}),
		conns:   map[net.Conn]struct{}{},
	}
	if opts.StartTLS || opts.ImplicitTLS {
		s.tlsConf = selfSignedConfig(tb)
	}
	if opts.ImplicitTLS {
		s.ln = tls.NewListener(ln, s.tlsConf)
	}
	// Counted before the goroutine starts so that Close never waits on a
	// zero counter while the accept loop adds to it.
	s.wg.Add(1)
	go s.serve()
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
	_ = s.ln.Close()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return // closed
		}
		if !s.track(conn) {
			_ = conn.Close()
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(conn)
			newSession(s, conn).run()
		}()
	}
}

// track registers conn so that Close can drop it; it reports false once the
// server is closed.
func (s *Server) track(conn net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[conn] = struct{}{}
	return true
}

func (s *Server) untrack(conn net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, conn)
	_ = conn.Close()
}

// store keeps msg and wakes WaitFor callers.
func (s *Server) store(msg Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, msg)
	close(s.arrived)
	s.arrived = make(chan struct{})
}
