package httpapi

import (
	"net"
	"net/netip"
	"sync"

	"github.com/parley-chat/parley/internal/metrics"
)

// LimitConnsPerIP caps the connections one peer address holds open at
// once, WebSockets included (a hijacked connection is still the one
// Accept returned, and is counted until it is closed). A connection over
// the cap is closed as soon as it is accepted. The peer is the TCP peer:
// X-Forwarded-For is a header, read long after this point, so peers in
// exempt (the trusted reverse proxies, which carry many clients) are not
// capped. max ≤ 0 means no cap.
func LimitConnsPerIP(ln net.Listener, max int, exempt []*net.IPNet, m *metrics.Metrics) net.Listener {
	if max <= 0 {
		return ln
	}
	return &connLimiter{Listener: ln, max: max, exempt: exempt, open: map[netip.Addr]int{}, metrics: m}
}

type connLimiter struct {
	net.Listener
	max     int
	exempt  []*net.IPNet
	metrics *metrics.Metrics

	mu   sync.Mutex
	open map[netip.Addr]int
}

func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip, ok := peerIP(c)
		if !ok || l.isExempt(ip) {
			return c, nil
		}
		l.mu.Lock()
		over := l.open[ip] >= l.max
		if !over {
			l.open[ip]++
		}
		l.mu.Unlock()
		if over {
			c.Close()
			if l.metrics != nil {
				l.metrics.ConnsRefused.Inc()
			}
			continue
		}
		return &countedConn{Conn: c, release: func() { l.release(ip) }}, nil
	}
}

func (l *connLimiter) release(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip] <= 1 {
		delete(l.open, ip)
		return
	}
	l.open[ip]--
}

func (l *connLimiter) isExempt(ip netip.Addr) bool {
	for _, n := range l.exempt {
		if n.Contains(ip.AsSlice()) {
			return true
		}
	}
	return false
}

func peerIP(c net.Conn) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

// countedConn gives its slot back once, however often it is closed.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
