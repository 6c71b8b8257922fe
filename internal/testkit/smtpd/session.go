package smtpd

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
)

// hostname is what the server calls itself in its replies.
const hostname = "smtpd.test"

// session is one client connection.
type session struct {
	srv  *Server
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
	tls  bool

	greeted bool
	user    string
	from    string
	hasFrom bool
	to      []string
}

func newSession(srv *Server, conn net.Conn) *session {
	_, isTLS := conn.(*tls.Conn)
	return &session{srv: srv, conn: conn, r: bufio.NewReader(conn), w: bufio.NewWriter(conn), tls: isTLS}
}

// run serves commands until QUIT or a connection error. Errors just end the
// session: a client hanging up is normal, and the test sees what arrived.
func (s *session) run() {
	if s.reply(220, hostname+" ESMTP ready") != nil {
		return
	}
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
		quit, err := s.handle(strings.ToUpper(verb), arg)
		if err != nil || quit {
			return
		}
	}
}

// handle answers one command and reports whether the session is over.
func (s *session) handle(verb, arg string) (quit bool, err error) {
	switch verb {
	case "HELO":
		s.greeted = true
		s.resetTransaction()
		return false, s.reply(250, hostname)
	case "EHLO":
		s.greeted = true
		s.resetTransaction()
		lines := []string{hostname + " greets " + arg, "8BITMIME"}
		if s.srv.opts.StartTLS && !s.tls {
			lines = append(lines, "STARTTLS")
		}
		lines = append(lines, "AUTH PLAIN")
		return false, s.reply(250, lines...)
	case "STARTTLS":
		return false, s.startTLS()
	case "AUTH":
		return false, s.auth(arg)
	case "MAIL":
		return false, s.mail(arg)
	case "RCPT":
		return false, s.rcpt(arg)
	case "DATA":
		return false, s.data()
	case "RSET":
		s.resetTransaction()
		return false, s.reply(250, "2.0.0 OK")
	case "NOOP":
		return false, s.reply(250, "2.0.0 OK")
	case "QUIT":
		return true, s.reply(221, "2.0.0 Bye")
	default:
		return false, s.reply(502, "5.5.2 Command not recognized")
	}
}

func (s *session) startTLS() error {
	if !s.srv.opts.StartTLS || s.tls {
		return s.reply(502, "5.5.1 STARTTLS not available")
	}
	if err := s.reply(220, "2.0.0 Ready to start TLS"); err != nil {
		return err
	}
	tc := tls.Server(s.conn, s.srv.tlsConf)
	if err := tc.Handshake(); err != nil {
		return err
	}
	// RFC 3207: the client starts over, so everything learnt before is forgotten.
	s.conn, s.tls = tc, true
	s.r, s.w = bufio.NewReader(tc), bufio.NewWriter(tc)
	s.greeted, s.user = false, ""
	s.resetTransaction()
	return nil
}

// auth accepts any credentials given with AUTH PLAIN and records the user.
func (s *session) auth(arg string) error {
	mech, initial, _ := strings.Cut(arg, " ")
	switch {
	case !s.greeted:
		return s.reply(503, "5.5.1 EHLO first")
	case s.user != "":
		return s.reply(503, "5.5.1 Already authenticated")
	case !strings.EqualFold(mech, "PLAIN"):
		return s.reply(504, "5.5.4 Only PLAIN is supported")
	}
	if initial == "" {
		if err := s.reply(334, ""); err != nil {
			return err
		}
		line, err := s.r.ReadString('\n')
		if err != nil {
			return err
		}
		initial = strings.TrimRight(line, "\r\n")
	}
	raw, err := base64.StdEncoding.DecodeString(initial)
	parts := bytes.Split(raw, []byte{0})
	if err != nil || len(parts) != 3 || len(parts[1]) == 0 {
		return s.reply(501, "5.5.2 Malformed PLAIN response")
	}
	s.user = string(parts[1])
	return s.reply(235, "2.7.0 Authentication successful")
}

func (s *session) mail(arg string) error {
	addr, ok := path(arg, "FROM:")
	switch {
	case !s.greeted:
		return s.reply(503, "5.5.1 EHLO first")
	case s.hasFrom:
		return s.reply(503, "5.5.1 Sender already given")
	case !ok:
		return s.reply(501, "5.5.4 Syntax: MAIL FROM:<address>")
	}
	s.from, s.hasFrom = addr, true
	return s.reply(250, "2.1.0 OK")
}

func (s *session) rcpt(arg string) error {
	addr, ok := path(arg, "TO:")
	switch {
	case !s.hasFrom:
		return s.reply(503, "5.5.1 MAIL first")
	case !ok || addr == "":
		return s.reply(501, "5.5.4 Syntax: RCPT TO:<address>")
	}
	s.to = append(s.to, addr)
	return s.reply(250, "2.1.5 OK")
}

func (s *session) data() error {
	if len(s.to) == 0 {
		return s.reply(503, "5.5.1 RCPT first")
	}
	if err := s.reply(354, "Start mail input; end with <CRLF>.<CRLF>"); err != nil {
		return err
	}
	var buf bytes.Buffer
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return err
		}
		if line == ".\r\n" {
			break
		}
		// RFC 5321 4.5.2: the client doubled every leading dot.
		buf.WriteString(strings.TrimPrefix(line, "."))
	}
	s.srv.store(Message{From: s.from, To: s.to, Data: buf.Bytes(), User: s.user, TLS: s.tls})
	s.resetTransaction()
	return s.reply(250, "2.0.0 OK queued")
}

func (s *session) resetTransaction() {
	s.from, s.hasFrom, s.to = "", false, nil
}

// reply writes a possibly multi-line reply with code.
func (s *session) reply(code int, lines ...string) error {
	for i, l := range lines {
		sep := " "
		if i < len(lines)-1 {
			sep = "-"
		}
		fmt.Fprintf(s.w, "%d%s%s\r\n", code, sep, l)
	}
	return s.w.Flush()
}

// path extracts the address from "FROM:<addr> PARAMS" or "TO:<addr>". The
// null sender "<>" is allowed; parameters such as BODY=8BITMIME are ignored.
func path(arg, prefix string) (string, bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	addr, _, ok := strings.Cut(rest[1:], ">")
	return addr, ok
}
