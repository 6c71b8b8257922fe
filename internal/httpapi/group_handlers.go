package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/social"
)

// groupRoutes registers groups, members, join requests and invites.
func (s *Server) groupRoutes(user *echo.Group) {
	user.POST("/groups", s.createGroup, s.requireVerified)
	user.GET("/groups", s.listGroups)
	user.POST("/groups/join", s.joinGroup, s.requireVerified)
	user.GET("/groups/:id", s.getGroup)
	user.PATCH("/groups/:id", s.patchGroup)
	user.DELETE("/groups/:id", s.dissolveGroup)
	user.POST("/groups/:id/leave", s.leaveGroup)
	user.POST("/groups/:id/transfer", s.transferGroup)
	user.GET("/groups/:id/members", s.listMembers)
	user.PATCH("/groups/:id/members/:user_id", s.patchMember)
	user.DELETE("/groups/:id/members/:user_id", s.kickMember)
	user.GET("/groups/:id/join-requests", s.listJoinRequests)
	user.POST("/groups/:id/join-requests/:request_id/accept", s.acceptJoinRequest)
	user.POST("/groups/:id/join-requests/:request_id/reject", s.rejectJoinRequest)
	user.POST("/groups/:id/invites", s.createInvite)
	user.GET("/groups/:id/invites", s.listInvites)
	user.DELETE("/groups/:id/invites/:token", s.revokeInvite)
	user.GET("/invites/:token", s.previewInvite)
	user.POST("/invites/:token/accept", s.acceptInvite, s.requireVerified)
}

type createGroupRequest struct {
	Name       string  `json:"name"`
	AvatarURL  string  `json:"avatar_url"`
	JoinPolicy string  `json:"join_policy"`
	MemberIDs  []int64 `json:"member_ids"`
}

func (s *Server) createGroup(c echo.Context) error {
	var req createGroupRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	g, err := s.deps.Social.CreateGroup(c.Request().Context(), identity(c).ID, social.NewGroup{
		Name: req.Name, AvatarURL: req.AvatarURL, JoinPolicy: req.JoinPolicy, MemberIDs: req.MemberIDs,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, g)
}

func (s *Server) listGroups(c echo.Context) error {
	a, n, err := pageParams(c)
	if err != nil {
		return err
	}
	items, next, err := s.deps.Social.ListGroups(c.Request().Context(), identity(c).ID, a, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[social.Group]{Items: items, NextCursor: cursorOrNil(next)})
}

// cursorOrNil renders a numeric cursor as a string, or null at the end.
func cursorOrNil(next int64) any {
	if next == 0 {
		return nil
	}
	return strconv.FormatInt(next, 10)
}

type joinGroupRequest struct {
	Number  int64  `json:"number"`
	Message string `json:"message"`
}

func (s *Server) joinGroup(c echo.Context) error {
	var req joinGroupRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	res, err := s.deps.Social.JoinByNumber(c.Request().Context(), identity(c).ID, req.Number, req.Message)
	if err != nil {
		return err
	}
	return renderJoin(c, res)
}

func renderJoin(c echo.Context, res *social.JoinResult) error {
	if res.Status == "pending" {
		return c.JSON(http.StatusAccepted, res)
	}
	return c.JSON(http.StatusOK, res)
}

func (s *Server) getGroup(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	g, err := s.deps.Social.GetGroup(c.Request().Context(), identity(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, g)
}

func (s *Server) patchGroup(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req social.GroupPatch
	if err := bind(c, &req); err != nil {
		return err
	}
	g, err := s.deps.Social.UpdateGroup(c.Request().Context(), identity(c).ID, id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, g)
}

func (s *Server) dissolveGroup(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Social.DissolveGroup(c.Request().Context(), identity(c).ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) leaveGroup(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Social.Leave(c.Request().Context(), identity(c).ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type userIDRequest struct {
	UserID int64 `json:"user_id"`
}

func (s *Server) transferGroup(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req userIDRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.UserID <= 0 {
		return errs.Field("user_id", "required")
	}
	g, err := s.deps.Social.Transfer(c.Request().Context(), identity(c).ID, id, req.UserID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, g)
}

func (s *Server) listMembers(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, n, err := pageParams(c)
	if err != nil {
		return err
	}
	items, next, err := s.deps.Social.Members(c.Request().Context(), identity(c).ID, id, a, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[social.GroupMember]{Items: items, NextCursor: cursorOrNil(next)})
}

// patchMemberRequest keeps muted_until raw so that an explicit null
// (unmute) differs from an absent field.
type patchMemberRequest struct {
	Role       *string         `json:"role"`
	MutedUntil json.RawMessage `json:"muted_until"`
}

func (s *Server) patchMember(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	target, err := pathID(c, "user_id")
	if err != nil {
		return err
	}
	var req patchMemberRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	p := social.MemberPatch{Role: req.Role}
	if len(req.MutedUntil) > 0 {
		p.MutedUntilSet = true
		if string(req.MutedUntil) != "null" {
			var t time.Time
			if err := json.Unmarshal(req.MutedUntil, &t); err != nil {
				return errs.Field("muted_until", "an RFC 3339 time, or null to unmute")
			}
			p.MutedUntil = &t
		}
	}
	m, err := s.deps.Social.UpdateMember(c.Request().Context(), identity(c).ID, id, target, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

func (s *Server) kickMember(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	target, err := pathID(c, "user_id")
	if err != nil {
		return err
	}
	if err := s.deps.Social.Kick(c.Request().Context(), identity(c).ID, id, target); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listJoinRequests(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	items, err := s.deps.Social.JoinRequests(c.Request().Context(), identity(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[social.JoinRequest]{Items: items})
}

func (s *Server) decideJoinRequest(c echo.Context, accept bool) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	rid, err := pathID(c, "request_id")
	if err != nil {
		return err
	}
	if err := s.deps.Social.DecideJoinRequest(c.Request().Context(), identity(c).ID, id, rid, accept); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) acceptJoinRequest(c echo.Context) error { return s.decideJoinRequest(c, true) }
func (s *Server) rejectJoinRequest(c echo.Context) error { return s.decideJoinRequest(c, false) }

type createInviteRequest struct {
	ExpiresIn int64 `json:"expires_in"`
	MaxUses   int   `json:"max_uses"`
}

func (s *Server) createInvite(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req createInviteRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	inv, err := s.deps.Social.CreateInvite(c.Request().Context(), identity(c).ID, id, time.Duration(req.ExpiresIn)*time.Second, req.MaxUses)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, inv)
}

func (s *Server) listInvites(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	items, err := s.deps.Social.Invites(c.Request().Context(), identity(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[social.Invite]{Items: items})
}

func (s *Server) revokeInvite(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Social.RevokeInvite(c.Request().Context(), identity(c).ID, id, c.Param("token")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) previewInvite(c echo.Context) error {
	p, err := s.deps.Social.PreviewInvite(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) acceptInvite(c echo.Context) error {
	res, err := s.deps.Social.AcceptInvite(c.Request().Context(), identity(c).ID, c.Param("token"))
	if err != nil {
		return err
	}
	return renderJoin(c, res)
}
