// Package metrics holds Parley's Prometheus collectors, registered on a
// registry of its own and served at /metrics.
package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parley-chat/parley/internal/notify"
)

// Metrics is every collector Parley exports.
type Metrics struct {
	Registry *prometheus.Registry

	HTTPRequests *prometheus.CounterVec
	HTTPDuration *prometheus.HistogramVec
	WSSessions   prometheus.Gauge
	WSFrames     *prometheus.CounterVec
	WSSlowClosed prometheus.Counter
	ConnsRefused prometheus.Counter
	// WSRateLimited counts client frames refused for their budget,
	// WSFloodClosed the sessions closed (1008) for going on, and
	// WSEphemeralDropped the ephemeral frames dropped for a session that
	// was behind.
	WSRateLimited      prometheus.Counter
	WSFloodClosed      prometheus.Counter
	WSEphemeralDropped prometheus.Counter
	// WSResyncClosed counts the sessions closed (1012) because live
	// delivery from other nodes was interrupted (see Hub.resync);
	// PublishRetries the publishes to other nodes that failed at first,
	// by what became of them (delivered, dropped).
	WSResyncClosed  prometheus.Counter
	PublishRetries  *prometheus.CounterVec
	MessagesSent    *prometheus.CounterVec
	JobsProcessed   *prometheus.CounterVec
	JobsEnqueued    *prometheus.CounterVec
	PublishFailures prometheus.Counter
	MailsSent       *prometheus.CounterVec
	// Pusher channels: sockets and subscriptions on this node, events in
	// (client frames) and out (frames published to channels) by app.
	PusherConnections   prometheus.Gauge
	PusherSubscriptions prometheus.Gauge
	PusherEvents        *prometheus.CounterVec
	// PushSent counts Web Push requests by result (see PushResults).
	PushSent *prometheus.CounterVec

	// framesIn and framesOut are WSFrames' counters by type, resolved once
	// (fixed sets, written to on every frame).
	framesIn, framesOut map[string]prometheus.Counter
}

// New builds and registers the collectors.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_http_requests_total", Help: "HTTP requests by method, route and status (unknown methods count as other, unmatched paths as unmatched).",
		}, []string{"method", "route", "status"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "parley_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
		ConnsRefused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_http_connections_refused_total", Help: "Connections closed on accept because their peer address already held PARLEY_MAX_CONNS_PER_IP.",
		}),
		WSSessions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "parley_ws_sessions", Help: "Open WebSocket sessions on this node.",
		}),
		WSFrames: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_ws_frames_total", Help: "WebSocket frames by direction (in: received, out: handed to a session's queue) and type; unknown types, undecodable and binary frames count as other.",
		}, []string{"direction", "type"}),
		WSSlowClosed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_ws_slow_consumers_closed_total", Help: "Sessions closed because their outgoing buffer was full.",
		}),
		WSRateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_ws_frames_rate_limited_total", Help: "Client frames refused because their sender was over its frame budget.",
		}),
		WSFloodClosed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_ws_flooders_closed_total", Help: "Sessions closed (1008) for sending over their frame budget without stopping.",
		}),
		WSEphemeralDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_ws_ephemeral_dropped_total", Help: "Ephemeral frames (typing, viewing, presence) dropped for a session that was behind.",
		}),
		WSResyncClosed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_ws_resync_closed_total", Help: "Sessions closed (1012) so that their clients catch up, because this node's subscription to Redis was lost and has come back.",
		}),
		PublishRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_realtime_publish_retries_total", Help: "Publishes to other nodes that failed at first and were retried, by result (delivered: Redis took it later; dropped: given up after PublishRetryFor or for a full retry queue).",
		}, []string{"result"}),
		MessagesSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_messages_sent_total", Help: "Messages stored, by conversation kind and message kind.",
		}, []string{"conversation_kind", "kind"}),
		JobsProcessed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_jobs_processed_total", Help: "Background jobs run, by type and result (ok, error).",
		}, []string{"type", "result"}),
		JobsEnqueued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_jobs_enqueued_total", Help: "Background jobs enqueued, by type and result (ok, duplicate, error).",
		}, []string{"type", "result"}),
		PublishFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parley_realtime_publish_failures_total", Help: "Realtime publishes that failed after commit.",
		}),
		MailsSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_mails_total", Help: "Mails handed to the mailer, by kind (" + strings.Join(MailKinds, ", ") + ") and result (ok, error).",
		}, []string{"kind", "result"}),
	}
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.HTTPRequests, m.HTTPDuration, m.ConnsRefused, m.WSSessions, m.WSFrames, m.WSSlowClosed,
		m.WSRateLimited, m.WSFloodClosed, m.WSEphemeralDropped, m.WSResyncClosed, m.PublishRetries,
		m.MessagesSent, m.JobsProcessed, m.JobsEnqueued, m.PublishFailures, m.MailsSent,
	)
	// Every label of the fixed sets is there from the start, at 0, so that
	// a rate over it works before the first event.
	for _, r := range []string{"delivered", "dropped"} {
		m.PublishRetries.WithLabelValues(r)
	}
	for _, k := range MailKinds {
		for _, r := range []string{"ok", "error"} {
			m.MailsSent.WithLabelValues(k, r)
		}
	}
	m.registerPusher()
	m.registerPush()
	m.framesIn, m.framesOut = map[string]prometheus.Counter{}, map[string]prometheus.Counter{}
	for _, t := range FrameTypesIn {
		m.framesIn[t] = m.WSFrames.WithLabelValues("in", t)
	}
	for _, t := range FrameTypesOut {
		m.framesOut[t] = m.WSFrames.WithLabelValues("out", t)
	}
	return m
}

// Other is the label of a mail kind or frame type outside the fixed sets.
const Other = "other"

// MailKinds are the kind labels of parley_mails_total: one for each mail
// Parley sends (the Kind of a notify.Mail), and other.
var MailKinds = []string{
	notify.KindOfflineDigest, notify.KindAgentFollowUp, notify.KindVisitorFollowUp,
	notify.KindEmailVerification, notify.KindPasswordReset, notify.KindSignupAttempt, Other,
}

// FrameTypesIn are the type labels of received frames: the client frame
// types, and other for the rest.
var FrameTypesIn = []string{"send", "read", "typing", "ping", "presence", "viewing", Other}

// FrameTypesOut are the type labels of frames sent to clients.
var FrameTypesOut = []string{
	"hello", "ack", "error", "pong", "message", "recall", "read", "typing", "presence", "viewers",
	"conversation", "friend", "friend_request", "group", "red_packet", "event", Other,
}

// FrameIn counts a frame received from a client.
func (m *Metrics) FrameIn(typ string) {
	c, ok := m.framesIn[typ]
	if !ok {
		c = m.framesIn[Other]
	}
	c.Inc()
}

// FrameOut counts a frame queued to a client. It takes the type as bytes,
// read from the encoded frame, so that the hot path allocates nothing.
func (m *Metrics) FrameOut(typ []byte) {
	c, ok := m.framesOut[string(typ)]
	if !ok {
		c = m.framesOut[Other]
	}
	c.Inc()
}

// fold keeps label values to a fixed set, so that no client can grow the
// series without bound.
func fold(v string, set []string) string {
	if slices.Contains(set, v) {
		return v
	}
	return Other
}

// CountMails returns next counting every mail by kind and result.
func (m *Metrics) CountMails(next notify.Mailer) notify.Mailer {
	return &countingMailer{next: next, m: m}
}

type countingMailer struct {
	next notify.Mailer
	m    *Metrics
}

func (c *countingMailer) Send(ctx context.Context, mail notify.Mail) error {
	err := c.next.Send(ctx, mail)
	result := "ok"
	if err != nil {
		result = "error"
	}
	c.m.MailsSent.WithLabelValues(fold(mail.Kind, MailKinds), result).Inc()
	return err
}

// String describes the wrapped mailer for start-up logs.
func (c *countingMailer) String() string { return fmt.Sprint(c.next) }

// LogValue keeps the wrapped mailer's own (password-free) log form.
func (c *countingMailer) LogValue() slog.Value {
	if lv, ok := c.next.(slog.LogValuer); ok {
		return lv.LogValue()
	}
	return slog.StringValue(c.String())
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}
