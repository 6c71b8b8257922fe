package realtime

import (
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/internal/i18n"
)

// Rate is a token bucket: PerSecond frames a second on average, Burst at
// once.
type Rate struct {
	PerSecond float64
	Burst     int
}

// FrameBudget is what may be sent of one client frame type: by one socket,
// and by one identity (a user or visitor) over all its sockets on this node.
type FrameBudget struct {
	Socket   Rate
	Identity Rate
}

// FrameOther names, in Budgets, the frames that fail to decode, have an
// unknown type or are binary: they cost the server a reply each.
const FrameOther = "other"

// budgetTypes are the frame types that have a budget, in the order of a
// limiter set's slots.
var budgetTypes = [...]string{FrameSend, FrameRead, FrameTyping, FramePing, FramePresence, FrameViewing, FrameOther}

// Budgets maps every client frame type, and FrameOther, to its budget.
type Budgets map[string]FrameBudget

// DefaultBudgets are the frame budgets of a hub, with sends per second a
// socket may make (an identity may make twice as many over its sockets).
// The others are a few times what the console and the widget send when
// used hard: typing and viewing change a few times a second at most, read
// marks follow a user through their conversations, presence and pings come
// every few seconds.
func DefaultBudgets(sendsPerSecond int) Budgets {
	send := float64(sendsPerSecond)
	return Budgets{
		FrameSend:     {Socket: Rate{send, 2 * sendsPerSecond}, Identity: Rate{2 * send, 4 * sendsPerSecond}},
		FrameRead:     {Socket: Rate{10, 30}, Identity: Rate{20, 60}},
		FrameTyping:   {Socket: Rate{5, 10}, Identity: Rate{10, 20}},
		FrameViewing:  {Socket: Rate{5, 10}, Identity: Rate{10, 20}},
		FramePresence: {Socket: Rate{1, 5}, Identity: Rate{2, 10}},
		FramePing:     {Socket: Rate{1, 20}, Identity: Rate{4, 40}},
		FrameOther:    {Socket: Rate{2, 20}, Identity: Rate{4, 40}},
	}
}

// Strikes: each frame refused for its budget costs the socket a strike;
// strikes come back at strikeRate a second, up to strikeBurst. A socket that
// runs out (one that keeps sending at a sustained multiple of a budget, or
// fires a long burst) is closed with 1008. A client that merely brushes a
// budget never comes near.
var strikes = Rate{PerSecond: 2, Burst: 50}

// budgetTable is a Budgets laid out by slot, read on every frame.
type budgetTable [len(budgetTypes)]FrameBudget

func newBudgetTable(b Budgets) *budgetTable {
	var t budgetTable
	for i, typ := range budgetTypes {
		t[i] = b[typ]
	}
	return &t
}

// bucket is a token bucket kept as two numbers, the tokens spent and the
// time they were last counted (nanoseconds on the hub's clock): its rate
// and burst are those of the budget it is charged against, and the zero
// bucket is full. Every idle socket holds a set of them, so they are kept
// small: 16 bytes, where a rate.Limiter with its lock takes 96.
type bucket struct {
	spent float64
	last  int64
}

// take charges one token if the bucket holds one, refilling it first at
// r.PerSecond for the time since it was last counted.
func (b *bucket) take(r Rate, now int64) bool {
	if elapsed := now - b.last; elapsed > 0 {
		b.spent = max(0, b.spent-float64(elapsed)*r.PerSecond/1e9)
		b.last = now
	}
	if b.spent+1 > float64(r.Burst) {
		return false
	}
	b.spent++
	return true
}

// bucketSet holds one bucket per budgeted frame type.
type bucketSet struct {
	mu sync.Mutex
	b  [len(budgetTypes)]bucket
}

// take charges one frame of slot i at rate r.
func (s *bucketSet) take(i int, r Rate, now int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b[i].take(r, now)
}

// slot returns the index of frame type t in a bucket set.
func slot(t string) int {
	for i, bt := range budgetTypes[:len(budgetTypes)-1] {
		if bt == t {
			return i
		}
	}
	return len(budgetTypes) - 1
}

// identityLimits is the budget an identity shares between its sockets on
// this node, kept while it has one.
type identityLimits struct {
	buckets  bucketSet
	sessions int
}

// rateLimitedFrames are the refusals of a frame without a client id, in
// each language, encoded once.
var rateLimitedFrames = func() map[string][]byte {
	out := map[string][]byte{}
	for _, lang := range i18n.Languages {
		out[lang], _ = json.Marshal(newRateLimited(lang, ""))
	}
	return out
}()

func newRateLimited(lang, clientMsgID string) ErrorFrame {
	return NewErrorFrame(clientMsgID, "rate_limited", i18n.Error(lang, "too many frames; slow down, or the connection is closed"))
}

// closeFlooding is the close frame of a socket that ran out of strikes.
var closeFlooding = websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "too many frames")

// Admit charges one frame of type typ (a client frame type, or FrameOther)
// to the session's budget and to its identity's. It reports whether the
// frame may be handled. A refused frame is answered with a rate_limited
// error frame (echoing clientMsgID), dropped instead when the sender is
// not reading its own answers; a session that keeps going is closed with
// 1008. Only the sender is ever refused or closed.
//
// Per-identity budgets are kept per node, not in Redis: a frame is the
// hottest path there is, and a Redis round trip for each would cost more
// than the frames it guards. An identity with sockets on several nodes
// gets a budget on each, a small multiple, and what reaches receivers is
// bounded anyway: ephemeral frames are dropped for a receiver that is
// behind, and sends have their own cross-node limit.
func (s *Session) Admit(typ, clientMsgID string) bool {
	st := s.state()
	i := slot(typ)
	st.hub.metrics.FrameIn(budgetTypes[i])
	if st.closing.Load() {
		return false
	}
	now := st.hub.clock()
	if st.buckets.take(i, st.budgets[i].Socket, now) && (st.shared == nil || st.shared.take(i, st.budgets[i].Identity, now)) {
		return true
	}
	st.buckets.mu.Lock()
	struck := st.strikes.take(strikes, now)
	st.buckets.mu.Unlock()
	if !struck {
		if st.closing.CompareAndSwap(false, true) {
			st.hub.log.Warn("closing flooding websocket sender", "session_id", st.id, "recipient", st.recipient, "frame_type", typ)
			st.hub.metrics.WSFloodClosed.Inc()
			closeSender(s, st)
		}
		return false
	}
	st.hub.metrics.WSRateLimited.Inc()
	lang := s.Language()
	payload := rateLimitedFrames[lang]
	if clientMsgID != "" || payload == nil {
		payload, _ = json.Marshal(newRateLimited(lang, clientMsgID))
	}
	st.hub.write(s.s, st, payload, true)
	return false
}

// closeSender closes a flooding session with 1008. It runs while the
// session's reader waits for it: what the client already sent is read and
// dropped first, so the close is not lost to the reset the kernel answers
// a close with when unread input remains; then the close frame is queued
// and the reader left waiting until the writer has sent it and closed the
// connection.
func closeSender(s *Session, st *state) {
	if st.conn != nil {
		_ = st.conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		_, _ = io.Copy(io.Discard, io.LimitReader(st.conn, 4<<20))
		_ = st.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	}
	_ = s.s.CloseWithMsg(closeFlooding)
}
