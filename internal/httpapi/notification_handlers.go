package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
)

func (s *Server) notificationRoutes(user *echo.Group) {
	user.PUT("/conversations/:id/notifications", s.putConversationNotifications)
	user.GET("/me/notifications", s.getNotificationSettings)
	user.PUT("/me/notifications", s.putNotificationSettings)
}

// muteRequest keeps muted_until a string so that a bad time names its
// field.
type muteRequest struct {
	MutedUntil   *string `json:"muted_until"`
	MutedForever bool    `json:"muted_forever"`
}

func (s *Server) putConversationNotifications(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req muteRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	var until *time.Time
	if req.MutedUntil != nil {
		t, err := time.Parse(time.RFC3339, *req.MutedUntil)
		if err != nil {
			return errs.Field("muted_until", "must be an RFC 3339 time, such as 2030-01-02T15:04:05Z")
		}
		until = &t
	}
	st, err := s.deps.Chat.SetMute(c.Request().Context(), identity(c).ID, id, until, req.MutedForever)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

type notificationSettingsRequest struct {
	DND *chat.DND `json:"dnd"`
}

func (s *Server) getNotificationSettings(c echo.Context) error {
	set, err := s.deps.Chat.NotificationSettings(c.Request().Context(), identity(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, set)
}

func (s *Server) putNotificationSettings(c echo.Context) error {
	var req notificationSettingsRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	set, err := s.deps.Chat.SetNotificationSettings(c.Request().Context(), identity(c).ID, req.DND)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, set)
}
