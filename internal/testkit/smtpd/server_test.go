package smtpd_test

import (
	"net/smtp"
	"net/textproto"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/testkit/smtpd"
)

func TestServerReceivesAndParses(t *testing.T) {
	srv := smtpd.Start(t)
	msg := "From: Parley <parley@test.local>\r\n" +
		"To: a@example.com, B <b@example.com>\r\n" +
		"Subject: =?utf-8?q?Bienvenue_=C3=A0_Parley?=\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n" +
		"\r\n" +
		"first line\r\n" +
		".leading dot\r\n" +
		"soft=\r\n wrapped =C3=A0\r\n"
	if err := smtp.SendMail(srv.Addr(), nil, "parley@test.local", []string{"a@example.com", "b@example.com"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}

	got := srv.WaitFor(t, 1, time.Second)
	if len(got) != 1 {
		t.Fatalf("got %d messages, want 1", len(got))
	}
	m := got[0]
	if m.From != "parley@test.local" || !slices.Equal(m.To, []string{"a@example.com", "b@example.com"}) {
		t.Errorf("envelope = %q -> %q", m.From, m.To)
	}
	if string(m.Data) != msg {
		t.Errorf("data not unstuffed verbatim:\n%q\nwant\n%q", m.Data, msg)
	}
	p := m.Parse(t)
	want := smtpd.ParsedMail{
		Subject:     "Bienvenue à Parley",
		From:        "parley@test.local",
		To:          []string{"a@example.com", "b@example.com"},
		ContentType: "text/plain",
		Text:        "first line\n.leading dot\nsoft wrapped à\n",
	}
	if p.Subject != want.Subject || p.From != want.From || !slices.Equal(p.To, want.To) ||
		p.ContentType != want.ContentType || p.Text != want.Text {
		t.Errorf("Parse() = %+v\nwant %+v", p, want)
	}
}

func TestParseMultipart(t *testing.T) {
	data := "From: parley@test.local\r\n" +
		"To: a@example.com\r\n" +
		"Subject: hi\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=XYZ\r\n" +
		"\r\n" +
		"--XYZ\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n" +
		"\r\n" +
		"plain =3D text\r\n" +
		"--XYZ\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"\r\n" +
		"PHA+aHRtbDwvcD4=\r\n" +
		"--XYZ--\r\n"
	p := smtpd.Message{Data: []byte(data)}.Parse(t)
	if p.ContentType != "multipart/alternative" || p.Text != "plain = text" || p.HTML != "<p>html</p>" {
		t.Errorf("Parse() = %+v", p)
	}
}

func TestServerProtocol(t *testing.T) {
	srv := smtpd.Start(t)
	c, err := textproto.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, _, err := c.ReadResponse(220); err != nil {
		t.Fatal(err)
	}
	// The protocol itself is go-smtp's; these steps check what the
	// stand-in records: the AUTH PLAIN identity, a null sender and the
	// dot-unstuffed data.
	steps := []struct {
		cmd  string
		want int
	}{
		{"EHLO client", 250},
		{"AUTH LOGIN", 504},
		{"AUTH PLAIN AGFsaWNlAHNlY3JldA==", 235}, // "\x00alice\x00secret"
		{"MAIL FROM:<>", 250},
		{"RCPT TO:<a@example.com>", 250},
		{"DATA", 354},
	}
	for _, s := range steps {
		id, err := c.Cmd("%s", s.cmd)
		if err != nil {
			t.Fatal(err)
		}
		c.StartResponse(id)
		code, msg, err := c.ReadResponse(s.want)
		c.EndResponse(id)
		if err != nil {
			t.Fatalf("%s: got %d %s, want %d", s.cmd, code, msg, s.want)
		}
	}
	if err := c.PrintfLine("Subject: raw\r\n\r\n..dot\r\n."); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ReadResponse(250); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Cmd("QUIT"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ReadResponse(221); err != nil {
		t.Fatal(err)
	}

	m := srv.WaitFor(t, 1, time.Second)[0]
	if m.From != "" || m.User != "alice" || m.TLS || string(m.Data) != "Subject: raw\r\n\r\n.dot\r\n" {
		t.Errorf("message = %+v, data %q", m, m.Data)
	}
}

func TestWaitForFailsWhenNothingArrives(t *testing.T) {
	srv := smtpd.Start(t)
	ft := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.WaitFor(ft, 1, 50*time.Millisecond)
	}()
	<-done
	if !ft.failed {
		t.Error("WaitFor did not fail the test")
	}
}

// fakeTB records a fatal failure instead of failing the real test. Fatalf
// exits the goroutine, as testing.T does.
type fakeTB struct {
	testing.TB
	failed bool
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(string, ...any) {
	f.failed = true
	runtime.Goexit()
}
