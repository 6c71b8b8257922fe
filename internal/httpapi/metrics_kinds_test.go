package httpapi_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/parley-chat/parley/internal/metrics"
	"github.com/parley-chat/parley/internal/testkit"
	"github.com/parley-chat/parley/internal/testkit/smtpd"
)

// scrape reads /metrics with the Prometheus text parser and returns the
// value of every series of family, keyed by its labels rendered in order
// ("kind=password_reset,result=ok"); a missing series reads as absent.
func scrape(t *testing.T, srv *testkit.Server, family string, labels ...string) map[string]float64 {
	t.Helper()
	body := srv.Client().Do("GET", "/metrics", nil, http.StatusOK, nil).Body
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	out := map[string]float64{}
	mf, ok := mfs[family]
	if !ok {
		return out
	}
	for _, m := range mf.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		key := ""
		for i, name := range labels {
			if i > 0 {
				key += ","
			}
			key += name + "=" + got[name]
		}
		out[key] = m.GetCounter().GetValue()
	}
	return out
}

// waitMetric polls /metrics until the series reaches want or fails after 10s.
func waitMetric(t *testing.T, srv *testkit.Server, family, series string, want float64, labels ...string) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := scrape(t, srv, family, labels...)
		if got[series] >= want {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s{%s} = %v after 10s, want %v", family, series, got[series], want)
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
}

func TestMailsCountedByKind(t *testing.T) {
	mail := smtpd.Start(t)
	srv := testkit.Start(t, testkit.WithSMTP(mail.URL()))
	admin := srv.Setup()
	srv.NewUser(admin, "hana")

	// Every kind is on /metrics before any mail, at 0 unless sent.
	before := scrape(t, srv, "parley_mails_total", "kind", "result")
	for _, k := range metrics.MailKinds {
		for _, r := range []string{"ok", "error"} {
			if _, ok := before["kind="+k+",result="+r]; !ok {
				t.Errorf("no series for kind %s result %s", k, r)
			}
		}
	}
	if len(before) != 2*len(metrics.MailKinds) {
		t.Errorf("%d series, want the fixed %d: %v", len(before), 2*len(metrics.MailKinds), before)
	}

	srv.Client().Do("POST", "/api/v1/auth/password-reset", map[string]string{"email": "hana@example.com"}, http.StatusAccepted, nil)
	mail.WaitFor(t, 1, 10*time.Second)
	got := waitMetric(t, srv, "parley_mails_total", "kind=password_reset,result=ok",
		before["kind=password_reset,result=ok"]+1, "kind", "result")
	if got["kind=password_reset,result=ok"] != before["kind=password_reset,result=ok"]+1 {
		t.Errorf("password_reset ok = %v, want one more than %v", got["kind=password_reset,result=ok"], before["kind=password_reset,result=ok"])
	}
	if got["kind=offline_digest,result=ok"] != before["kind=offline_digest,result=ok"] || got["kind=other,result=ok"] != 0 {
		t.Errorf("a reset counted under another kind: %v", got)
	}
}

func TestFailedMailCountedAsError(t *testing.T) {
	mail := smtpd.Start(t)
	url := mail.URL() + "&timeout=2s"
	mail.Close() // nothing answers there any more
	srv := testkit.Start(t, testkit.WithSMTP(url))
	admin := srv.Setup()
	srv.NewUser(admin, "hana")
	srv.Client().Do("POST", "/api/v1/auth/password-reset", map[string]string{"email": "hana@example.com"}, http.StatusAccepted, nil)
	got := waitMetric(t, srv, "parley_mails_total", "kind=password_reset,result=error", 1, "kind", "result")
	if got["kind=password_reset,result=ok"] != 0 {
		t.Errorf("password_reset ok = %v with no mail server", got["kind=password_reset,result=ok"])
	}
}

func TestFramesCountedByDirectionAndType(t *testing.T) {
	srv := testkit.Start(t)
	admin := srv.Setup()
	ws := admin.Dial() // reads hello
	ws.Send(map[string]any{"type": "ping"})
	ws.ReadType("pong", 5*time.Second)
	ws.SendUnchecked(map[string]any{"type": "no_such_frame"})
	ws.ReadType("error", 5*time.Second)
	ws.Send(map[string]any{"type": "ping"})
	ws.ReadType("pong", 5*time.Second)

	got := scrape(t, srv, "parley_ws_frames_total", "direction", "type")
	want := map[string]float64{
		"direction=in,type=ping":   2,
		"direction=in,type=other":  1,
		"direction=in,type=send":   0,
		"direction=out,type=hello": 1,
		"direction=out,type=pong":  2,
		"direction=out,type=error": 1,
	}
	for series, v := range want {
		if got[series] != v {
			t.Errorf("parley_ws_frames_total{%s} = %v, want %v", series, got[series], v)
		}
	}
	if _, ok := got["direction=in,type=no_such_frame"]; ok {
		t.Error("an unknown frame type got a series of its own")
	}
	if len(got) != len(metrics.FrameTypesIn)+len(metrics.FrameTypesOut) {
		t.Errorf("%d series, want the fixed %d: %v", len(got), len(metrics.FrameTypesIn)+len(metrics.FrameTypesOut), got)
	}
}
