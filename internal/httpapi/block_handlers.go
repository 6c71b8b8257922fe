package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/auth"
)

func (s *Server) listBlocks(c echo.Context) error {
	items, err := s.deps.Social.Blocks(c.Request().Context(), identity(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[auth.PublicUser]{Items: items})
}

func (s *Server) block(c echo.Context) error {
	id, err := pathID(c, "user_id")
	if err != nil {
		return err
	}
	if err := s.deps.Social.Block(c.Request().Context(), identity(c).ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) unblock(c echo.Context) error {
	id, err := pathID(c, "user_id")
	if err != nil {
		return err
	}
	if err := s.deps.Social.Unblock(c.Request().Context(), identity(c).ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
