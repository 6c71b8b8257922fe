package pusher

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// APIError is an HTTP API error as Pusher answers it: a status and a
// message saying what was wrong.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string { return e.Message }

func apiErr(status int, format string, args ...any) *APIError {
	return &APIError{Status: status, Message: fmt.Sprintf(format, args...)}
}

// Limits of the HTTP API, as Pusher documents them.
const (
	MaxChannelsPerEvent = 100
	MaxBatchEvents      = 10
)

// Authenticate checks a signed HTTP API request to the app with id appID
// and returns the app: 404 for no such app, 401 for a missing, stale or
// wrong signature (the current or, within its grace, the previous secret).
func (s *Service) Authenticate(ctx context.Context, appID, method, path string, query url.Values, body []byte) (*App, error) {
	app, err := s.AppByID(ctx, appID)
	if err != nil {
		return nil, err
	}
	if app == nil {
		return nil, apiErr(404, "Unknown app id %q", truncate(appID, 40))
	}
	if query.Get("auth_key") != app.Key {
		return nil, apiErr(401, "Unknown auth_key")
	}
	if v := query.Get("auth_version"); v != "1.0" {
		return nil, apiErr(401, "auth_version must be 1.0")
	}
	ts, err := strconv.ParseInt(query.Get("auth_timestamp"), 10, 64)
	if err != nil {
		return nil, apiErr(401, "auth_timestamp must be a unix time in seconds")
	}
	if d := s.now().Sub(time.Unix(ts, 0)); d > APIWindow || d < -APIWindow {
		return nil, apiErr(401, "Timestamp expired: given %d, current server time is %d: it must be within 600 s", ts, s.now().Unix())
	}
	if len(body) > 0 && query.Get("body_md5") != BodyMD5(body) {
		return nil, apiErr(401, "body_md5 does not match the request body")
	}
	sig := query.Get("auth_signature")
	want := StringToSign(method, path, query)
	for _, secret := range app.Secrets(s.now()) {
		if equal(sig, HMAC(secret, want)) {
			return app, s.admit(ctx, app)
		}
	}
	return nil, apiErr(401, "Invalid signature: expected HMAC SHA256 hex digest of %q", want)
}

// admit charges a request to the app's budget: 429 past it.
func (s *Service) admit(ctx context.Context, app *App) error {
	if s.limiter == nil || s.cfg.APIRequestsPerMinute <= 0 {
		return nil
	}
	ok, _, err := s.limiter.Allow(ctx, "pusher-api:"+app.ID, s.cfg.APIRequestsPerMinute, time.Minute)
	if err != nil || ok {
		return nil // a Redis outage does not stop the API
	}
	return apiErr(429, "Too many requests for this app: at most %d a minute", s.cfg.APIRequestsPerMinute)
}

// Event is an event to trigger through the HTTP API.
type Event struct {
	Name     string   `json:"name"`
	Data     any      `json:"data"`
	Channels []string `json:"channels"`
	Channel  string   `json:"channel"`
	SocketID string   `json:"socket_id"`
	Info     string   `json:"info"`
}

// ChannelInfo is what the API tells of a channel.
type ChannelInfo struct {
	Occupied          *bool  `json:"occupied,omitempty"`
	UserCount         *int64 `json:"user_count,omitempty"`
	SubscriptionCount *int64 `json:"subscription_count,omitempty"`
}

// check validates an event; it returns its channels.
func (s *Service) check(e *Event, field string) ([]string, *APIError) {
	if !ValidEventName(e.Name) {
		return nil, apiErr(400, "%sname: the event name must be 1 to 200 characters", field)
	}
	data, ok := e.Data.(string)
	if !ok {
		return nil, apiErr(400, "%sdata: the event data must be a string (JSON-encode objects)", field)
	}
	if len(data) > s.cfg.MaxEventBytes {
		return nil, apiErr(413, "%sdata: the event data is larger than %d bytes", field, s.cfg.MaxEventBytes)
	}
	chs := e.Channels
	if e.Channel != "" {
		chs = append([]string{e.Channel}, chs...)
	}
	if len(chs) == 0 {
		return nil, apiErr(400, "%schannels: name at least one channel", field)
	}
	if len(chs) > MaxChannelsPerEvent {
		return nil, apiErr(400, "%schannels: at most %d channels per event", field, MaxChannelsPerEvent)
	}
	for _, ch := range chs {
		if !ValidChannel(ch) {
			return nil, apiErr(400, "%schannels: invalid channel name %q: 1 to 200 characters of A-Z a-z 0-9 _ - = @ , . ;", field, truncate(ch, 210))
		}
	}
	if e.SocketID != "" && !validSocketID(e.SocketID) {
		return nil, apiErr(400, "%ssocket_id: a socket id looks like 123.456", field)
	}
	if e.Info != "" {
		for _, f := range strings.Split(e.Info, ",") {
			if f != "user_count" && f != "subscription_count" {
				return nil, apiErr(400, "%sinfo: only user_count and subscription_count", field)
			}
		}
	}
	return chs, nil
}

func validSocketID(s string) bool {
	a, b, ok := strings.Cut(s, ".")
	if !ok || a == "" || b == "" {
		return false
	}
	for _, r := range a + b {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Trigger checks and publishes an event to its channels; with Info set it
// answers the channels' counts.
func (s *Service) Trigger(ctx context.Context, app *App, e Event) (map[string]ChannelInfo, error) {
	chs, aerr := s.check(&e, "")
	if aerr != nil {
		return nil, aerr
	}
	s.send(ctx, app, e, chs)
	if e.Info == "" {
		return nil, nil
	}
	out := map[string]ChannelInfo{}
	for _, ch := range chs {
		info, err := s.info(ctx, app, ch, e.Info)
		if err != nil {
			return nil, err
		}
		out[ch] = info
	}
	return out, nil
}

// Batch checks every event first, then publishes them all; with Info set
// on an event it answers that event's channel counts.
func (s *Service) Batch(ctx context.Context, app *App, events []Event) ([]ChannelInfo, bool, error) {
	if len(events) == 0 {
		return nil, false, apiErr(400, "batch: name at least one event")
	}
	if len(events) > MaxBatchEvents {
		return nil, false, apiErr(413, "batch: at most %d events per batch", MaxBatchEvents)
	}
	chans := make([][]string, len(events))
	for i := range events {
		if events[i].Channel == "" || len(events[i].Channels) > 0 {
			return nil, false, apiErr(400, "batch[%d].channel: each batched event names one channel", i)
		}
		chs, aerr := s.check(&events[i], fmt.Sprintf("batch[%d].", i))
		if aerr != nil {
			return nil, false, aerr
		}
		chans[i] = chs
	}
	anyInfo := false
	out := make([]ChannelInfo, len(events))
	for i, e := range events {
		s.send(ctx, app, e, chans[i])
		if e.Info != "" {
			anyInfo = true
			info, err := s.info(ctx, app, e.Channel, e.Info)
			if err != nil {
				return nil, false, err
			}
			out[i] = info
		}
	}
	return out, anyInfo, nil
}

func (s *Service) send(ctx context.Context, app *App, e Event, chs []string) {
	data, _ := json.Marshal(e.Data.(string))
	for _, ch := range chs {
		s.publish(ctx, app.ID, ch, encode(frame{Event: e.Name, Channel: ch, Data: data}), e.SocketID)
	}
}

// info answers the fields named in a comma-separated list.
func (s *Service) info(ctx context.Context, app *App, ch, fields string) (ChannelInfo, error) {
	var out ChannelInfo
	for _, f := range strings.Split(fields, ",") {
		switch f {
		case "user_count":
			if KindOf(ch) != Presence {
				continue
			}
			n, err := s.reg.userCount(ctx, app.ID, ch)
			if err != nil {
				return out, err
			}
			out.UserCount = &n
		case "subscription_count":
			n, err := s.reg.subscriptionCount(ctx, app.ID, ch)
			if err != nil {
				return out, err
			}
			out.SubscriptionCount = &n
		case "":
		default:
			return out, apiErr(400, "info: only user_count and subscription_count")
		}
	}
	return out, nil
}

// Channels lists the occupied channels whose names start with prefix;
// info may ask user_count, for presence channels only.
func (s *Service) Channels(ctx context.Context, app *App, prefix, info string) (map[string]ChannelInfo, error) {
	for _, f := range strings.Split(info, ",") {
		switch f {
		case "", "subscription_count":
		case "user_count":
			if !strings.HasPrefix(prefix, "presence-") {
				return nil, apiErr(400, "info=user_count needs filter_by_prefix=presence-")
			}
		default:
			return nil, apiErr(400, "info: only user_count and subscription_count")
		}
	}
	names, err := s.reg.channels(ctx, app.ID, prefix)
	if err != nil {
		return nil, err
	}
	out := map[string]ChannelInfo{}
	for _, ch := range names {
		ci, err := s.info(ctx, app, ch, info)
		if err != nil {
			return nil, err
		}
		if n, err := s.reg.subscriptionCount(ctx, app.ID, ch); err != nil || n == 0 {
			continue
		}
		out[ch] = ci
	}
	return out, nil
}

// Channel tells whether a channel is occupied, and the counts info asks.
func (s *Service) Channel(ctx context.Context, app *App, ch, info string) (ChannelInfo, error) {
	if !ValidChannel(ch) {
		return ChannelInfo{}, apiErr(400, "invalid channel name")
	}
	if strings.Contains(","+info+",", ",user_count,") && KindOf(ch) != Presence {
		return ChannelInfo{}, apiErr(400, "info=user_count is only for presence channels")
	}
	ci, err := s.info(ctx, app, ch, info)
	if err != nil {
		return ci, err
	}
	n, err := s.reg.subscriptionCount(ctx, app.ID, ch)
	if err != nil {
		return ci, err
	}
	occupied := n > 0
	ci.Occupied = &occupied
	return ci, nil
}

// Users lists the members of a presence channel.
func (s *Service) Users(ctx context.Context, app *App, ch string) ([]Member, error) {
	if !ValidChannel(ch) || KindOf(ch) != Presence {
		return nil, apiErr(400, "users are listed for presence channels only")
	}
	return s.reg.members(ctx, app.ID, ch)
}

// TerminateUser closes every socket signed in as userID, on every node.
func (s *Service) TerminateUser(ctx context.Context, app *App, userID string) error {
	if userID == "" || len(userID) > 200 {
		return apiErr(400, "user id must be 1 to 200 characters")
	}
	return s.hub.DisconnectWith(ctx, userKey(app.ID, userID),
		websocket.FormatCloseMessage(CodeUnauthorized, "connections of this user were terminated"))
}
