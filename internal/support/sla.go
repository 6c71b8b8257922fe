package support

import (
	"context"
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

// restampSLA recomputes, in tx, an open conversation's due times for the
// targets of queue to, its queue until now having been from (nil: it was
// and stays there, from holding its targets before their change). Each
// clock keeps its start: the first response's runs from the creation, or
// from the hand-off for a conversation a bot answered first, and is left
// as it is once the first reply came; the resolution's runs from the
// creation, or from the last reopening. A start is read back from the old
// due time and target when both exist.
func restampSLA(ctx context.Context, tx *store.Store, sc *store.SupportConversation, from, to *store.Queue) error {
	if sc.Status == StatusResolved {
		return nil
	}
	var u store.SupportConversationUpdate
	if sc.Status != StatusBot && sc.FirstResponseAt == nil {
		start := clockStart(sc.FirstResponseDueAt, from.FirstResponseTargetS, sc.CreatedAt)
		if sc.BotID != nil && (sc.FirstResponseDueAt == nil || from.FirstResponseTargetS == nil) && sc.QueuedAt != nil {
			start = *sc.QueuedAt // handed off by its bot
		}
		if due := dueAfter(start, to.FirstResponseTargetS); !sameTime(due, sc.FirstResponseDueAt) {
			u.FirstResponseDueAt = store.Null[time.Time]{Set: true, Value: due}
			sc.FirstResponseDueAt = due
		}
	}
	start := clockStart(sc.ResolutionDueAt, from.ResolutionTargetS, sc.CreatedAt)
	if due := dueAfter(start, to.ResolutionTargetS); !sameTime(due, sc.ResolutionDueAt) {
		u.ResolutionDueAt = store.Null[time.Time]{Set: true, Value: due}
		sc.ResolutionDueAt = due
	}
	if u == (store.SupportConversationUpdate{}) {
		return nil
	}
	return tx.UpdateSupportConversation(ctx, sc.ConversationID, u)
}

// clockStart is when a due time's clock started: the due time less its
// target, or else fallback.
func clockStart(due *time.Time, targetS *int, fallback time.Time) time.Time {
	if due == nil || targetS == nil {
		return fallback
	}
	return due.Add(-time.Duration(*targetS) * time.Second)
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// restampQueueSLA recomputes the due times of a queue's open
// conversations, in tx, after its targets changed from before's.
func restampQueueSLA(ctx context.Context, tx *store.Store, before, after *store.Queue) error {
	if sameTarget(before.FirstResponseTargetS, after.FirstResponseTargetS) && sameTarget(before.ResolutionTargetS, after.ResolutionTargetS) {
		return nil
	}
	open, err := tx.OpenSupportConversationsOfQueue(ctx, after.ID)
	if err != nil {
		return err
	}
	for i := range open {
		if err := restampSLA(ctx, tx, &open[i], before, after); err != nil {
			return err
		}
	}
	return nil
}

func sameTarget(a, b *int) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
