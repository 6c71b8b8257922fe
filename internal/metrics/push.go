package metrics

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// PushResults are the result labels of parley_push_total: sent (2xx),
// gone (404/410: the subscription was removed), retry (429, 5xx or no
// answer: the job tries again), dropped (another answer, such as 400 or
// 413: logged, not retried) and refused (the outbound guard kept the
// request from the endpoint's address).
var PushResults = []string{"sent", "gone", "retry", "dropped", "refused"}

func (m *Metrics) registerPush() {
	m.PushSent = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parley_push_total", Help: "Web Push requests to push services, by result (" + strings.Join(PushResults, ", ") + ").",
	}, []string{"result"})
	m.Registry.MustRegister(m.PushSent)
	for _, r := range PushResults {
		m.PushSent.WithLabelValues(r)
	}
}
