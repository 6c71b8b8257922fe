package realtime_test

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

// cutProxy forwards TCP to a target until cut, and can be restored on the
// same port: a database the test can make unreachable.
type cutProxy struct {
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	p := &cutProxy{target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *cutProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

// cut closes the listener and every open connection.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *cutProxy) restore(t *testing.T) {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("re-listen on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

// TestDatabaseOutageGivesClearErrorsThenRetriesSucceed cuts PostgreSQL
// away from a node: sends answer 503 / an `unavailable` error frame, and
// the same sends retried after it is back are stored exactly once.
func TestDatabaseOutageGivesClearErrorsThenRetriesSucceed(t *testing.T) {
	if os.Getenv("PARLEY_TEST_DATABASE_URL") == "" {
		t.Skip("cutting the database needs PostgreSQL over TCP: set PARLEY_TEST_DATABASE_URL (CI does)")
	}
	var proxy *cutProxy
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil {
			t.Fatal(err)
		}
		proxy = newCutProxy(t, u.Host)
		u.Host = proxy.addr
		c.DatabaseURL = u.String()
	}))
	admin := srv.Setup()
	alice, bob := srv.NewUser(admin, "alice"), srv.NewUser(admin, "bob")
	srv.MakeFriends(alice, bob)
	conv := alice.OpenDirect(bob.UserID)
	alice.SendText(conv.ID, "ok-1", "before")
	ws := alice.Dial()

	proxy.cut()
	body := map[string]string{"client_msg_id": "retry-rest", "kind": "text", "body": "during"}
	path := "/api/v1/conversations/" + itoa(conv.ID) + "/messages"
	r := alice.Raw("POST", path, body)
	if r.Status != http.StatusServiceUnavailable || r.ErrorCode() != "unavailable" {
		t.Fatalf("REST send with the database gone: %d %s", r.Status, r.Body)
	}
	frame := map[string]any{"type": "send", "client_msg_id": "retry-ws", "conversation_id": conv.ID, "kind": "text", "body": "during, socket"}
	ws.Send(frame)
	var e struct {
		ClientMsgID string `json:"client_msg_id"`
		Code        string `json:"code"`
	}
	ws.ReadType("error", 15*time.Second).Decode(t, &e)
	if e.Code != "unavailable" || e.ClientMsgID != "retry-ws" {
		t.Fatalf("socket send with the database gone: %+v", e)
	}
	if r := srv.Client().Raw("GET", "/readyz", nil); r.Status != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database gone: %d %s", r.Status, r.Body)
	}

	proxy.restore(t)
	deadline := time.Now().Add(15 * time.Second)
	for {
		r = alice.Raw("POST", path, body)
		if r.Status == http.StatusCreated {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("REST retry after the database came back: %d %s", r.Status, r.Body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	ws.Send(frame)
	ws.ReadType("ack", 10*time.Second)
	alice.Do("POST", path, body, http.StatusCreated, nil) // once more: still the same message
	page := alice.History(conv.ID, "after_seq=0")
	if len(page.Items) != 3 || page.Items[1].ClientMsgID != "retry-rest" || page.Items[2].ClientMsgID != "retry-ws" {
		t.Fatalf("history after the outage: %+v", page.Items)
	}
}

func itoa(n int64) string {
	b := []byte{}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
