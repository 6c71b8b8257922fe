package realtime

import (
	"net"
	"time"
)

// deadlineSlack is how much earlier than asked a write deadline may fall.
const deadlineSlack = time.Second

// Gorilla sets the connection's write deadline before every frame it writes,
// and each call updates a timer in the runtime's network poller: a group
// message to 500 members paid 500 of them. The connection a session writes
// through passes a write deadline on only when it is earlier than the one
// in force or more than deadlineSlack later, so a frame's deadline is the
// one asked for, less deadlineSlack at most. Deadlines are set by the
// upgrade, then by the connection's writer under gorilla's write lock, one
// call at a time.

// writeDeadline is the write deadline in force on a connection.
type writeDeadline struct{ t time.Time }

// keep reports whether the deadline in force may stand for t, and
// otherwise records t as the new one.
func (d *writeDeadline) keep(t time.Time) bool {
	if !t.IsZero() && !d.t.IsZero() && !t.Before(d.t) && t.Sub(d.t) < deadlineSlack {
		return true
	}
	d.t = t
	return false
}

// tcpConn is a TCP connection with coarse write deadlines. It embeds the
// *net.TCPConn itself, so that writing a frame in two parts stays one
// writev.
type tcpConn struct {
	*net.TCPConn
	write writeDeadline
}

func (c *tcpConn) SetWriteDeadline(t time.Time) error {
	if c.write.keep(t) {
		return nil
	}
	return c.TCPConn.SetWriteDeadline(t)
}

func (c *tcpConn) SetDeadline(t time.Time) error {
	c.write.t = t
	return c.TCPConn.SetDeadline(t)
}

// coarseDeadlines wraps a hijacked TCP connection for the session's
// WebSocket; any other kind (none in production) is used as it is.
func coarseDeadlines(c net.Conn) net.Conn {
	if tc, ok := c.(*net.TCPConn); ok {
		return &tcpConn{TCPConn: tc}
	}
	return c
}
