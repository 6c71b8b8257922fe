package bench

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is everything one run measured.
type Report struct {
	URL       string            `json:"url"`
	Prefix    string            `json:"prefix"`
	StartedAt time.Time         `json:"started_at"`
	Seconds   float64           `json:"seconds"`
	Client    ClientInfo        `json:"client"`
	Workloads []string          `json:"workloads"`
	W1        *W1Result         `json:"w1,omitempty"`
	W2        *W2Result         `json:"w2,omitempty"`
	W3        *W3Result         `json:"w3,omitempty"`
	W4        *W4Result         `json:"w4,omitempty"`
	W5        *W5Result         `json:"w5,omitempty"`
	W7        *W7Result         `json:"w7,omitempty"`
	W6        *W6Result         `json:"w6,omitempty"`
	W8        *W8Result         `json:"w8,omitempty"`
	Errors    map[string]string `json:"errors,omitempty"`
}

// ClientInfo describes the machine the load generator ran on.
type ClientInfo struct {
	CPUs          int    `json:"cpus"`
	GoVersion     string `json:"go_version"`
	OS            string `json:"os"`
	FileLimit     uint64 `json:"file_limit"`
	FileLimitMax  uint64 `json:"file_limit_max"`
	FileLimitNote string `json:"file_limit_note,omitempty"`
}

// WriteTable prints the report as aligned text, workload by workload, in a
// fixed order. Latencies are in milliseconds.
func (r *Report) WriteTable(out io.Writer) {
	fmt.Fprintf(out, "parley bench  %s  prefix %s  %s  %.1fs  client: %d CPUs, %s, open-file limit %d\n",
		r.URL, r.Prefix, r.StartedAt.Format(time.RFC3339), r.Seconds, r.Client.CPUs, r.Client.GoVersion, r.Client.FileLimit)
	if r.Client.FileLimitNote != "" {
		fmt.Fprintln(out, "  note:", r.Client.FileLimitNote)
	}
	if w := r.W1; w != nil {
		section(out, fmt.Sprintf("W1 one-to-one: %d pairs, stepped rates (latency ms)", w.Pairs))
		t := table(out)
		fmt.Fprintln(t, "target/s\tsent/s\tacked/s\tdelivered/s\tack p50\tack p95\tack p99\tdeliver p50\tdeliver p95\tdeliver p99\terrors\tkept up\tCPU µs/msg server\tclient\t")
		for _, s := range w.Steps {
			fmt.Fprintf(t, "%d\t%.1f\t%.1f\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", s.TargetRate, s.SentPerS, s.AckedPerS, s.DeliveredPerS,
				f2(s.SendToAck.P50), f2(s.SendToAck.P95), f2(s.SendToAck.P99),
				f2(s.SendToDeliver.P50), f2(s.SendToDeliver.P95), f2(s.SendToDeliver.P99), errText(s.Errors, s.ErrorCodes), yes(s.KeptUp),
				cpuText(s.ServerCPUPerMessage), cpuText(s.ClientCPUPerMessage))
		}
		t.Flush()
		fmt.Fprintf(out, "  highest rate kept up: %d msg/s; peak delivered: %.1f msg/s; saturated: %s\n", w.MaxRateKeptUp, w.PeakDeliveredPerS, yes(w.Saturated))
		note(out, w.Note)
	}
	if w := r.W2; w != nil {
		section(out, fmt.Sprintf("W2 idle sockets: %d sockets over %d users", w.Sockets, w.Users))
		t := table(out)
		kv(t, "opened", fmt.Sprintf("%d in %.1fs (%.1f/s)", w.Opened, w.OpenSeconds, w.OpenPerS))
		kv(t, "still open after idling", fmt.Sprint(w.StillOpen))
		if w.RSSAfterKB > 0 {
			kv(t, "server RSS before / after", fmt.Sprintf("%d kB / %d kB", w.RSSBeforeKB, w.RSSAfterKB))
			kv(t, "server RSS per socket", fmt.Sprintf("%.2f kB", w.RSSPerSocketKB))
		}
		if w.LiveAfterKB > 0 {
			kv(t, "server live heap+stacks before / after", fmt.Sprintf("%d kB / %d kB", w.LiveBeforeKB, w.LiveAfterKB))
			kv(t, "server live heap+stacks per socket", fmt.Sprintf("%.2f kB", w.LivePerSocketKB))
			kv(t, "of which stacks / live objects", fmt.Sprintf("%.2f kB / %.2f kB", w.StacksPerSocketKB, w.ObjectsPerSocketKB))
		}
		if w.IdleCPUPercent != nil {
			kv(t, "server idle CPU", fmt.Sprintf("%.1f%% of one core over %.1fs", *w.IdleCPUPercent, w.IdleSeconds))
		}
		t.Flush()
		note(out, w.Note)
	}
	if w := r.W3; w != nil {
		section(out, fmt.Sprintf("W3 group fan-out: %d members, %d msg/s for %.0fs (latency ms)", w.Members, w.Rate, w.Seconds))
		t := table(out)
		fmt.Fprintln(t, "measure\tcount\tp50\tp95\tp99\tmax\t")
		lat(t, "send → one member", w.Delivery)
		lat(t, "send → all members", w.ToAll)
		lat(t, "send → ack", w.SendToAck)
		t.Flush()
		fmt.Fprintf(out, "  sent %d, acked %d, deliveries %d of %d expected, %.1f deliveries/s, errors %s\n",
			w.Sent, w.Acked, w.Deliveries, w.Expected, w.DeliveriesPerS, errText(w.Errors, w.ErrorCodes))
		fmt.Fprintf(out, "  CPU per delivery: server %s µs, load generator %s µs\n", cpuText(w.ServerCPUPerDelivery), cpuText(w.ClientCPUPerDelivery))
	}
	if w := r.W4; w != nil {
		section(out, fmt.Sprintf("W4 widget storm: %d visitors over %.0fs, %d agents × capacity %d (latency ms)", w.Visitors, w.Window, w.Agents, w.Capacity))
		t := table(out)
		fmt.Fprintln(t, "measure\tcount\tp50\tp95\tp99\tmax\t")
		lat(t, "open → assigned (answer)", w.TimeToAssign)
		lat(t, "open → agent's frame", w.ToAgentFrame)
		lat(t, "widget session", w.SessionOpen)
		t.Flush()
		fmt.Fprintf(out, "  opened %d, assigned %d, queued %d, first messages %d, errors %s\n", w.Opened, w.Assigned, w.Queued, w.FirstMessages, errText(int64(w.Errors), w.ErrorCodes))
		fmt.Fprintf(out, "  busiest agent %d/%d, agents over capacity %d, queue positions 1..n %s, out of order %d\n",
			w.MaxAgentLoad, w.Capacity, w.OverCapacity, yes(w.QueuePositionsOK), w.OutOfOrder)
	}
	if w := r.W5; w != nil {
		section(out, fmt.Sprintf("W5 history: %d messages, pages of %d by before_seq, %d reader(s) (latency ms)", w.Messages, w.PageSize, w.Readers))
		t := table(out)
		fmt.Fprintln(t, "measure\tcount\tp50\tp95\tp99\tmax\t")
		lat(t, "page", w.Page)
		t.Flush()
		fmt.Fprintf(out, "  seeded in %.1fs (%.1f msg/s over REST); %d pages, %.1f pages/s, bad pages %d, errors %d\n",
			w.SeedSeconds, w.SeedPerS, w.Pages, w.PagesPerS, w.BadPages, w.Errors)
	}
	if w := r.W7; w != nil {
		section(out, fmt.Sprintf("W7 search: %d messages in %d conversations, %d searcher(s) (latency ms)", w.Messages, w.Conversations, w.Searchers))
		t := table(out)
		fmt.Fprintln(t, "measure\tcount\tp50\tp95\tp99\tmax\t")
		lat(t, "search (all)", w.Search)
		for _, q := range w.ByQuery {
			lat(t, fmt.Sprintf("q=%s (%d hits)", q.Query, q.Hits), q.Latency)
		}
		t.Flush()
		fmt.Fprintf(out, "  seeded in %.1fs (%.1f msg/s over REST); %d searches, errors %d\n", w.SeedSeconds, w.SeedPerS, w.Searches, w.Errors)
	}
	if w := r.W6; w != nil {
		section(out, fmt.Sprintf("W6 Pusher fan-out: %d subscribers on one public channel of app %s, events through the HTTP API (latency ms)", w.Subscribers, w.AppID))
		t := table(out)
		fmt.Fprintln(t, "events/s\ttriggered\tdelivered\tdeliveries/s\tp50\tp95\tp99\tmax\ttrigger call p50\terrors\tkept up\tCPU µs/delivery server\tclient\t")
		for _, s := range w.Steps {
			fmt.Fprintf(t, "%d\t%d\t%d/%d\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", s.TargetRate, s.Triggered, s.Delivered, s.Expected, s.DeliveriesPerS,
				f2(s.TriggerToReceive.P50), f2(s.TriggerToReceive.P95), f2(s.TriggerToReceive.P99), f2(s.TriggerToReceive.Max), f2(s.TriggerCall.P50),
				errText(s.Errors, s.ErrorCodes), yes(s.KeptUp), cpuText(s.ServerCPUPerDelivery), cpuText(s.ClientCPUPerDelivery))
		}
		t.Flush()
		fmt.Fprintf(out, "  subscribed in %.1fs; highest rate kept up: %d events/s; peak %.1f deliveries/s; saturated: %s; still subscribed %d\n",
			w.SubscribeSeconds, w.MaxRateKeptUp, w.PeakDeliveriesPerS, yes(w.Saturated), w.StillSubscribed)
	}
	if w := r.W8; w != nil {
		section(out, fmt.Sprintf("W8 reconnect storm: %d users dropped at once, %d missed messages each way, back within %.0fs (latency ms)", w.Users, w.Unread, w.WindowSeconds))
		t := table(out)
		fmt.Fprintln(t, "measure\tcount\tp50\tp95\tp99\tmax\t")
		lat(t, "reconnect to caught up", w.PerClient)
		t.Flush()
		fmt.Fprintf(out, "  missed messages sent in %.1fs; caught up %d/%d in %.1fs from the blip; %d messages read back; retries %d; errors %s; server CPU %s\n",
			w.SeedSeconds, w.CaughtUp, w.Users, w.StormSeconds, w.Fetched, w.Retries, errText(w.Errors, w.ErrorCodes), w8CPUText(w))
	}
	for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
		fmt.Fprintf(out, "\n%s failed: %s\n", strings.ToUpper(k), r.Errors[k])
	}
}

func section(out io.Writer, title string) { fmt.Fprintf(out, "\n%s\n", title) }

func table(out io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
}

func kv(t io.Writer, k, v string) { fmt.Fprintf(t, "%s\t  %s\t\n", k, v) }

func lat(t io.Writer, name string, l Latency) {
	fmt.Fprintf(t, "%s\t%d\t%s\t%s\t%s\t%s\t\n", name, l.Count, f2(l.P50), f2(l.P95), f2(l.P99), f2(l.Max))
}

func note(out io.Writer, s string) {
	if s != "" {
		fmt.Fprintln(out, "  note:", s)
	}
}

func f2(x float64) string { return fmt.Sprintf("%.2f", x) }

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func errText(n int64, codes map[string]int) string {
	if n == 0 {
		return "0"
	}
	parts := make([]string, 0, len(codes))
	for _, k := range slices.Sorted(maps.Keys(codes)) {
		parts = append(parts, fmt.Sprintf("%s×%d", k, codes[k]))
	}
	return fmt.Sprintf("%d (%s)", n, strings.Join(parts, " "))
}

// cpuText shows a CPU figure in µs, or "—" when it was not measured (no
// --server-pid, or a server in this process).
func cpuText(us float64) string {
	if us <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f", us)
}

func w8CPUText(w *W8Result) string {
	if w.ServerCPUSeconds <= 0 {
		return "— (pass --server-pid)"
	}
	return fmt.Sprintf("%.2fs (%.2f ms per client)", w.ServerCPUSeconds, w.ServerCPUPerClientMS)
}
