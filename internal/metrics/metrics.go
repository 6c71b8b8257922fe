// Package metrics holds Parley's Prometheus collectors, registered on a
// registry of its own and served at /metrics.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
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
	MessagesSent       *prometheus.CounterVec
	JobsProcessed      *prometheus.CounterVec
	JobsEnqueued       *prometheus.CounterVec
	PublishFailures    prometheus.Counter
	MailsSent          *prometheus.CounterVec
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
			Name: "parley_ws_frames_total", Help: "WebSocket frames by direction (in, out) and type.",
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
			Name: "parley_mails_total", Help: "Mails handed to the mailer, by kind and result.",
		}, []string{"kind", "result"}),
	}
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.HTTPRequests, m.HTTPDuration, m.ConnsRefused, m.WSSessions, m.WSFrames, m.WSSlowClosed,
		m.WSRateLimited, m.WSFloodClosed, m.WSEphemeralDropped,
		m.MessagesSent, m.JobsProcessed, m.JobsEnqueued, m.PublishFailures, m.MailsSent,
	)
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}
