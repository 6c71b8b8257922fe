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
func (s *Service) Status(ctx context.Context, userID int64) (*AgentStatus, error) {
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
func (s *Service) SetStatus(ctx context.Context, userID int64, status string) error {
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
