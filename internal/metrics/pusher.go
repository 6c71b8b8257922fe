package metrics

import "github.com/prometheus/client_golang/prometheus"

func (m *Metrics) registerPusher() {
	m.PusherConnections = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "parley_pusher_connections", Help: "Open Pusher protocol sockets on this node.",
	})
	m.PusherSubscriptions = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "parley_pusher_subscriptions", Help: "Channel subscriptions of the Pusher sockets of this node.",
	})
	m.PusherEvents = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parley_pusher_events_total", Help: "Pusher frames by direction (in: received from sockets, out: published to a channel) and app id (apps are made by admins, one per site).",
	}, []string{"direction", "app"})
	m.Registry.MustRegister(m.PusherConnections, m.PusherSubscriptions, m.PusherEvents)
}

// PusherEventIn counts a frame received from a Pusher socket of app.
func (m *Metrics) PusherEventIn(app string) { m.PusherEvents.WithLabelValues("in", app).Inc() }

// PusherEventOut counts a frame published to a channel of app.
func (m *Metrics) PusherEventOut(app string) { m.PusherEvents.WithLabelValues("out", app).Inc() }
