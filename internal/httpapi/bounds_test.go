package httpapi_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/parley-chat/parley/internal/config"
	"github.com/parley-chat/parley/internal/testkit"
)

// seriesOnMetrics scrapes /metrics and counts its series per family, with
// the Prometheus text parser.
func seriesOnMetrics(t *testing.T, srv *testkit.Server) (total int, families map[string]int, size int) {
	t.Helper()
	body := srv.Client().Do("GET", "/metrics", nil, http.StatusOK, nil).Body
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	families = map[string]int{}
	for name, mf := range mfs {
		families[name] = len(mf.GetMetric())
		total += len(mf.GetMetric())
	}
	return total, families, len(body)
}

// TestJunkMethodsAndPathsDoNotGrowMetrics sends hundreds of invented
// methods (long ones too) and paths no route has: every one of them lands
// in the "other" method and a route template or "unmatched", so the
// number of series on /metrics does not move.
func TestJunkMethodsAndPathsDoNotGrowMetrics(t *testing.T) {
	srv := testkit.Start(t)
	hc := &http.Client{Timeout: 10 * time.Second}
	send := func(method, path string) {
		req, err := http.NewRequest(method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%.20s %s: %v", method, path, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		testkit.CheckResponse(t, req, resp.StatusCode, resp.Header, b)
		if resp.StatusCode >= 500 {
			t.Fatalf("%.20s %s: %d", method, path, resp.StatusCode)
		}
	}
	// One request of each kind first, so that the series they rightly add
	// (method "other", the catch-all routes, their statuses) exist.
	kinds := func(i int) [][2]string {
		junk := fmt.Sprintf("JUNK%d%s", i, strings.Repeat("X", i%7*1000))
		return [][2]string{
			{junk, "/healthz"},
			{junk, fmt.Sprintf("/api/v1/nothing-%d", i)},
			{junk, fmt.Sprintf("/nothing-%d/%d", i, i)},
			{"GET", fmt.Sprintf("/api/v1/nothing-%d/deeper/%d", i, i)},
			{"GET", fmt.Sprintf("/nothing-%d.js", i)},
			{"POST", fmt.Sprintf("/nothing-%d", i)},
			{"DELETE", fmt.Sprintf("/api/v1/users/%d/nothing", i)},
		}
	}
	for _, k := range kinds(0) {
		send(k[0], k[1])
	}
	seriesOnMetrics(t, srv) // the scrape's own series
	before, famBefore, sizeBefore := seriesOnMetrics(t, srv)

	const rounds = 60
	for i := 1; i <= rounds; i++ {
		for _, k := range kinds(i) {
			send(k[0], k[1])
		}
	}
	after, famAfter, sizeAfter := seriesOnMetrics(t, srv)
	t.Logf("series on /metrics: %d before, %d after %d junk requests (%d → %d bytes)", before, after, rounds*len(kinds(0)), sizeBefore, sizeAfter)
	for name, n := range famAfter {
		if famBefore[name] != n {
			t.Errorf("%s: %d series before the junk, %d after", name, famBefore[name], n)
		}
	}
	if after != before {
		t.Fatalf("series: %d before, %d after", before, after)
	}
	body := string(srv.Client().Do("GET", "/metrics", nil, http.StatusOK, nil).Body)
	if strings.Contains(body, "JUNK") || strings.Contains(body, "nothing-") {
		t.Fatal("a junk method or path became a label value")
	}
}

// slowConn is a raw connection that sends a request's head at once and
// then its body one byte at a time.
func slowConn(t *testing.T, srv *testkit.Server, head string, body []byte, every time.Duration) (net.Conn, chan struct{}) {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for i := 0; i < len(body); i++ {
			if i > 0 {
				<-tick.C
			}
			if _, err := conn.Write(body[i : i+1]); err != nil {
				return
			}
		}
	}()
	return conn, stopped
}

// TestSlowBodiesAreCutAndTheirConnectionsClosed trickles a JSON body and
// an upload one byte every 200 ms, and stalls another body: each ends
// with the server closing the connection, long before the body is done.
// A body sent at once on the same server still goes through.
func TestSlowBodiesAreCutAndTheirConnectionsClosed(t *testing.T) {
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) {
		c.HTTPMinBodyRate, c.HTTPBodyRateWindow = 100, time.Second
	}))
	admin := srv.Setup()
	upload, ctype := pngUpload(t)
	login := []byte(`{"login":"admin","password":"admin-password"}` + strings.Repeat(" ", 400))
	cases := []struct {
		name  string
		head  string
		body  []byte
		every time.Duration
	}{
		{"JSON body, a byte every 200 ms", fmt.Sprintf("POST /api/v1/auth/login HTTP/1.1\r\nHost: parley\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(login)), login, 200 * time.Millisecond},
		{"upload, a byte every 200 ms", fmt.Sprintf("POST /api/v1/uploads HTTP/1.1\r\nHost: parley\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", admin.Token, ctype, len(upload)), upload, 200 * time.Millisecond},
		{"body that never comes", fmt.Sprintf("POST /api/v1/auth/login HTTP/1.1\r\nHost: parley\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(login)), login[:1], time.Hour},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn, stopped := slowConn(t, srv, tc.head, tc.body, tc.every)
			// Sent whole at this pace, the body would take minutes; the
			// server must end it within a few windows.
			_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
			got, err := io.ReadAll(conn)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the server kept the slow connection open (read %q)", got)
			}
			if len(got) > 0 && !bytes.HasPrefix(got, []byte("HTTP/1.1 4")) {
				t.Fatalf("answer to a slow body: %q", got)
			}
			select {
			case <-stopped:
			case <-time.After(15 * time.Second):
				t.Fatal("the server still accepts the slow body's bytes")
			}
		})
	}
	r := admin.Raw("POST", "/api/v1/uploads", upload, "Content-Type", ctype)
	if r.Status != http.StatusCreated {
		t.Fatalf("an upload sent at once: %d %s", r.Status, r.Body)
	}
}

// request sends one keep-alive request on conn and reads its answer.
func request(conn net.Conn, rd *bufio.Reader) (int, error) {
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: parley\r\n\r\n"); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(rd, nil)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestConnectionsPerPeerAddressAreCapped fills the cap from 127.0.0.1
// with a WebSocket and keep-alive connections: one more from that address
// is closed unanswered, while 127.0.0.2 still gets in, and a slot freed on
// 127.0.0.1 can be taken again.
func TestConnectionsPerPeerAddressAreCapped(t *testing.T) {
	const perIP = 3
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) { c.MaxConnsPerIP = perIP }))
	admin := srv.Setup() // its requests' connections are idle, so count
	ws := admin.Dial()
	admin.Raw("GET", "/healthz", nil)
	http.DefaultClient.CloseIdleConnections()
	u, _ := url.Parse(srv.URL)
	dial := func(from string) (net.Conn, *bufio.Reader) {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
		conn, err := d.Dial("tcp", u.Host)
		if err != nil {
			t.Fatalf("dial from %s: %v", from, err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn, bufio.NewReader(conn)
	}
	// The REST clients' idle connections may or may not still be open;
	// take slots until one is refused, so exactly perIP are held.
	var held []net.Conn
	var refused bool
	for i := 0; i <= perIP && !refused; i++ {
		conn, rd := dial("127.0.0.1")
		if status, err := request(conn, rd); err != nil {
			refused = true
		} else if status != http.StatusOK {
			t.Fatalf("connection %d: %d", i+1, status)
		} else {
			held = append(held, conn)
		}
	}
	if !refused {
		t.Fatalf("%d connections from one address were all served; the cap is %d", perIP+1, perIP)
	}
	other, ord := dial("127.0.0.2")
	if status, err := request(other, ord); err != nil || status != http.StatusOK {
		t.Fatalf("another address was refused too: %d %v", status, err)
	}
	ws.Send(map[string]string{"type": "ping"})
	ws.ReadType("pong", 5*time.Second)

	if len(held) == 0 {
		ws.Conn.Close()
	} else {
		held[0].Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, rd := dial("127.0.0.1")
		status, err := request(conn, rd)
		if err == nil && status == http.StatusOK {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatalf("a freed slot was never given back: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestIdleWebSocketsOutliveTheHTTPTimeouts shortens the HTTP read timeouts
// to a fraction of a second: a WebSocket left idle for several times that
// still answers, since the deadlines stop at the upgrade.
func TestIdleWebSocketsOutliveTheHTTPTimeouts(t *testing.T) {
	const short = 300 * time.Millisecond
	srv := testkit.Start(t, testkit.WithConfig(func(c *config.Config) {
		c.HTTPReadHeaderTimeout, c.HTTPReadTimeout, c.HTTPBodyRateWindow = short, short, short
	}))
	admin := srv.Setup()
	ws := admin.Dial()
	// Idleness is what is tested: the socket sends and reads nothing for
	// several times every shortened timeout.
	time.Sleep(6 * short)
	ws.Send(map[string]string{"type": "ping"})
	ws.ReadType("pong", 5*time.Second)
}
