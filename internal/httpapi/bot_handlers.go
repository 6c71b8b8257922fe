package httpapi

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/internal/support"
)

// botKey holds the bot a bot API request authenticated as.
const botKey = "bot"

// botRoutes registers the admins' bot settings and the bot API (a bot's
// token instead of a user's).
func (s *Server) botRoutes(api, user *echo.Group) {
	user.GET("/sites/:id/bots", s.listBots)
	user.POST("/sites/:id/bots", s.createBot)
	user.PATCH("/bots/:id", s.patchBot)
	user.DELETE("/bots/:id", s.deleteBot)
	user.POST("/bots/:id/token", s.rotateBotToken)
	bot := api.Group("/bot", s.requireBot)
	bot.POST("/conversations/:id/messages", s.botSend)
	bot.POST("/conversations/:id/handoff", s.botHandoff)
}

// requireBot authenticates `Authorization: Bot <token>`.
func (s *Server) requireBot(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		scheme, token, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		if !strings.EqualFold(scheme, "Bot") || strings.TrimSpace(token) == "" {
			return errs.R(errs.Unauthorized, "unauthorized", "send Authorization: Bot <token> with the bot's token")
		}
		b, err := s.deps.Bots.Authenticate(c.Request().Context(), strings.TrimSpace(token))
		if err != nil {
			return err
		}
		c.Set(botKey, b)
		return next(c)
	}
}

func botOf(c echo.Context) *store.Bot {
	b, _ := c.Get(botKey).(*store.Bot)
	return b
}

func (s *Server) listBots(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	items, err := s.deps.Bots.List(c.Request().Context(), identity(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[support.Bot]{Items: items})
}

func (s *Server) createBot(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req support.BotInput
	if err := bind(c, &req); err != nil {
		return err
	}
	b, err := s.deps.Bots.Create(c.Request().Context(), identity(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, b)
}

func (s *Server) patchBot(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req support.BotPatch
	if err := bind(c, &req); err != nil {
		return err
	}
	b, err := s.deps.Bots.Update(c.Request().Context(), identity(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

func (s *Server) deleteBot(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Bots.Delete(c.Request().Context(), identity(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) rotateBotToken(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	b, err := s.deps.Bots.RotateToken(c.Request().Context(), identity(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

func (s *Server) botSend(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req support.BotSendInput
	if err := bind(c, &req); err != nil {
		return err
	}
	msg, err := s.deps.Bots.Send(c.Request().Context(), botOf(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, msg)
}

func (s *Server) botHandoff(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req support.HandoffInput
	if c.Request().ContentLength != 0 {
		if err := bind(c, &req); err != nil {
			return err
		}
	}
	conv, err := s.deps.Bots.Handoff(c.Request().Context(), botOf(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, conv)
}

func (s *Server) widgetHandoff(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	conv, err := s.deps.Bots.VisitorHandoff(c.Request().Context(), identity(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, conv)
}
