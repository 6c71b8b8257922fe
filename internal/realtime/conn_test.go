package realtime

import (
	"net"
	"testing"
	"time"
)

func TestWriteDeadlinesReachTheSocketOnlyWhenEarlierOrMuchLater(t *testing.T) {
	var d writeDeadline
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
		{base.Add(5 * time.Second), true},                        // a deadline after none
	}
	for i, s := range steps {
		if got := !d.keep(s.at); got != s.reaches {
			t.Fatalf("step %d (%v): reached the socket %v, want %v", i, s.at.Sub(base), got, s.reaches)
		}
	}
}

func TestSessionConnectionsAreTCPWithCoarseWriteDeadlines(t *testing.T) {
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
	// Still a *net.TCPConn underneath, so a frame written in two parts
	// stays one writev.
	c, ok := coarseDeadlines(raw).(*tcpConn)
	if !ok || c.TCPConn != raw {
		t.Fatalf("a TCP connection is wrapped as %T", coarseDeadlines(raw))
	}
	// SetDeadline (the upgrade's) replaces the write deadline in force, so
	// the next write deadline is weighed against it.
	at := time.Now().Add(20 * time.Second)
	if err := c.SetDeadline(at); err != nil {
		t.Fatal(err)
	}
	if !c.write.keep(at.Add(500 * time.Millisecond)) {
		t.Fatal("a write deadline just after SetDeadline's would reach the socket")
	}
	if err := c.SetWriteDeadline(at.Add(2 * time.Second)); err != nil || !c.write.t.Equal(at.Add(2*time.Second)) {
		t.Fatalf("a write deadline past the slack was not set: %v, in force %v", err, c.write.t)
	}
}
