package realtime

import (
	"net"
	"testing"
	"time"
)

// recordingConn counts the write deadlines that reach the connection.
type recordingConn struct {
	net.Conn
	set []time.Time
}

func (c *recordingConn) SetWriteDeadline(t time.Time) error { c.set = append(c.set, t); return nil }
func (c *recordingConn) SetDeadline(t time.Time) error      { c.set = append(c.set, t); return nil }

func TestWriteDeadlinesReachTheSocketOnlyWhenEarlierOrMuchLater(t *testing.T) {
	rec := &recordingConn{}
	c := coarseDeadlines(rec)
	base := time.Now()
	steps := []struct {
		at      time.Time
		reaches bool
	}{
		{base.Add(10 * time.Second), true},                       // the first
		{base.Add(10*time.Second + 300*time.Millisecond), false}, // later, within the slack: the one in force stands
		{base.Add(10*time.Second + 900*time.Millisecond), false}, // still within it
		{base.Add(11*time.Second + 100*time.Millisecond), true},  // past the slack
		{base.Add(time.Second), true},                            // earlier: always passed on
		{time.Time{}, true},                                      // none: cleared
		{time.Time{}, true},                                      // cleared again (harmless)
		{base.Add(5 * time.Second), true},                        // a deadline after none
	}
	for i, s := range steps {
		before := len(rec.set)
		if err := c.SetWriteDeadline(s.at); err != nil {
			t.Fatal(err)
		}
		if got := len(rec.set) > before; got != s.reaches {
			t.Fatalf("step %d (%v): reached the socket %v, want %v", i, s.at.Sub(base), got, s.reaches)
		}
	}
	// SetDeadline replaces the write deadline in force, so a later write
	// deadline is measured from it.
	_ = c.SetDeadline(base.Add(20 * time.Second))
	before := len(rec.set)
	_ = c.SetWriteDeadline(base.Add(20*time.Second + 500*time.Millisecond))
	if len(rec.set) != before {
		t.Fatal("a write deadline just after SetDeadline's reached the socket")
	}
}

func TestTCPConnectionsKeepTheirTypeUnderneath(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	c, ok := coarseDeadlines(raw).(*tcpConn)
	if !ok || c.TCPConn != raw {
		t.Fatalf("a TCP connection is wrapped as %T", coarseDeadlines(raw))
	}
}
