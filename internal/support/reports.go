package support

import (
	"context"
	"math"
	"sort"
	"time"

	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// Report sums up a site's support conversations created in [From, To).
// Durations are in seconds; percentiles use the nearest-rank method; a
// statistic with no data is null.
type Report struct {
	From   time.Time    `json:"from"`
	To     time.Time    `json:"to"`
	Totals Stats        `json:"totals"`
	Days   []DayStats   `json:"days"`
	Agents []AgentStats `json:"agents"`
}

// Stats are the figures of a set of conversations.
type Stats struct {
	Conversations        int      `json:"conversations"`
	Missed               int      `json:"missed"`
	Resolved             int      `json:"resolved"`
	WaitMedianS          *float64 `json:"wait_median_s"`
	WaitP90S             *float64 `json:"wait_p90_s"`
	FirstResponseMedianS *float64 `json:"first_response_median_s"`
	FirstResponseP90S    *float64 `json:"first_response_p90_s"`
	ResolutionMedianS    *float64 `json:"resolution_median_s"`
	ResolutionP90S       *float64 `json:"resolution_p90_s"`
	Ratings              int      `json:"ratings"`
	CSATAverage          *float64 `json:"csat_average"`
}

// DayStats are the figures of the conversations created on one UTC day.
type DayStats struct {
	Date string `json:"date"`
	Stats
}

// AgentStats are one agent's figures: conversations they were assigned,
// resolved, answered first and were rated for.
type AgentStats struct {
	AgentID              int64    `json:"agent_id"`
	Name                 string   `json:"name"`
	Assigned             int      `json:"assigned"`
	Resolved             int      `json:"resolved"`
	FirstResponseMedianS *float64 `json:"first_response_median_s"`
	Ratings              int      `json:"ratings"`
	CSATAverage          *float64 `json:"csat_average"`
}

// convFacts is what the event log says about one conversation.
type convFacts struct {
	created       time.Time
	wait          *float64
	firstResponse *float64
	firstReplier  int64
	resolution    *float64
	resolvedBy    int64
	rating        *int64
	ratedAgent    int64
	assigned      map[int64]bool
}

// Reports draws a site's figures from its conversation event log.
type Reports struct {
	store *store.Store
}

// NewReports builds the reports on the store.
func NewReports(st *store.Store) *Reports {
	return &Reports{store: st}
}

// Report computes the report from the conversation event log, so that
// reopened and transferred conversations count once, with their real times.
// It is for the site's admins and agents: 404 site_not_found, 403 otherwise.
func (s *Reports) Report(ctx context.Context, actor auth.Identity, siteID int64, from, to time.Time) (*Report, error) {
	if _, err := siteForStaff(ctx, s.store, actor, siteID); err != nil {
		return nil, err
	}
	if !to.After(from) || to.Sub(from) > 366*24*time.Hour {
		return nil, errs.Field("to", "after from, and at most a year later")
	}
	events, err := s.store.ConversationEventsForReport(ctx, siteID, from, to)
	if err != nil {
		return nil, errs.Wrap(err, "load events")
	}
	facts := factsOf(events)
	r := &Report{From: from, To: to}
	all := make([]*convFacts, 0, len(facts))
	byDay := map[string][]*convFacts{}
	agents := map[int64]*agentAcc{}
	agent := func(id int64) *agentAcc {
		if agents[id] == nil {
			agents[id] = &agentAcc{}
		}
		return agents[id]
	}
	for _, f := range facts {
		all = append(all, f)
		day := f.created.UTC().Format("2006-01-02")
		byDay[day] = append(byDay[day], f)
		for id := range f.assigned {
			agent(id).assigned++
		}
		if f.resolution != nil && f.resolvedBy != 0 {
			agent(f.resolvedBy).resolved++
		}
		if f.firstResponse != nil && f.firstReplier != 0 {
			a := agent(f.firstReplier)
			a.firstResponses = append(a.firstResponses, *f.firstResponse)
		}
		if f.rating != nil && f.ratedAgent != 0 {
			a := agent(f.ratedAgent)
			a.ratings = append(a.ratings, float64(*f.rating))
		}
	}
	r.Totals = statsOf(all)
	r.Days = []DayStats{}
	for _, d := range daysBetween(from, to) {
		r.Days = append(r.Days, DayStats{Date: d, Stats: statsOf(byDay[d])})
	}
	ids := make([]int64, 0, len(agents))
	for id := range agents {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	users, err := s.store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, errs.Wrap(err, "load agents")
	}
	r.Agents = []AgentStats{}
	for _, id := range ids {
		a := agents[id]
		st := AgentStats{AgentID: id, Assigned: a.assigned, Resolved: a.resolved, Ratings: len(a.ratings),
			FirstResponseMedianS: percentile(a.firstResponses, 50), CSATAverage: mean(a.ratings)}
		if u := users[id]; u != nil {
			st.Name = u.Nickname
			if st.Name == "" {
				st.Name = u.Username
			}
		}
		r.Agents = append(r.Agents, st)
	}
	return r, nil
}

type agentAcc struct {
	assigned, resolved int
	firstResponses     []float64
	ratings            []float64
}

// factsOf folds the ordered event log into per-conversation facts.
func factsOf(events []store.ConversationEvent) map[int64]*convFacts {
	out := map[int64]*convFacts{}
	for _, e := range events {
		f := out[e.ConversationID]
		if f == nil {
			f = &convFacts{assigned: map[int64]bool{}}
			out[e.ConversationID] = f
		}
		secs := func() *float64 { v := e.At.Sub(f.created).Seconds(); return &v }
		switch e.Type {
		case "created":
			f.created = e.At
		case "assigned":
			if f.wait == nil {
				f.wait = secs()
			}
			if e.AgentID != nil {
				f.assigned[*e.AgentID] = true
			}
		case "first_reply":
			if f.firstResponse == nil {
				f.firstResponse = secs()
				if e.AgentID != nil {
					f.firstReplier = *e.AgentID
				}
			}
		case "resolved":
			f.resolution = secs()
			f.resolvedBy = 0
			if e.AgentID != nil {
				f.resolvedBy = *e.AgentID
			}
		case "reopened":
			f.resolution, f.resolvedBy = nil, 0
		case "rated":
			v := e.Value
			f.rating = &v
			f.ratedAgent = 0
			if e.AgentID != nil {
				f.ratedAgent = *e.AgentID
			}
		}
	}
	for id, f := range out {
		if f.created.IsZero() {
			delete(out, id)
		}
	}
	return out
}

func statsOf(fs []*convFacts) Stats {
	var waits, firsts, resolutions, ratings []float64
	st := Stats{Conversations: len(fs)}
	for _, f := range fs {
		if f.wait != nil {
			waits = append(waits, *f.wait)
		}
		if f.firstResponse != nil {
			firsts = append(firsts, *f.firstResponse)
		} else {
			st.Missed++
		}
		if f.resolution != nil {
			st.Resolved++
			resolutions = append(resolutions, *f.resolution)
		}
		if f.rating != nil {
			ratings = append(ratings, float64(*f.rating))
		}
	}
	st.WaitMedianS, st.WaitP90S = percentile(waits, 50), percentile(waits, 90)
	st.FirstResponseMedianS, st.FirstResponseP90S = percentile(firsts, 50), percentile(firsts, 90)
	st.ResolutionMedianS, st.ResolutionP90S = percentile(resolutions, 50), percentile(resolutions, 90)
	st.Ratings, st.CSATAverage = len(ratings), mean(ratings)
	return st
}

// percentile is the nearest-rank p-th percentile, nil for no data.
func percentile(xs []float64, p float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	if rank < 1 {
		rank = 1
	}
	v := s[rank-1]
	return &v
}

func mean(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	v := math.Round(sum/float64(len(xs))*100) / 100
	return &v
}

// daysBetween lists every UTC day from from's to the one holding the last
// instant before to (to is exclusive), so that charts show quiet days as
// zeros instead of skipping them.
func daysBetween(from, to time.Time) []string {
	first := from.UTC().Truncate(24 * time.Hour)
	last := to.UTC().Add(-time.Nanosecond)
	var out []string
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format("2006-01-02"))
	}
	return out
}
