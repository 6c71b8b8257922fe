package support

import (
	"context"
	"errors"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

// Agent statuses, as an agent chooses them.
const (
	AgentOnline  = "online"
	AgentAway    = "away"
	AgentOffline = "offline"
)

// AgentStatus is an agent's chosen status and whether they are connected.
type AgentStatus struct {
	Status    string `json:"status"`
	Connected bool   `json:"connected"`
}

// AgentStatusFrame tells every socket of an agent (other tabs and devices)
// the status they chose, so that all of them show what the router uses.
type AgentStatusFrame struct {
	Type   string `json:"type"` // agent_status
	Status string `json:"status"`
}

// Status returns the caller's chosen status (offline if never chosen).
func (s *Routing) Status(ctx context.Context, userID int64) (*AgentStatus, error) {
	a, err := s.store.AgentByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return &AgentStatus{Status: AgentOffline}, nil
	}
	if err != nil {
		return nil, errs.Wrap(err, "load status")
	}
	return &AgentStatus{Status: a.Status, Connected: a.DisconnectedAt == nil}, nil
}

// SetStatus records an agent's availability and tells the agent's sockets;
// going online takes waiting conversations at once.
func (s *Routing) SetStatus(ctx context.Context, userID int64, status string) error {
	if status != AgentOnline && status != AgentAway && status != AgentOffline {
		return errs.Field("status", "online, away or offline")
	}
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return errs.Wrap(err, "load user")
	}
	if u.Role != "agent" && u.Role != "admin" {
		return errs.R(errs.Forbidden, "not_an_agent", "only agents have a status")
	}
	if err := s.store.SetAgentStatus(ctx, userID, status, s.now()); err != nil {
		return errs.Wrap(err, "set status")
	}
	s.chat.PublishTo(ctx, []int64{userID}, AgentStatusFrame{Type: "agent_status", Status: status})
	if status == AgentOnline {
		s.drain(ctx, userID)
	}
	return nil
}

// AgentConnectivity is told when a user's session opens or closes. The
// last session closing starts the agent's grace period; a session opening
// ends it and, for an online agent, takes waiting conversations.
//
// The agent's row lock puts the calls for one agent in order, on every
// node, and the sessions are counted under it: sessions are counted
// before their open is reported and uncounted before their close is, so
// the last call to take the lock sees every session that opened or closed
// before it. A late close of an old session then cannot mark disconnected
// an agent whose new session opened meanwhile, here or on another node.
func (s *Routing) AgentConnectivity(ctx context.Context, userID int64) {
	if s.sessions == nil {
		return
	}
	connected := false
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		a, err := tx.AgentForUpdate(ctx, userID)
		if errors.Is(err, store.ErrNotFound) {
			return nil // never chose a status: connectivity does not matter
		}
		if err != nil {
			return err
		}
		connected = s.sessions(userID) > 0
		switch {
		case connected && a.DisconnectedAt != nil:
			return tx.SetAgentDisconnected(ctx, userID, nil)
		case !connected && a.DisconnectedAt == nil:
			now := s.now()
			return tx.SetAgentDisconnected(ctx, userID, &now)
		}
		return nil
	})
	if err != nil {
		s.log.WarnContext(ctx, "agent connectivity", "user_id", userID, "err", err)
		return
	}
	if connected {
		s.drain(ctx, userID)
	}
}
