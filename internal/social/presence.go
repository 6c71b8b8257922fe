package social

import (
	"context"
	"sync"
	"time"

	"github.com/parley-chat/parley/internal/errs"
)

// Presence statuses.
const (
	StatusOnline  = "online"
	StatusAway    = "away"
	StatusOffline = "offline"
)

// Presence is whether a user is connected and, when they are not, since
// when (nil if never, or when it is not the viewer's to know).
type Presence struct {
	Status     string     `json:"status"`
	LastSeenAt *time.Time `json:"last_seen_at"`
}

// PresenceFrame tells a user's friends that their presence changed.
type PresenceFrame struct {
	Type       string     `json:"type"` // presence
	UserID     int64      `json:"user_id"`
	Status     string     `json:"status"`
	LastSeenAt *time.Time `json:"last_seen_at"`
}

// Ephemeral lets a receiver that is behind miss a presence change; the
// friend list it fetches on resync tells the current one.
func (PresenceFrame) Ephemeral() bool { return true }

// PresenceTracker keeps who is connected and who said they are idle.
// LocalPresence serves one node; with scale-out a Redis tracker (per-node
// session counts under a heartbeat TTL) takes its place behind the same
// methods.
type PresenceTracker interface {
	// Refresh reconciles userID's status with their open sessions and
	// reports the status and whether it changed since the last call.
	Refresh(ctx context.Context, userID int64) (status string, changed bool)
	// SetAway marks a connected user idle (away) or back (online) and
	// reports the status and whether it changed. Without a session a user
	// stays offline.
	SetAway(ctx context.Context, userID int64, away bool) (status string, changed bool)
	// Statuses returns the status of each user: offline when unknown.
	Statuses(ctx context.Context, ids []int64) map[int64]string
}

// LocalPresence tracks presence from this node's session index.
type LocalPresence struct {
	sessions func(userID int64) int

	mu     sync.Mutex
	status map[int64]string // online or away; absent means offline
}

var _ PresenceTracker = (*LocalPresence)(nil)

// NewLocalPresence builds a tracker that counts a user's sessions with
// sessions (the hub's local index).
func NewLocalPresence(sessions func(userID int64) int) *LocalPresence {
	return &LocalPresence{sessions: sessions, status: map[int64]string{}}
}

// Refresh implements PresenceTracker. The count is read under the lock, so
// of two sessions opening (or closing) at once exactly one sees the change.
func (p *LocalPresence) Refresh(_ context.Context, userID int64) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	prev, known := p.status[userID]
	if p.sessions(userID) == 0 {
		if !known {
			return StatusOffline, false
		}
		delete(p.status, userID)
		return StatusOffline, true
	}
	if known {
		return prev, false
	}
	p.status[userID] = StatusOnline
	return StatusOnline, true
}

// SetAway implements PresenceTracker.
func (p *LocalPresence) SetAway(_ context.Context, userID int64, away bool) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sessions(userID) == 0 {
		delete(p.status, userID)
		return StatusOffline, false
	}
	next := StatusOnline
	if away {
		next = StatusAway
	}
	prev, known := p.status[userID]
	p.status[userID] = next
	return next, !known || prev != next
}

// Statuses implements PresenceTracker.
func (p *LocalPresence) Statuses(_ context.Context, ids []int64) map[int64]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[int64]string, len(ids))
	for _, id := range ids {
		if st, ok := p.status[id]; ok {
			out[id] = st
		} else {
			out[id] = StatusOffline
		}
	}
	return out
}

// presenceLocks keeps the changes of one user in order: the frames of a
// quick close-and-reopen must reach friends as offline, then online.
type presenceLocks [64]sync.Mutex

func (l *presenceLocks) of(userID int64) *sync.Mutex { return &l[uint64(userID)%uint64(len(l))] }

// Connected is called when a realtime session of userID opens: the first
// one makes them online for their friends.
func (s *Service) Connected(ctx context.Context, userID int64) {
	mu := s.presenceLocks.of(userID)
	mu.Lock()
	defer mu.Unlock()
	if status, changed := s.presence.Refresh(ctx, userID); changed {
		s.publishPresence(ctx, userID, status, nil)
	}
}

// Disconnected is called when a realtime session of userID closes: after
// the last one they are offline, and when is kept as last_seen_at.
func (s *Service) Disconnected(ctx context.Context, userID int64) {
	mu := s.presenceLocks.of(userID)
	mu.Lock()
	defer mu.Unlock()
	status, changed := s.presence.Refresh(ctx, userID)
	if !changed {
		return
	}
	var seen *time.Time
	if status == StatusOffline {
		now := s.now()
		seen = &now
		if err := s.store.SetLastSeen(ctx, userID, now); err != nil {
			s.log.WarnContext(ctx, "store last_seen_at", "user_id", userID, "err", err)
		}
	}
	s.publishPresence(ctx, userID, status, seen)
}

// SetPresence lets a connected user say they are idle ("away") or back
// ("online").
func (s *Service) SetPresence(ctx context.Context, userID int64, status string) error {
	if status != StatusOnline && status != StatusAway {
		return errs.Field("status", "online or away")
	}
	mu := s.presenceLocks.of(userID)
	mu.Lock()
	defer mu.Unlock()
	if st, changed := s.presence.SetAway(ctx, userID, status == StatusAway); changed {
		s.publishPresence(ctx, userID, st, nil)
	}
	return nil
}

// publishPresence tells userID's friends, never anyone with a block
// between them either way, and never strangers.
func (s *Service) publishPresence(ctx context.Context, userID int64, status string, lastSeen *time.Time) {
	ids, err := s.store.VisibleFriendIDs(ctx, userID)
	if err != nil {
		s.log.WarnContext(ctx, "presence: load friends", "user_id", userID, "err", err)
		return
	}
	if len(ids) == 0 {
		return
	}
	s.chat.PublishTo(ctx, ids, PresenceFrame{Type: "presence", UserID: userID, Status: status, LastSeenAt: lastSeen})
}

// PresenceOf returns the presence of each of userIDs that exists, without
// regard to who asks: callers that show it to a user apply
// VisiblePresence's rule themselves or call it instead.
func (s *Service) PresenceOf(ctx context.Context, userIDs []int64) map[int64]Presence {
	statuses := s.presence.Statuses(ctx, userIDs)
	out := make(map[int64]Presence, len(userIDs))
	var offline []int64
	for _, id := range userIDs {
		st := statuses[id]
		out[id] = Presence{Status: st}
		if st == StatusOffline {
			offline = append(offline, id)
		}
	}
	if len(offline) > 0 {
		users, err := s.store.UsersByIDs(ctx, offline)
		if err != nil {
			s.log.WarnContext(ctx, "presence: load last_seen_at", "err", err)
			return out
		}
		for _, id := range offline {
			if u := users[id]; u == nil {
				delete(out, id)
			} else {
				out[id] = Presence{Status: StatusOffline, LastSeenAt: u.LastSeenAt}
			}
		}
	}
	return out
}

// VisiblePresence is PresenceOf as viewerID may see it: users with a block
// between them and the viewer, either way, show as offline, last seen
// never.
func (s *Service) VisiblePresence(ctx context.Context, viewerID int64, userIDs []int64) map[int64]Presence {
	out := s.PresenceOf(ctx, userIDs)
	blocked, err := s.store.BlockedAmong(ctx, viewerID, userIDs)
	if err != nil {
		s.log.WarnContext(ctx, "presence: load blocks", "err", err)
		blocked = nil
		for id := range out {
			out[id] = Presence{Status: StatusOffline}
		}
	}
	for id := range blocked {
		if _, ok := out[id]; ok {
			out[id] = Presence{Status: StatusOffline}
		}
	}
	return out
}
