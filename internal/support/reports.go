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
	// Labels counts, per label, the conversations created in the range
	// that carry it now.
	Labels []LabelStats `json:"labels"`
}

// LabelStats is how many conversations of the range carry a label.
type LabelStats struct {
	LabelID       int64  `json:"label_id"`
	Name          string `json:"name"`
	Colour        string `json:"colour"`
	Conversations int    `json:"conversations"`
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
	// SLA breaches: conversations whose first reply or resolution came
	// after its due time, or is missing past it.
	FirstResponseBreaches int `json:"first_response_breaches"`
	ResolutionBreaches    int `json:"resolution_breaches"`
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
	// SLA breaches of the conversations the agent held when the reply or
	// the resolution fell due.
	FirstResponseBreaches int `json:"first_response_breaches"`
	ResolutionBreaches    int `json:"resolution_breaches"`
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
	// assignments in order, to tell who held the conversation when.
	holders []holder
	// SLA breaches, and the agents who held the conversation at the due times.
	firstBreached, resolutionBreached bool
	firstBreachAgent, resolutionAgent int64
}

type holder struct {
	at    time.Time
	agent int64
}

// holderAt is who held the conversation at t (0: nobody yet).
func (f *convFacts) holderAt(t time.Time) int64 {
	var id int64
	for _, h := range f.holders {
		if h.at.After(t) {
			break
		}
		id = h.agent
	}
	return id
}

// Reports draws a site's figures from its conversation event log.
type Reports struct {
	store *store.Store
	now   func() time.Time
}

// NewReports builds the reports on the rules' store and clock.
func NewReports(rules *Rules) *Reports {
	return &Reports{store: rules.store, now: rules.now}
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
	if err := s.addBreaches(ctx, facts); err != nil {
		return nil, err
	}
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
		if f.firstBreached && f.firstBreachAgent != 0 {
			agent(f.firstBreachAgent).firstBreaches++
		}
		if f.resolutionBreached && f.resolutionAgent != 0 {
			agent(f.resolutionAgent).resolutionBreaches++
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
			FirstResponseMedianS: percentile(a.firstResponses, 50), CSATAverage: mean(a.ratings),
			FirstResponseBreaches: a.firstBreaches, ResolutionBreaches: a.resolutionBreaches}
		if u := users[id]; u != nil {
			st.Name = u.Nickname
			if st.Name == "" {
				st.Name = u.Username
			}
		}
		r.Agents = append(r.Agents, st)
	}
	if r.Labels, err = s.labelStats(ctx, siteID, from, to); err != nil {
		return nil, err
	}
	return r, nil
}

// addBreaches marks the conversations that missed their SLA, and who held
// them when the reply or the resolution fell due.
func (s *Reports) addBreaches(ctx context.Context, facts map[int64]*convFacts) error {
	ids := make([]int64, 0, len(facts))
	for id := range facts {
		ids = append(ids, id)
	}
	rows, err := s.store.SupportConversationsByIDs(ctx, ids)
	if err != nil {
		return errs.Wrap(err, "load conversations")
	}
	now := s.now()
	for id, f := range facts {
		sc := rows[id]
		if sc == nil {
			continue
		}
		if firstResponseBreached(sc, now) {
			f.firstBreached, f.firstBreachAgent = true, f.holderAt(*sc.FirstResponseDueAt)
		}
		if resolutionBreached(sc, now) {
			f.resolutionBreached, f.resolutionAgent = true, f.holderAt(*sc.ResolutionDueAt)
		}
	}
	return nil
}

// labelStats counts the range's conversations per label, by label name.
func (s *Reports) labelStats(ctx context.Context, siteID int64, from, to time.Time) ([]LabelStats, error) {
	counts, err := s.store.LabelCountsOfSite(ctx, siteID, from, to)
	if err != nil {
		return nil, errs.Wrap(err, "count labels")
	}
	ids := make([]int64, 0, len(counts))
	for _, c := range counts {
		ids = append(ids, c.LabelID)
	}
	labels, err := s.store.LabelsByIDs(ctx, ids)
	if err != nil {
		return nil, errs.Wrap(err, "load labels")
	}
	out := []LabelStats{}
	for _, c := range counts {
		if l := labels[c.LabelID]; l != nil {
			out = append(out, LabelStats{LabelID: l.ID, Name: l.Name, Colour: l.Colour, Conversations: c.Count})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Conversations != out[j].Conversations {
			return out[i].Conversations > out[j].Conversations
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

type agentAcc struct {
	firstBreaches, resolutionBreaches int
	assigned, resolved                int
	firstResponses                    []float64
	ratings                           []float64
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
				f.holders = append(f.holders, holder{at: e.At, agent: *e.AgentID})
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
		if f.firstBreached {
			st.FirstResponseBreaches++
		}
		if f.resolutionBreached {
			st.ResolutionBreaches++
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
