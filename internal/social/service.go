// Package social owns who knows whom: friends, friend requests and
// categories, blocks, add-me codes, presence, and groups with their roles,
// moderation and invites. Messages themselves belong to chat.
package social

import (
	"context"
	"log/slog"
	"time"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/ratelimit"
	"github.com/parley-chat/parley/internal/store"
)

// Config tunes the social service.
type Config struct {
	PublicURL      string
	GroupMemberCap int
	// FriendRequestsPerHour and GroupJoinsPerHour cap what one user may
	// do per hour (0: unlimited); see SetLimiter.
	FriendRequestsPerHour int
	GroupJoinsPerHour     int
}

// Service implements friends, presence and groups.
type Service struct {
	store    *store.Store
	chat     *chat.Service
	presence PresenceTracker
	limiter  *ratelimit.Limiter
	cfg      Config
	log      *slog.Logger
	now      func() time.Time

	presenceLocks presenceLocks
}

// New builds the social service; presence tracks who is connected.
func New(st *store.Store, ch *chat.Service, presence PresenceTracker, cfg Config, log *slog.Logger) *Service {
	return &Service{store: st, chat: ch, presence: presence, cfg: cfg, log: log, now: func() time.Time { return time.Now().UTC() }}
}

// SetLimiter installs the rate limiter of friend requests and group joins.
// Set once at wiring time.
func (s *Service) SetLimiter(l *ratelimit.Limiter) { s.limiter = l }

var (
	_ chat.SendPolicy       = (*Service)(nil)
	_ chat.DirectOpenPolicy = (*Service)(nil)
)

// CheckSend is consulted by every send: direct messages need a friendship
// and no block either way; in groups muted members and, under mute-all,
// plain members stay silent.
func (s *Service) CheckSend(ctx context.Context, tx *store.Store, conv *store.Conversation, userID int64) error {
	switch conv.Kind {
	case store.KindDirect:
		return s.checkDirectSend(ctx, tx, conv, userID)
	case store.KindGroup:
		return s.checkGroupSend(ctx, tx, conv, userID)
	}
	return nil
}

// CheckSends implements chat.SendPolicy for a batch: the blocks and
// friendships of every direct send in one statement, the groups of every
// group send in one; members come with the batch.
func (s *Service) CheckSends(ctx context.Context, tx *store.Store, sends []chat.SendCheck) ([]error, error) {
	var pairs []store.Pair
	var groupConvs []int64
	for _, c := range sends {
		switch c.Conv.Kind {
		case store.KindDirect:
			if p := peer(c.Members, c.UserID); p != 0 {
				pairs = append(pairs, store.Pair{A: c.UserID, B: p})
			}
		case store.KindGroup:
			groupConvs = append(groupConvs, c.Conv.ID)
		}
	}
	blocked, friends, err := tx.DirectTies(ctx, pairs)
	if err != nil {
		return nil, err
	}
	groups, err := tx.GroupsByConversations(ctx, groupConvs)
	if err != nil {
		return nil, err
	}
	verdicts := make([]error, len(sends))
	for i, c := range sends {
		switch c.Conv.Kind {
		case store.KindDirect:
			if p := peer(c.Members, c.UserID); p != 0 {
				pair := store.Pair{A: c.UserID, B: p}
				verdicts[i] = directVerdict(blocked[pair], friends[pair], errBlockedSend)
			}
		case store.KindGroup:
			for k := range c.Members {
				if c.Members[k].UserID == c.UserID {
					verdicts[i] = s.groupVerdict(&c.Members[k], groups[c.Conv.ID])
					break
				}
			}
		}
	}
	return verdicts, nil
}
