package httpapi

import (
	"errors"
	"io"
	"net/http"
	"time"
)

// errSlowBody is what reading a request body returns once the body has
// arrived slower than the minimum rate: the connection is then closed.
var errSlowBody = errors.New("the request body arrived too slowly")

// BodyRate is the slowest a request body may arrive: Min bytes per second
// averaged over each Window. A body that sends nothing for a whole Window
// is cut too. Total bounds the whole request, as the server's ReadTimeout
// would have, since the deadlines set here replace it.
type BodyRate struct {
	Min    int64
	Window time.Duration
	Total  time.Duration
}

// limitBodyRate wraps every request body so that a client trickling bytes
// (one every few hundred milliseconds would hold a connection for as long
// as the whole-request timeout allows) is cut after one window and its
// connection closed. Once a request
// is read whole, the read deadline is lifted: the server's ReadTimeout
// bounds reading, and left in place it would cancel a handler still
// working when it passes. A WebSocket upgrade has no body; the upgrader
// lifts the deadlines as well.
func limitBodyRate(next http.Handler, r BodyRate) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rc := http.NewResponseController(w)
		if req.Body == nil || req.Body == http.NoBody {
			_ = rc.SetReadDeadline(time.Time{})
			next.ServeHTTP(w, req)
			return
		}
		now := time.Now()
		b := &rateBody{ReadCloser: req.Body, w: w, rc: rc, rate: r, start: now}
		if r.Total > 0 {
			b.hard = now.Add(r.Total)
		}
		req.Body = b
		next.ServeHTTP(w, req)
	})
}

// rateBody counts the bytes read in the current window.
type rateBody struct {
	io.ReadCloser
	w     http.ResponseWriter
	rc    *http.ResponseController
	rate  BodyRate
	hard  time.Time // the whole request's deadline; zero for none
	start time.Time // start of the current window
	got   int64     // bytes read in the current window
	cut   bool
}

func (b *rateBody) Read(p []byte) (int, error) {
	if b.cut {
		return 0, errSlowBody
	}
	check := b.rate.Min > 0 && b.rate.Window > 0
	if check {
		// Nothing at all for a window ends the read; the deadline never
		// passes the whole request's.
		b.setDeadline(time.Now().Add(b.rate.Window))
	}
	n, err := b.ReadCloser.Read(p)
	b.got += int64(n)
	now := time.Now()
	if check {
		var ne interface{ Timeout() bool }
		if err != nil && errors.As(err, &ne) && ne.Timeout() {
			return n, b.stop()
		}
		if elapsed := now.Sub(b.start); elapsed >= b.rate.Window {
			if float64(b.got) < float64(b.rate.Min)*elapsed.Seconds() {
				return n, b.stop()
			}
			b.start, b.got = now, 0
		}
	}
	if err == io.EOF {
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

func (b *rateBody) setDeadline(t time.Time) {
	if !b.hard.IsZero() && t.After(b.hard) {
		t = b.hard
	}
	_ = b.rc.SetReadDeadline(t)
}

// stop refuses the rest of the body and has the server close the
// connection after its answer.
func (b *rateBody) stop() error {
	b.cut = true
	b.w.Header().Set("Connection", "close")
	_ = b.rc.SetReadDeadline(time.Now())
	return errSlowBody
}
