package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/social"
)

// friendRoutes registers friends, requests, categories, blocks, add-me
// codes and presence.
func (s *Server) friendRoutes(user *echo.Group) {
	user.POST("/friend-requests", s.sendFriendRequest, s.requireVerified)
	user.GET("/friend-requests", s.listFriendRequests)
	user.POST("/friend-requests/:id/accept", s.acceptFriendRequest, s.requireVerified)
	user.POST("/friend-requests/:id/reject", s.rejectFriendRequest)
	user.DELETE("/friend-requests/:id", s.cancelFriendRequest)
	user.GET("/friends", s.listFriends)
	user.PATCH("/friends/:user_id", s.patchFriend)
	user.DELETE("/friends/:user_id", s.deleteFriend)
	user.GET("/friend-categories", s.listCategories)
	user.POST("/friend-categories", s.createCategory)
	user.PATCH("/friend-categories/:id", s.patchCategory)
	user.DELETE("/friend-categories/:id", s.deleteCategory)
	user.GET("/blocks", s.listBlocks)
	user.PUT("/blocks/:user_id", s.block)
	user.DELETE("/blocks/:user_id", s.unblock)
	user.GET("/me/add-link", s.getAddLink)
	user.POST("/me/add-link/revoke", s.revokeAddLink)
	user.GET("/me/qr", s.getAddQR)
	user.GET("/add/:code", s.resolveAddCode)
}

type friendRequestRequest struct {
	UserID   int64  `json:"user_id"`
	Username string `json:"username"`
	Message  string `json:"message"`
}

func (s *Server) sendFriendRequest(c echo.Context) error {
	var req friendRequestRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	r, accepted, err := s.deps.Social.SendFriendRequest(c.Request().Context(), identity(c).ID, social.NewFriendRequest{
		UserID: req.UserID, Username: req.Username, Message: req.Message,
	})
	if err != nil {
		return err
	}
	if accepted {
		return c.JSON(http.StatusOK, r)
	}
	return c.JSON(http.StatusCreated, r)
}

func (s *Server) listFriendRequests(c echo.Context) error {
	b, n, err := pageParams(c)
	if err != nil {
		return err
	}
	items, next, err := s.deps.Social.FriendRequests(c.Request().Context(), identity(c).ID, c.QueryParam("box"), b, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[social.FriendRequest]{Items: items, NextCursor: cursorOrNil(next)})
}

func (s *Server) acceptFriendRequest(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.deps.Social.AcceptFriendRequest(c.Request().Context(), identity(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) rejectFriendRequest(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.deps.Social.RejectFriendRequest(c.Request().Context(), identity(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) cancelFriendRequest(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Social.CancelFriendRequest(c.Request().Context(), identity(c).ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listFriends(c echo.Context) error {
	n, err := limit(c)
	if err != nil {
		return err
	}
	items, next, err := s.deps.Social.Friends(c.Request().Context(), identity(c).ID, c.QueryParam("cursor"), n)
	if err != nil {
		return err
	}
	var cursor any
	if next != "" {
		cursor = next
	}
	return c.JSON(http.StatusOK, list[social.Friend]{Items: items, NextCursor: cursor})
}

type friendPatchRequest struct {
	Remark *string `json:"remark"`
	// CategoryID is raw so that null (no category) differs from absent.
	CategoryID json.RawMessage `json:"category_id"`
}

func (s *Server) patchFriend(c echo.Context) error {
	friendID, err := pathID(c, "user_id")
	if err != nil {
		return err
	}
	var req friendPatchRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	p := social.FriendPatch{Remark: req.Remark}
	if len(req.CategoryID) > 0 {
		p.CategorySet = true
		if string(req.CategoryID) != "null" {
			var id int64
			if err := json.Unmarshal(req.CategoryID, &id); err != nil || id <= 0 {
				return errs.Field("category_id", "must be a category id or null")
			}
			p.CategoryID = &id
		}
	}
	f, err := s.deps.Social.UpdateFriend(c.Request().Context(), identity(c).ID, friendID, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, f)
}

func (s *Server) deleteFriend(c echo.Context) error {
	friendID, err := pathID(c, "user_id")
	if err != nil {
		return err
	}
	if err := s.deps.Social.DeleteFriend(c.Request().Context(), identity(c).ID, friendID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
