package pusher

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/parley-chat/parley/internal/realtime"
)

// ActivityTimeout is the seconds of silence after which a client pings
// (told in pusher:connection_established).
const ActivityTimeout = 120

// Protocol error codes (pusher:error and close codes).
const (
	CodeAppNotFound      = 4001
	CodeUnsupportedProto = 4007
	CodeNoProtocol       = 4008
	CodeUnauthorized     = 4009
	CodeOverCapacity     = 4100
	CodeReconnect        = 4200
	// CodeRefused answers a frame refused for what it is (malformed, an
	// unknown event, a client event where none may go); the protocol's
	// 4300–4399 are the errors that close nothing.
	CodeRefused = 4300
	// CodeRateLimited answers a frame over the socket's rate, as Pusher's
	// 4301 "client event rejected due to rate limit".
	CodeRateLimited = 4301
)

// Every frame a socket sends counts against this budget (client events
// have their own, tighter one): far above what the SDKs send, it bounds
// what one socket can make the server do. Frames over it get pusher:error
// 4301 and go no further.
const (
	framesPerSecond = 50
	framesBurst     = 200
)

// conn is what a Pusher socket keeps: its app, its channels, and who it
// signed in as. Frames of a socket are handled one at a time; mu guards
// against the HTTP API reading it meanwhile.
type conn struct {
	app      *App
	socketID string
	refusal  *closeReason // set when the socket is refused at connect

	mu       sync.Mutex
	channels map[string]*subscription
	userID   string

	clientEvents *rate.Limiter
	frames       *rate.Limiter
}

type subscription struct {
	member string // user id on a presence channel
}

type closeReason struct {
	code    int
	message string
}

// frame is a Pusher frame, in or out.
type frame struct {
	Event   string          `json:"event"`
	Channel string          `json:"channel,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
	UserID  string          `json:"user_id,omitempty"`
}

func encode(f frame) []byte { b, _ := json.Marshal(f); return b }

func jsonString(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	s, _ := json.Marshal(string(b))
	return s
}

func errorFrame(code int, msg, channel string) []byte {
	data, _ := json.Marshal(map[string]any{"code": code, "message": msg})
	return encode(frame{Event: "pusher:error", Channel: channel, Data: data})
}

// Serve upgrades a request to /app/{key} into a Pusher socket. A refused
// socket (unknown key, wrong protocol, origin not allowed) is upgraded
// too, told why in pusher:error and closed with the code, as Pusher does,
// so that clients stop or back off instead of retrying blindly.
func (s *Service) Serve(w http.ResponseWriter, r *http.Request, key string) error {
	c := &conn{socketID: newSocketID(), channels: map[string]*subscription{},
		clientEvents: rate.NewLimiter(rate.Limit(s.cfg.ClientEventsPerSecond), s.cfg.ClientEventsPerSecond),
		frames:       rate.NewLimiter(framesPerSecond, framesBurst)}
	recipient := "pusher:-"
	app, err := s.AppByKey(r.Context(), key)
	switch {
	case err != nil:
		c.refusal = &closeReason{CodeReconnect, "the server could not look up the app; reconnect shortly"}
	case app == nil:
		c.refusal = &closeReason{CodeAppNotFound, "App key " + key + " does not exist"}
	case r.URL.Query().Get("protocol") == "":
		c.refusal = &closeReason{CodeNoProtocol, "no protocol version supplied"}
	case r.URL.Query().Get("protocol") != "7":
		c.refusal = &closeReason{CodeUnsupportedProto, "unsupported protocol version: this server speaks protocol 7"}
	case !app.OriginAllowed(r.Header.Get("Origin")):
		c.refusal = &closeReason{CodeUnauthorized, "origin not allowed for this app"}
	default:
		c.app = app
		recipient = appKey(app.ID)
	}
	return s.hub.ServeWith(w, r, c.socketID, recipient, c, s)
}

func connOf(sess *realtime.Session) *conn { c, _ := sess.Identity().(*conn); return c }

// Connected greets a socket, or tells it why it is refused and closes it.
func (s *Service) Connected(sess *realtime.Session) {
	c := connOf(sess)
	if c.refusal != nil {
		sess.Write(errorFrame(c.refusal.code, c.refusal.message, ""))
		sess.CloseWith(websocket.FormatCloseMessage(c.refusal.code, c.refusal.message))
		return
	}
	s.metrics.PusherConnections.Inc()
	sess.Write(encode(frame{Event: "pusher:connection_established",
		Data: jsonString(map[string]any{"socket_id": c.socketID, "activity_timeout": ActivityTimeout})}))
}

// Disconnected leaves every channel of the socket.
func (s *Service) Disconnected(sess *realtime.Session) {
	c := connOf(sess)
	if c.app == nil {
		return
	}
	s.metrics.PusherConnections.Dec()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.mu.Lock()
	names := make([]string, 0, len(c.channels))
	for ch := range c.channels {
		names = append(names, ch)
	}
	c.mu.Unlock()
	for _, ch := range names {
		s.unsubscribe(ctx, sess, c, ch)
	}
}

// inFrame is a client frame; data is an object (or, from some clients, a
// JSON string holding one).
type inFrame struct {
	Event   string          `json:"event"`
	Channel string          `json:"channel"`
	Data    json.RawMessage `json:"data"`
}

type subscribeData struct {
	Channel     string `json:"channel"`
	Auth        string `json:"auth"`
	ChannelData string `json:"channel_data"`
}

type signinData struct {
	Auth     string `json:"auth"`
	UserData string `json:"user_data"`
}

// object decodes data into v, accepting an object or a string holding one.
func object(data json.RawMessage, v any) error {
	var str string
	if json.Unmarshal(data, &str) == nil {
		data = json.RawMessage(str)
	}
	return json.Unmarshal(data, v)
}

// Message handles one client frame. Bad input is answered with pusher:error
// and the socket stays open.
func (s *Service) Message(sess *realtime.Session, b []byte) {
	c := connOf(sess)
	if c.app == nil {
		return
	}
	if !c.frames.Allow() {
		sess.Write(errorFrame(CodeRateLimited, "too many messages; slow down", ""))
		return
	}
	var f inFrame
	if err := json.Unmarshal(b, &f); err != nil || f.Event == "" {
		sess.Write(errorFrame(CodeRefused, "frames are JSON objects with an event", ""))
		return
	}
	s.metrics.PusherEventIn(c.app.ID)
	ctx, cancel := context.WithTimeout(sess.Context(), 10*time.Second)
	defer cancel()
	switch {
	case f.Event == "pusher:ping":
		sess.Write(encode(frame{Event: "pusher:pong", Data: json.RawMessage("{}")}))
	case f.Event == "pusher:pong":
	case f.Event == "pusher:subscribe":
		var d subscribeData
		if err := object(f.Data, &d); err != nil {
			sess.Write(errorFrame(CodeRefused, "pusher:subscribe takes data {channel, auth, channel_data}", ""))
			return
		}
		s.subscribe(ctx, sess, c, d)
	case f.Event == "pusher:unsubscribe":
		var d subscribeData
		if err := object(f.Data, &d); err != nil || d.Channel == "" {
			sess.Write(errorFrame(CodeRefused, "pusher:unsubscribe takes data {channel}", ""))
			return
		}
		s.unsubscribe(ctx, sess, c, d.Channel)
	case f.Event == "pusher:signin":
		var d signinData
		if err := object(f.Data, &d); err != nil {
			sess.Write(errorFrame(CodeUnauthorized, "pusher:signin takes data {auth, user_data}", ""))
			return
		}
		s.signin(sess, c, d)
	case strings.HasPrefix(f.Event, "client-"):
		s.clientEvent(ctx, sess, c, f)
	default:
		sess.Write(errorFrame(CodeRefused, "unknown event "+strconv.Quote(truncate(f.Event, 64))+"; clients send pusher:* events or client-* events", f.Channel))
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// subscriptionError tells a client its subscription failed, as Pusher
// does: pusher:subscription_error on the channel (what the SDKs bind to),
// then pusher:error with the protocol code.
func subscriptionError(sess *realtime.Session, ch string, status, code int, typ, msg string) {
	data, _ := json.Marshal(map[string]any{"type": typ, "error": msg, "status": status})
	sess.Write(encode(frame{Event: "pusher:subscription_error", Channel: ch, Data: data}))
	sess.Write(errorFrame(code, msg, ch))
}

// presenceMember is the channel_data of a presence subscription.
type presenceMember struct {
	UserID   json.RawMessage `json:"user_id"`
	UserInfo json.RawMessage `json:"user_info"`
}

// idString reads a user id given as a JSON string or number.
func idString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// maxMembers is the largest presence channel, as on Pusher.
const maxMembers = 100

func (s *Service) subscribe(ctx context.Context, sess *realtime.Session, c *conn, d subscribeData) {
	ch := d.Channel
	if !ValidChannel(ch) {
		subscriptionError(sess, ch, 400, CodeRefused, "InvalidChannel",
			"channel names are 1 to 200 characters of A-Z a-z 0-9 _ - = @ , . ;")
		return
	}
	c.mu.Lock()
	_, already := c.channels[ch]
	signedIn := c.userID
	c.mu.Unlock()
	if already {
		sess.Write(encode(frame{Event: "pusher_internal:subscription_succeeded", Channel: ch, Data: jsonString(map[string]any{})}))
		return
	}
	kind := KindOf(ch)
	if kind == ServerToUser && (signedIn == "" || ch != serverToUserPrefix+signedIn) {
		subscriptionError(sess, ch, 401, CodeUnauthorized, "AuthError", "only the user signed in on this socket may subscribe to "+ch)
		return
	}
	var member presenceMember
	if kind.Authenticated() {
		if !s.authOK(c, d.Auth, func(key, secret string) string { return ChannelAuth(key, secret, c.socketID, ch, d.ChannelData) }) {
			subscriptionError(sess, ch, 401, CodeUnauthorized, "AuthError", "invalid auth signature for "+ch)
			return
		}
	}
	if kind == Presence {
		if err := json.Unmarshal([]byte(d.ChannelData), &member); err != nil || idString(member.UserID) == "" {
			subscriptionError(sess, ch, 400, CodeUnauthorized, "InvalidChannelData", "presence channel_data must be a JSON object with user_id")
			return
		}
		if n, err := s.reg.userCount(ctx, c.app.ID, ch); err == nil && n >= maxMembers {
			subscriptionError(sess, ch, 400, CodeOverCapacity, "LimitReached", "a presence channel has at most 100 members")
			return
		}
	}
	sub := &subscription{}
	c.mu.Lock()
	c.channels[ch] = sub
	c.mu.Unlock()
	s.hub.Join(sess, channelKey(c.app.ID, ch))
	s.metrics.PusherSubscriptions.Inc()
	if first, err := s.reg.subscribe(ctx, c.app.ID, ch); err != nil {
		s.log.Warn("pusher subscription not recorded", "err", err)
	} else if first {
		s.hookApp(ctx, c.app, HookEvent{Name: "channel_occupied", Channel: ch})
	}
	if kind != Presence {
		sess.Write(encode(frame{Event: "pusher_internal:subscription_succeeded", Channel: ch, Data: jsonString(map[string]any{})}))
		return
	}
	uid := idString(member.UserID)
	sub.member = uid
	first, err := s.reg.addMember(ctx, c.app.ID, ch, c.socketID, uid, member.UserInfo)
	if err != nil {
		s.log.Warn("pusher member not recorded", "err", err)
	}
	members, err := s.reg.members(ctx, c.app.ID, ch)
	if err != nil {
		s.log.Warn("pusher members not read", "err", err)
	}
	ids := make([]string, 0, len(members))
	hash := make(map[string]json.RawMessage, len(members))
	for _, m := range members {
		ids = append(ids, m.ID)
		hash[m.ID] = m.Info
	}
	sess.Write(encode(frame{Event: "pusher_internal:subscription_succeeded", Channel: ch,
		Data: jsonString(map[string]any{"presence": map[string]any{"ids": ids, "hash": hash, "count": len(ids)}})}))
	if first {
		info := member.UserInfo
		if len(info) == 0 {
			info = json.RawMessage("null")
		}
		s.publish(ctx, c.app.ID, ch, encode(frame{Event: "pusher_internal:member_added", Channel: ch,
			Data: jsonString(map[string]any{"user_id": uid, "user_info": info})}), c.socketID)
		s.hookApp(ctx, c.app, HookEvent{Name: "member_added", Channel: ch, UserID: uid})
	}
}

// authOK checks an auth "key:signature" against the app's key and
// current (or previous) secret.
func (s *Service) authOK(c *conn, auth string, sign func(key, secret string) string) bool {
	key, _, ok := strings.Cut(auth, ":")
	if !ok || key != c.app.Key {
		return false
	}
	for _, secret := range c.app.Secrets(s.now()) {
		if equal(auth, sign(c.app.Key, secret)) {
			return true
		}
	}
	return false
}

func (s *Service) unsubscribe(ctx context.Context, sess *realtime.Session, c *conn, ch string) {
	c.mu.Lock()
	sub, ok := c.channels[ch]
	delete(c.channels, ch)
	c.mu.Unlock()
	if !ok {
		return
	}
	s.hub.Leave(sess, channelKey(c.app.ID, ch))
	s.metrics.PusherSubscriptions.Dec()
	if sub.member != "" {
		if uid, last, err := s.reg.removeMember(ctx, c.app.ID, ch, s.reg.node+"|"+c.socketID); err != nil {
			s.log.Warn("pusher member not removed", "err", err)
		} else if last {
			s.memberRemoved(ctx, c.app.ID, ch, uid)
		}
	}
	if last, err := s.reg.unsubscribe(ctx, c.app.ID, ch); err != nil {
		s.log.Warn("pusher unsubscription not recorded", "err", err)
	} else if last {
		s.hookApp(ctx, c.app, HookEvent{Name: "channel_vacated", Channel: ch})
	}
}

// memberRemoved tells a presence channel, and the webhooks, that a member
// left.
func (s *Service) memberRemoved(ctx context.Context, appID, ch, uid string) {
	s.publish(ctx, appID, ch, encode(frame{Event: "pusher_internal:member_removed", Channel: ch,
		Data: jsonString(map[string]any{"user_id": uid})}), "")
	s.hook(ctx, appID, HookEvent{Name: "member_removed", Channel: ch, UserID: uid})
}

// publish sends a frame to a channel's sockets on every node but except.
func (s *Service) publish(ctx context.Context, appID, ch string, payload []byte, except string) {
	if err := s.hub.PublishRaw(ctx, []string{channelKey(appID, ch)}, payload, except); err != nil {
		s.log.Warn("pusher publish failed", "err", err)
	}
	s.metrics.PusherEventOut(appID)
}

type userData struct {
	ID json.RawMessage `json:"id"`
}

func (s *Service) signin(sess *realtime.Session, c *conn, d signinData) {
	var u userData
	if err := json.Unmarshal([]byte(d.UserData), &u); err != nil || idString(u.ID) == "" {
		sess.Write(errorFrame(CodeUnauthorized, "user_data must be a JSON object with an id", ""))
		return
	}
	if !s.authOK(c, d.Auth, func(key, secret string) string { return UserAuth(key, secret, c.socketID, d.UserData) }) {
		sess.Write(errorFrame(CodeUnauthorized, "invalid signin auth signature", ""))
		return
	}
	uid := idString(u.ID)
	c.mu.Lock()
	prev := c.userID
	c.userID = uid
	c.mu.Unlock()
	if prev != "" && prev != uid {
		s.hub.Leave(sess, userKey(c.app.ID, prev))
	}
	s.hub.Join(sess, userKey(c.app.ID, uid))
	data, _ := json.Marshal(map[string]string{"user_data": d.UserData})
	sess.Write(encode(frame{Event: "pusher:signin_success", Data: data}))
}

func (s *Service) clientEvent(ctx context.Context, sess *realtime.Session, c *conn, f inFrame) {
	kind := KindOf(f.Channel)
	switch {
	case kind == Encrypted:
		sess.Write(errorFrame(CodeRefused, "client events are not allowed on encrypted channels", f.Channel))
		return
	case kind != Private && kind != Presence:
		sess.Write(errorFrame(CodeRefused, "client events are only allowed on private and presence channels", f.Channel))
		return
	case !ValidEventName(f.Event):
		sess.Write(errorFrame(CodeRefused, "event names are 1 to 200 characters", f.Channel))
		return
	case len(f.Data) > s.cfg.MaxEventBytes:
		sess.Write(errorFrame(CodeRefused, "event data is larger than "+strconv.Itoa(s.cfg.MaxEventBytes)+" bytes", f.Channel))
		return
	}
	c.mu.Lock()
	sub, ok := c.channels[f.Channel]
	c.mu.Unlock()
	if !ok {
		sess.Write(errorFrame(CodeRefused, "subscribe to "+f.Channel+" before sending client events on it", f.Channel))
		return
	}
	if !c.clientEvents.Allow() {
		sess.Write(errorFrame(CodeRateLimited, "client event rate limit exceeded", f.Channel))
		return
	}
	data := f.Data
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	s.publish(ctx, c.app.ID, f.Channel, encode(frame{Event: f.Event, Channel: f.Channel, Data: data, UserID: sub.member}), c.socketID)
	s.hookApp(ctx, c.app, HookEvent{Name: "client_event", Channel: f.Channel, Event: f.Event, Data: rawString(data), SocketID: c.socketID, UserID: sub.member})
}

// rawString is a frame's data as a webhook carries it: a string as it is,
// anything else as its JSON.
func rawString(data json.RawMessage) string {
	var s string
	if json.Unmarshal(data, &s) == nil {
		return s
	}
	return string(data)
}
