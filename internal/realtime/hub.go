package realtime

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/olahol/melody"

	"github.com/parley-chat/parley/internal/i18n"
	"github.com/parley-chat/parley/internal/metrics"
)

// Limits and timings of WebSocket sessions.
const (
	MaxFrameBytes   = 64 * 1024
	HeartbeatPeriod = 25 * time.Second
	pongWait        = 60 * time.Second
	// sendBuffer bounds each session's queue of outgoing frames; a client
	// that lets it fill is closed (see handleError) and resyncs. The queue
	// only holds what the writer has not yet handed to the kernel, so it
	// fills when the writer goroutine is not scheduled while frames pour
	// in: a user with hundreds of friends during a mass reconnect, an
	// agent during a widget storm on a loaded machine. Melody allocates the
	// whole queue up front, but at 8 bytes a frame 128 cost 1 KB.
	sendBuffer = 128
	// ephemeralRoom is how many frames may wait in a session's queue for an
	// ephemeral frame (typing, viewing, presence, a rate_limited answer) to
	// join them. Past it the receiver is behind and the frame is dropped:
	// it is stale by the time it would be read, and the rest of the queue
	// stays for the durable frames, whose loss alone closes a session.
	ephemeralRoom = sendBuffer / 2
	// Per-socket buffers are what idle sockets cost. Reading goes through
	// a small buffer of the session's own, big enough for a typical client
	// frame in one read (longer frames are read straight into the message);
	// writing goes through a buffer taken from a shared pool only while a
	// frame is written.
	readBufferSize  = 256
	writeBufferSize = 2048
)

// writeBuffers is shared by every session's writes.
var writeBuffers = &sync.Pool{}

// keyState is the one session key: everything Parley keeps per session
// sits in one struct behind it.
const keyState = "parley"

// state is what Parley keeps per session.
type state struct {
	id        string
	recipient string
	identity  any
	// conn is the hijacked network connection. It is set by the upgrade,
	// before melody creates the session, and never changes.
	conn net.Conn
	// upgraded tells Serve that the upgrade is done (nil) or failed; it is
	// used once, then dropped.
	upgraded chan error

	hub *Hub
	// pending counts the frames queued for the session and not yet
	// written: melody does not tell the length of its queue.
	pending atomic.Int32
	// budgets are the frame budgets of the hub when the session opened;
	// buckets is what the session spent of them and shared what its
	// identity spent on this node (set once the session is registered);
	// strikes (guarded by buckets.mu) is its tolerance of refused frames;
	// closing is set once it is being closed for flooding.
	budgets *budgetTable
	buckets bucketSet
	shared  *bucketSet
	strikes bucket
	closing atomic.Bool
	// ctx ends when the socket closes or the hub does; frame work runs
	// under it.
	ctx    context.Context
	cancel context.CancelFunc
	// busy is held while a frame of the session is handled; shuttingDown says
	// the close frame is queued, so frames read after it are dropped.
	busy         sync.Mutex
	shuttingDown bool
	// handler, when set, takes the session's events instead of the hub's
	// callbacks: a socket speaking another protocol (Pusher's).
	handler Handler
	// joined are the keys the session joined besides its recipient
	// (guarded by the hub's mu).
	joined map[string]struct{}
	// lang is the language of the session's error frames (see
	// SetLanguage).
	lang atomic.Pointer[string]
}

// Hub owns the WebSocket sessions of this node and the index from
// recipient key (e.g. "u:42") to its sessions.
type Hub struct {
	m       *melody.Melody
	broker  Broker
	log     *slog.Logger
	metrics *metrics.Metrics

	mu         sync.RWMutex
	sessions   map[string]map[*melody.Session]*state // value: nil until hello is sent
	nextID     uint64
	subscribed map[string]bool // recipients the broker knows this node holds
	budgets    *budgetTable
	// epoch starts the clock frame budgets are counted on.
	epoch time.Time
	// identities holds the budget each identity with a session here shares
	// between its sessions.
	identities map[string]*identityLimits

	// subLocks orders the broker subscription changes of one recipient.
	subLocks [64]sync.Mutex

	onConnect    func(s *Session)
	onDisconnect func(s *Session)
	onMessage    func(s *Session, data []byte)

	// ctx ends when the hub closes; every session's context derives from it.
	ctx    context.Context
	cancel context.CancelFunc
}

// Session is one client connection as the rest of Parley sees it.
type Session struct{ s *melody.Session }

// state is what Serve attached to the session.
//
// Melody's Keys map is filled before the session starts and never written
// again (Parley never calls Set), so it is read here without melody's lock,
// which every frame written would otherwise take.
func (s *Session) state() *state { st, _ := s.s.Keys[keyState].(*state); return st }

// ID is the session's id on this node.
func (s *Session) ID() string { return s.state().id }

// Recipient is the key frames for this session are published to.
func (s *Session) Recipient() string { return s.state().recipient }

// Identity is what the caller attached when the session opened.
func (s *Session) Identity() any { return s.state().identity }

// Context ends when the socket closes or the server shuts down: work done
// for a frame of this session runs under it.
func (s *Session) Context() context.Context { return s.state().ctx }

// SetLanguage sets the language the hub writes its own error frames to
// this session in (rate_limited, binary frames): the caller decides it
// when the session opens and again whenever it answers an error, so a
// change of the user's setting takes effect with their next error.
func (s *Session) SetLanguage(lang string) { s.state().lang.Store(&lang) }

// Language is the language SetLanguage set, else English.
func (s *Session) Language() string {
	if l := s.state().lang.Load(); l != nil {
		return *l
	}
	return i18n.EN
}

// Send writes one frame to this session. A full buffer closes the session.
func (s *Session) Send(frame any) {
	b, err := json.Marshal(frame)
	if err != nil {
		return
	}
	st := s.state()
	st.hub.write(s.s, st, b, isEphemeral(frame))
}

// NewHub builds the hub; it takes delivery from broker.
func NewHub(broker Broker, log *slog.Logger, m *metrics.Metrics) *Hub {
	mel := melody.New()
	mel.Config.MaxMessageSize = MaxFrameBytes
	mel.Config.MessageBufferSize = sendBuffer
	mel.Config.PingPeriod = HeartbeatPeriod
	mel.Config.PongWait = pongWait
	mel.Config.WriteWait = 10 * time.Second
	mel.Upgrader.ReadBufferSize = readBufferSize
	mel.Upgrader.WriteBufferSize = writeBufferSize
	mel.Upgrader.WriteBufferPool = writeBuffers
	h := &Hub{m: mel, broker: broker, log: log, metrics: m, sessions: map[string]map[*melody.Session]*state{},
		budgets: newBudgetTable(DefaultBudgets(DefaultSendsPerSecond)), epoch: time.Now(), identities: map[string]*identityLimits{}, subscribed: map[string]bool{}}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	mel.HandleConnect(h.connected)
	mel.HandleDisconnect(h.disconnected)
	mel.HandleMessage(h.message)
	mel.HandleMessageBinary(func(s *melody.Session, b []byte) {
		if (&Session{s}).state().handler != nil {
			h.message(s, b)
			return
		}
		h.aside(func() {
			if sess := (&Session{s}); sess.Admit(FrameOther, "") {
				sess.Send(NewErrorFrame("", "bad_json", i18n.Error(sess.Language(), "frames are JSON text, not binary")))
			}
		})
	})
	mel.HandleSentMessage(func(s *melody.Session, _ []byte) {
		if st := (&Session{s}).state(); st != nil {
			st.pending.Add(-1)
		}
	})
	mel.HandleError(h.handleError)
	return h
}

// OnConnect, OnDisconnect and OnMessage set the session callbacks; call
// them before serving.
func (h *Hub) OnConnect(f func(*Session))         { h.onConnect = f }
func (h *Hub) OnDisconnect(f func(*Session))      { h.onDisconnect = f }
func (h *Hub) OnMessage(f func(*Session, []byte)) { h.onMessage = f }

// DefaultSendsPerSecond is the send frames a socket may send a second
// unless SetBudgets says otherwise.
const DefaultSendsPerSecond = 50

// SetBudgets sets the frame budgets of sessions opened from now on; call it
// before serving.
func (h *Hub) SetBudgets(b Budgets) { h.budgets = newBudgetTable(b) }

// clock reads the monotonic clock frame budgets are counted on, in
// nanoseconds.
func (h *Hub) clock() int64 { return int64(time.Since(h.epoch)) }

// Start connects the hub to its broker.
func (h *Hub) Start(ctx context.Context) error {
	return h.broker.Start(ctx, Receiver{Deliver: h.deliverLocal, Lost: h.resync})
}

// SetCheckOrigin sets the Origin check of the upgrade.
func (h *Hub) SetCheckOrigin(f func(r *http.Request) bool) { h.m.Upgrader.CheckOrigin = f }

// Serve upgrades the request to a WebSocket session published to as
// recipient and carrying identity.
//
// The session runs on a goroutine of its own and Serve returns once the
// upgrade is done. Melody reads a session in the goroutine that calls it,
// until the socket closes; were that the HTTP handler, each idle socket
// would keep alive the handler's deep stack and everything net/http and
// echo hold for a request (buffers, request, echo context) for its whole
// life.
func (h *Hub) Serve(w http.ResponseWriter, r *http.Request, recipient string, identity any) error {
	return h.ServeWith(w, r, "", recipient, identity, nil)
}

// ServeWith is Serve for a session whose events go to handler instead of
// the hub's callbacks, with id as its session id ("" picks one). Frames
// published to it are written as they are: the hub assumes nothing of
// their format.
func (h *Hub) ServeWith(w http.ResponseWriter, r *http.Request, id, recipient string, identity any, handler Handler) error {
	h.mu.Lock()
	h.nextID++
	if id == "" {
		id = strconv.FormatUint(h.nextID, 36) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	}
	h.mu.Unlock()
	upgraded := make(chan error, 1)
	st := &state{id: id, recipient: recipient, identity: identity, upgraded: upgraded, hub: h, handler: handler,
		budgets: h.budgets}
	st.ctx, st.cancel = context.WithCancel(h.ctx)
	go h.run(&hijackRecorder{ResponseWriter: w, state: st}, r, st)
	return <-upgraded
}

// errPanicked is what Serve returns when the session panicked before its
// upgrade was done.
var errPanicked = errors.New("websocket session panicked")

// run is the session's goroutine: melody upgrades the connection, then reads
// the session here until it closes. w and r are used only until the
// upgrade is done.
func (h *Hub) run(w http.ResponseWriter, r *http.Request, st *state) {
	err := errPanicked
	defer func() {
		h.recoverPanic()
		if st.upgraded != nil { // the upgrade failed (and answered the request)
			st.upgraded <- err
		}
	}()
	err = h.m.HandleRequestWithKeys(w, r, map[string]any{keyState: st})
	st.cancel()
}

// message handles one frame on the session's reading goroutine, so the
// frames of a session are handled one at a time, in order.
func (h *Hub) message(s *melody.Session, b []byte) {
	st := (&Session{s}).state()
	onMessage := h.onMessage
	if st.handler != nil {
		onMessage = st.handler.Message
	}
	if onMessage == nil {
		return
	}
	st.busy.Lock()
	defer st.busy.Unlock()
	if st.shuttingDown {
		return // the close frame is out: an answer could not follow it
	}
	h.aside(func() { onMessage(&Session{s}, b) })
}

// aside runs f on a short-lived goroutine and waits for it. A session's
// reading goroutine lives as long as its socket, and the work of a connect
// or a frame (database and Redis calls) needs a deep stack. Grown there,
// that stack would stay with the idle socket: the runtime halves a stack at
// a collection only while less than a quarter of it is in use, and an idle
// reading goroutine uses about 1.3 KB (melody, gorilla and the network
// poller) plus the runtime's 0.8 KB margin, so it never gets back below
// 8 KB. Kept off it, that goroutine stays at 4 KB.
func (h *Hub) aside(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer h.recoverPanic()
		f()
	}()
	<-done
}

// recoverPanic logs a panic of a session instead of letting it take the
// server down: sessions run outside the HTTP server's recovery middleware.
// Use it deferred.
func (h *Hub) recoverPanic() {
	if v := recover(); v != nil {
		h.log.Error("websocket session panicked", "panic", v, "stack", string(debug.Stack()))
	}
}

// connected runs once melody has upgraded the connection, on the session's
// reading goroutine, before reading starts.
func (h *Hub) connected(s *melody.Session) {
	st := (&Session{s}).state()
	// The HTTP handler may return now, and the request need not be kept:
	// nothing reads it after the upgrade.
	st.upgraded <- nil
	st.upgraded = nil
	s.Request = nil
	h.aside(func() { h.connect(s, st.recipient) })
}

func (h *Hub) connect(s *melody.Session, r string) {
	h.mu.Lock()
	set := h.sessions[r]
	first := set == nil
	if first {
		set = map[*melody.Session]*state{}
		h.sessions[r] = set
	}
	set[s] = nil // counted at once, delivered to once hello is out
	idl := h.identities[r]
	if idl == nil {
		idl = &identityLimits{}
		h.identities[r] = idl
	}
	idl.sessions++
	(&Session{s}).state().shared = &idl.buckets
	h.mu.Unlock()
	h.syncSubscription(r)
	h.metrics.WSSessions.Inc()
	if st := (&Session{s}).state(); st.handler != nil {
		st.handler.Connected(&Session{s})
	} else if h.onConnect != nil {
		h.onConnect(&Session{s})
	}
	// hello is the first frame: only now may published frames follow it.
	// Anything published meanwhile is in the history the client fetches
	// after hello.
	h.mu.Lock()
	if _, ok := h.sessions[r][s]; ok {
		h.sessions[r][s] = (&Session{s}).state()
	}
	h.mu.Unlock()
}

func (h *Hub) disconnected(s *melody.Session) {
	st := (&Session{s}).state()
	st.cancel()
	r := st.recipient
	h.mu.Lock()
	if set := h.sessions[r]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(h.sessions, r)
		}
	}
	joined := st.joined
	st.joined = nil
	for k := range joined {
		h.removeLocked(s, k)
	}
	if idl := h.identities[r]; idl != nil {
		if idl.sessions--; idl.sessions <= 0 {
			delete(h.identities, r)
		}
	}
	h.mu.Unlock()
	h.syncSubscription(r)
	for k := range joined {
		h.syncSubscription(k)
	}
	if st.handler != nil {
		st.handler.Disconnected(&Session{s})
	} else if h.onDisconnect != nil {
		h.onDisconnect(&Session{s})
	}
	// Counted until its close is handled, so that the gauge at rest says
	// every close has had its effects (presence, agent connectivity).
	h.metrics.WSSessions.Dec()
}

// syncSubscription brings the broker in line with this node's sessions of
// r: subscribed while there is one, not after the last. The changes of one
// recipient are made one at a time, each after reading the sessions anew,
// so a quick close-and-reopen can't end with the unsubscribe of the old
// session landing after the subscribe of the new one (the node would hold
// a session that other nodes neither reach nor count).
func (h *Hub) syncSubscription(r string) {
	mu := &h.subLocks[fnv32(r)%uint32(len(h.subLocks))]
	mu.Lock()
	defer mu.Unlock()
	h.mu.RLock()
	want, have := len(h.sessions[r]) > 0, h.subscribed[r]
	h.mu.RUnlock()
	if want == have {
		return
	}
	// The broker keeps what it was told even when Redis is down (and
	// re-asserts it on its heartbeat), so the change counts as made.
	if want {
		h.brokerCall(func(ctx context.Context) error { return h.broker.Subscribe(ctx, r) })
	} else {
		h.brokerCall(func(ctx context.Context) error { return h.broker.Unsubscribe(ctx, r) })
	}
	h.mu.Lock()
	if want {
		h.subscribed[r] = true
	} else {
		delete(h.subscribed, r)
	}
	h.mu.Unlock()
}

func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

// handleError closes a session whose outgoing buffer is full: the client
// resyncs when it reconnects, and nobody else waits for it. Closing through
// melody would queue the close frame on the full buffer, so the network
// connection itself is closed.
func (h *Hub) handleError(s *melody.Session, err error) {
	if errors.Is(err, websocket.ErrReadLimit) {
		drainOversize(s)
		return
	}
	if !errors.Is(err, melody.ErrMessageBufferFull) {
		return
	}
	h.metrics.WSSlowClosed.Inc()
	h.log.Warn("closing slow websocket consumer", "session_id", (&Session{s}).ID(), "recipient", (&Session{s}).Recipient())
	if c := (&Session{s}).state().conn; c != nil {
		c.Close()
	}
}

// brokerCall runs a subscription change with a time limit; a failure is
// logged (Redis may be down: local delivery goes on, and go-redis
// re-subscribes when it comes back).
func (h *Hub) brokerCall(f func(ctx context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := f(ctx); err != nil {
		h.log.Warn("broker subscription change failed", "err", err)
	}
}

// Ephemeral is implemented by frames that tell a passing state (typing,
// viewing, presence): a receiver that is behind may miss them, and the
// next change or a resync tells the truth again.
type Ephemeral interface {
	// Ephemeral reports whether the frame may be dropped for a slow receiver.
	Ephemeral() bool
}

func isEphemeral(frame any) bool {
	e, ok := frame.(Ephemeral)
	return ok && e.Ephemeral()
}

// ephemeralMarker starts a broker payload whose frame is ephemeral, so that
// the receiving node drops it for a session that is behind as this one
// does. Frames are JSON objects, so they never start with a NUL byte.
var ephemeralMarker = []byte("\x00eph\x00")

// Publish sends frame to every session of each recipient key: this node's
// at once, other nodes' through the broker. The frame is encoded once.
// A frame that is Ephemeral is dropped for a session that is behind;
// any other fills its queue, and a full queue closes the session.
func (h *Hub) Publish(ctx context.Context, recipients []string, frame any) error {
	b, err := json.Marshal(frame)
	if err != nil {
		return err
	}
	ephemeral := isEphemeral(frame)
	h.deliverMany(recipients, b, ephemeral)
	if ephemeral {
		b = append(append(make([]byte, 0, len(ephemeralMarker)+len(b)), ephemeralMarker...), b...)
	}
	if err := h.broker.PublishMany(ctx, recipients, b); err != nil {
		h.metrics.PublishFailures.Inc()
		return err
	}
	return nil
}

// deliverLocal hands a payload from another node to this node's sessions.
func (h *Hub) deliverLocal(recipient string, payload []byte) {
	if len(payload) > 0 && payload[0] == 0 {
		if h.closeControl(recipient, payload) {
			return
		}
		if bytes.HasPrefix(payload, ephemeralMarker) {
			h.deliver(recipient, payload[len(ephemeralMarker):], true)
			return
		}
		if rest, ok := bytes.CutPrefix(payload, exceptMarker); ok {
			if except, frame, ok := bytes.Cut(rest, []byte{0}); ok {
				h.deliverExcept(recipient, frame, string(except))
			}
			return
		}
	}
	h.deliver(recipient, payload, false)
}

// target is a session delivered to, with its state.
type target struct {
	s  *melody.Session
	st *state
}

// deliver queues payload for every ready session of recipient on this node.
func (h *Hub) deliver(recipient string, payload []byte, ephemeral bool) {
	h.deliverTo(recipient, payload, ephemeral, "")
}

// deliverExcept queues a durable payload for every ready session of
// recipient on this node but the one with id except.
func (h *Hub) deliverExcept(recipient string, payload []byte, except string) {
	h.deliverTo(recipient, payload, false, except)
}

// deliverMany queues payload for every ready session of each recipient on
// this node.
func (h *Hub) deliverMany(recipients []string, payload []byte, ephemeral bool) {
	for _, t := range h.targets(recipients, "") {
		h.write(t.s, t.st, payload, ephemeral)
	}
}

func (h *Hub) deliverTo(recipient string, payload []byte, ephemeral bool, except string) {
	for _, t := range h.targets([]string{recipient}, except) {
		h.write(t.s, t.st, payload, ephemeral)
	}
}

// targets lists the ready sessions of recipients on this node but the one
// with id except, under one read lock and into one slice: a big group's
// members cost neither a lock nor a slice each.
func (h *Hub) targets(recipients []string, except string) []target {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]target, 0, len(recipients))
	for _, r := range recipients {
		for s, st := range h.sessions[r] {
			if st != nil && (except == "" || st.id != except) {
				out = append(out, target{s, st})
			}
		}
	}
	return out
}

// write queues payload for a session. An ephemeral frame is dropped when
// the session's queue is more than half full: only durable frames fill
// it, so a session is closed as a slow consumer only for failing to read
// what it must not miss.
func (h *Hub) write(s *melody.Session, st *state, payload []byte, ephemeral bool) {
	if ephemeral && st.pending.Load() >= ephemeralRoom {
		h.metrics.WSEphemeralDropped.Inc()
		return
	}
	// Counted before the write: once queued, the frame may reach the
	// client before Write returns.
	h.metrics.FrameOut(frameType(payload))
	st.pending.Add(1)
	if s.Write(payload) != nil {
		st.pending.Add(-1)
	}
}

// typePrefix starts every frame Parley sends: each frame struct has Type
// as its first field.
var typePrefix = []byte(`{"type":"`)

// frameType reads the type of an outgoing frame without decoding it.
func frameType(payload []byte) []byte {
	rest, ok := bytes.CutPrefix(payload, typePrefix)
	if !ok {
		return nil
	}
	typ, _, _ := bytes.Cut(rest, []byte{'"'})
	return typ
}

// Sessions counts the sessions of recipient on this node, or answers 1
// when there are none here but another live node holds one.
func (h *Hub) Sessions(recipient string) int {
	if n := h.LocalSessions(recipient); n > 0 {
		return n
	}
	if h.broker.Elsewhere(context.Background(), recipient) {
		return 1
	}
	return 0
}

// count is the number of sessions in the index (a session that joined
// keys is counted once).
func (h *Hub) count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	seen := map[*melody.Session]bool{}
	for _, set := range h.sessions {
		for s := range set {
			seen[s] = true
		}
	}
	return len(seen)
}

// LocalSessions counts the sessions of recipient on this node.
func (h *Hub) LocalSessions(recipient string) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.sessions[recipient])
}

// Close closes every session with 1012 (service restart), so that clients
// reconnect, possibly to another node, and stops the broker. A frame being
// handled is answered first: its session's close frame follows the
// answer. Frames read after that are dropped unhandled (the client, told
// to reconnect, resends what got no answer). When ctx ends first, the
// frames still being handled have their contexts ended.
func (h *Hub) Close(ctx context.Context) {
	stop := context.AfterFunc(ctx, h.cancel)
	defer stop()
	msg := websocket.FormatCloseMessage(websocket.CloseServiceRestart, "server restarting")
	h.closeAll(msg)
	h.cancel()
	// Let those sessions end before melody's hub stops: one that ends just
	// as the hub stops waits for it forever and never reports its close.
	for h.count() > 0 && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	// Sessions still opening are not in the index yet.
	_ = h.m.CloseWithMsg(msg)
	_ = h.broker.Close()
}

// resync closes every session with 1012 when the broker may have missed
// frames published by other nodes (its subscription was lost, for a Redis
// restart or a failover, and has come back): clients reconnect at once and
// catch up by history, as after a restart, instead of waiting unaware for
// frames that will never come.
func (h *Hub) resync() {
	h.log.Warn("live delivery from other nodes was interrupted; closing sockets so that clients catch up")
	h.metrics.WSResyncClosed.Add(float64(h.closeAll(websocket.FormatCloseMessage(websocket.CloseServiceRestart, "missed live frames; reconnect"))))
}

// closeAll closes every session with msg once the frame it is handling is
// answered, and counts them.
func (h *Hub) closeAll(msg []byte) int {
	h.mu.RLock()
	var all []*melody.Session
	seen := map[*melody.Session]bool{}
	for _, set := range h.sessions {
		for s := range set {
			if !seen[s] {
				seen[s] = true
				all = append(all, s)
			}
		}
	}
	h.mu.RUnlock()
	for _, s := range all {
		st := (&Session{s}).state()
		st.busy.Lock()
		st.shuttingDown = true
		st.busy.Unlock()
		_ = s.CloseWithMsg(msg)
	}
	return len(all)
}

// hijackRecorder records the connection the WebSocket upgrade takes over,
// because melody does not expose it.
type hijackRecorder struct {
	http.ResponseWriter
	state *state
}

func (w *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("websocket: response does not support hijacking")
	}
	c, rw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	c = coarseDeadlines(c)
	w.state.conn = c
	return c, rw, nil
}

// drainOversize reads and drops what is left of an oversize frame before
// melody closes the connection. Closing a socket with unread input makes
// the kernel answer with a reset, which can destroy the 1009 close frame
// already on its way; once the input is drained, the close is clean.
func drainOversize(s *melody.Session) {
	c := (&Session{s}).state().conn
	if c == nil {
		return
	}
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	_, _ = io.Copy(io.Discard, io.LimitReader(c, 4<<20))
}
