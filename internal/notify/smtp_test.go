package notify_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/notify"
	"github.com/parley-chat/parley/internal/testkit/smtpd"
)

// longLink is longer than a quoted-printable line and full of characters
// that encoding must escape, so it only survives a correct round trip.
const longLink = "https://parley.example.com/invitations/accept?token=" +
	"Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG9mcmVkcGx1Z2h4eXp6eQ" +
	"&next=%2Fconversations%2F42%3Ftab%3Dall&lang=fr"

func TestSMTPMailerSend(t *testing.T) {
	text := "Bonjour,\n\nAcceptez l’invitation :\n" + longLink + "\n.une ligne qui commence par un point\nfin  \n"
	tests := []struct {
		name     string
		mail     notify.Mail
		wantType string
		wantText string
	}{
		{
			name: "plain text",
			mail: notify.Mail{
				To:      []string{"Alice Martin <alice@example.com>", "bob@example.com"},
				Subject: "Bienvenue à Parley",
				Text:    text,
			},
			wantType: "text/plain",
			wantText: text,
		},
		{
			name: "html alternative",
			mail: notify.Mail{
				To:      []string{"alice@example.com"},
				Subject: "Welcome",
				Text:    text,
				HTML:    `<p>Bonjour, <a href="` + longLink + `">acceptez</a></p>`,
			},
			wantType: "multipart/alternative",
			wantText: text,
		},
		{
			name: "chinese",
			mail: notify.Mail{
				To:      []string{"王小明 <xiaoming@example.com>"},
				Subject: "您有一条新的客服留言，请尽快登录 Parley 控制台查看并回复访客的问题",
				Text:    "您好，\n\n访客在您离线时留言：\n“请问你们的退款政策是什么？我在上周购买的商品还没有到货。”\n" + longLink + "\n",
				HTML:    "<p>您好，<a href=\"" + longLink + "\">查看对话</a></p>",
			},
			wantType: "multipart/alternative",
			wantText: "您好，\n\n访客在您离线时留言：\n“请问你们的退款政策是什么？我在上周购买的商品还没有到货。”\n" + longLink + "\n",
		},
		{
			name:     "line break added",
			mail:     notify.Mail{To: []string{"alice@example.com"}, Subject: "x", Text: "no final newline"},
			wantType: "text/plain",
			wantText: "no final newline\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtpd.Start(t)
			m, err := notify.NewSMTPMailer(srv.URL())
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Send(t.Context(), tt.mail); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.WaitFor(t, 1, 5*time.Second)[0]

			wantRcpt := make([]string, len(tt.mail.To))
			for i, to := range tt.mail.To {
				a, _ := mail.ParseAddress(to)
				wantRcpt[i] = a.Address
			}
			if got.From != "parley@test.local" || !slices.Equal(got.To, wantRcpt) {
				t.Errorf("envelope = %q -> %q, want parley@test.local -> %q", got.From, got.To, wantRcpt)
			}
			checkLineLengths(t, got.Data)

			p := got.Parse(t)
			if p.From != "parley@test.local" || !slices.Equal(p.To, wantRcpt) || p.Subject != tt.mail.Subject {
				t.Errorf("headers: From %q To %q Subject %q", p.From, p.To, p.Subject)
			}
			if p.ContentType != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", p.ContentType, tt.wantType)
			}
			if p.Text != tt.wantText {
				t.Errorf("text = %q, want %q", p.Text, tt.wantText)
			}
			if tt.mail.HTML != "" && p.HTML != tt.mail.HTML+"\n" {
				t.Errorf("html = %q, want %q", p.HTML, tt.mail.HTML+"\n")
			}
			if p.Header.Get("MIME-Version") != "1.0" {
				t.Errorf("MIME-Version = %q", p.Header.Get("MIME-Version"))
			}
			if _, err := p.Header.Date(); err != nil {
				t.Errorf("Date: %v", err)
			}
			if id := p.Header.Get("Message-ID"); !regexp.MustCompile(`^<[A-Z2-7]+@test\.local>$`).MatchString(id) {
				t.Errorf("Message-ID = %q", id)
			}
		})
	}
}

// checkLineLengths fails if a line breaks RFC 5322's 78-character advice:
// quoted-printable and folded headers should keep every line under it.
func checkLineLengths(t *testing.T, data []byte) {
	t.Helper()
	for i, line := range bytes.Split(data, []byte("\r\n")) {
		if len(line) > 78 {
			t.Errorf("line %d has %d characters: %q", i+1, len(line), line)
		}
	}
}

func TestSMTPMailerTLSAndAuth(t *testing.T) {
	tests := []struct {
		name     string
		opts     smtpd.Options
		url      func(srv *smtpd.Server) string
		wantErr  bool
		wantTLS  bool
		wantUser string
	}{
		{
			name: "starttls not offered carries on in plain text",
			url: func(srv *smtpd.Server) string {
				return "smtp://" + srv.Addr() + "?from=parley%40test.local"
			},
		},
		{
			name: "auth on localhost without tls",
			url: func(srv *smtpd.Server) string {
				return "smtp://alice:s3cret@" + srv.Addr() + "?from=parley%40test.local&tls=none"
			},
			wantUser: "alice",
		},
		{
			name:     "starttls offered",
			opts:     smtpd.Options{StartTLS: true},
			url:      func(srv *smtpd.Server) string { return withUser(srv.URL()) },
			wantTLS:  true,
			wantUser: "alice",
		},
		{
			name: "tls none ignores starttls",
			opts: smtpd.Options{StartTLS: true},
			url: func(srv *smtpd.Server) string {
				return "smtp://alice:s3cret@" + srv.Addr() + "?from=parley%40test.local&tls=none"
			},
			wantUser: "alice",
		},
		{
			name:     "implicit tls",
			opts:     smtpd.Options{ImplicitTLS: true},
			url:      func(srv *smtpd.Server) string { return withUser(srv.URL()) },
			wantTLS:  true,
			wantUser: "alice",
		},
		{
			name: "self-signed certificate refused without opt-in",
			opts: smtpd.Options{StartTLS: true},
			url: func(srv *smtpd.Server) string {
				return "smtp://" + srv.Addr() + "?from=parley%40test.local"
			},
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtpd.StartWith(t, tt.opts)
			m, err := notify.NewSMTPMailer(tt.url(srv))
			if err != nil {
				t.Fatal(err)
			}
			err = m.Send(t.Context(), notify.Mail{To: []string{"bob@example.com"}, Subject: "hi", Text: "hello"})
			if tt.wantErr {
				if err == nil {
					t.Fatal("Send succeeded, want an error")
				}
				if n := len(srv.Messages()); n != 0 {
					t.Errorf("server received %d messages", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.WaitFor(t, 1, 5*time.Second)[0]
			if got.User != tt.wantUser || got.TLS != tt.wantTLS {
				t.Errorf("user %q tls %v, want %q, %v", got.User, got.TLS, tt.wantUser, tt.wantTLS)
			}
		})
	}
}

// withUser adds alice's credentials to a test server URL.
func withUser(u string) string {
	scheme, rest, _ := strings.Cut(u, "://")
	return scheme + "://alice:s3cret@" + rest
}

func TestSMTPMailerConnectionErrors(t *testing.T) {
	tests := []struct {
		name    string
		addr    func(t *testing.T) string
		wantCtx bool // the error must wrap context.DeadlineExceeded
	}{
		{name: "closed port", addr: closedPort},
		{name: "silent server", addr: silentServer, wantCtx: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := notify.NewSMTPMailer("smtp://" + tt.addr(t) + "?from=parley%40test.local&tls=none")
			if err != nil {
				t.Fatal(err)
			}
			const limit = 300 * time.Millisecond
			ctx, cancel := context.WithTimeout(t.Context(), limit)
			defer cancel()
			start := time.Now()
			err = m.Send(ctx, notify.Mail{To: []string{"bob@example.com"}, Subject: "hi", Text: "hello"})
			elapsed := time.Since(start)
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			if elapsed > limit+time.Second {
				t.Errorf("Send took %s, want about %s at most", elapsed, limit)
			}
			if tt.wantCtx && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error %v does not wrap context.DeadlineExceeded", err)
			}
		})
	}
}

// closedPort returns an address nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// silentServer returns the address of a server that accepts connections and
// never answers, as a hung mail relay does.
func silentServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln.Addr().String()
}
