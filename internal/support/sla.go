package support

import (
	"time"

	"github.com/parley-chat/parley/internal/store"
)

// MaxSLATargetS bounds a queue's service-level targets (30 days).
const MaxSLATargetS = 30 * 24 * 3600

// SLA is where a conversation stands against its queue's service-level
// targets: when the first agent reply and the resolution are due (null:
// no target), and whether they came, or are still missing, past that.
type SLA struct {
	FirstResponseDueAt    *time.Time `json:"first_response_due_at"`
	ResolutionDueAt       *time.Time `json:"resolution_due_at"`
	FirstResponseTargetS  *int       `json:"first_response_target_s"`
	ResolutionTargetS     *int       `json:"resolution_target_s"`
	FirstResponseAt       *time.Time `json:"first_response_at"`
	FirstResponseBreached bool       `json:"first_response_breached"`
	ResolutionBreached    bool       `json:"resolution_breached"`
}

// firstResponseBreached tells whether the first agent reply came after
// its due time, or has not come and the due time passed while the
// conversation was open.
func firstResponseBreached(sc *store.SupportConversation, now time.Time) bool {
	due := sc.FirstResponseDueAt
	switch {
	case due == nil:
		return false
	case sc.FirstResponseAt != nil:
		return sc.FirstResponseAt.After(*due)
	case sc.Status == StatusResolved && sc.ResolvedAt != nil:
		return sc.ResolvedAt.After(*due)
	}
	return now.After(*due)
}

// resolutionBreached tells whether the conversation was resolved after
// its due time, or is open past it.
func resolutionBreached(sc *store.SupportConversation, now time.Time) bool {
	due := sc.ResolutionDueAt
	switch {
	case due == nil:
		return false
	case sc.Status == StatusResolved && sc.ResolvedAt != nil:
		return sc.ResolvedAt.After(*due)
	}
	return now.After(*due)
}

// slaView is a conversation's SLA as agents see it.
func slaView(sc *store.SupportConversation, q *store.Queue, now time.Time) *SLA {
	out := &SLA{FirstResponseDueAt: sc.FirstResponseDueAt, ResolutionDueAt: sc.ResolutionDueAt, FirstResponseAt: sc.FirstResponseAt,
		FirstResponseBreached: firstResponseBreached(sc, now), ResolutionBreached: resolutionBreached(sc, now)}
	if q != nil {
		out.FirstResponseTargetS, out.ResolutionTargetS = q.FirstResponseTargetS, q.ResolutionTargetS
	}
	return out
}

// dueAfter is at plus a target, or nil for no target.
func dueAfter(at time.Time, targetS *int) *time.Time {
	if targetS == nil {
		return nil
	}
	t := at.Add(time.Duration(*targetS) * time.Second)
	return &t
}
