package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/audit"
	"github.com/parley-chat/parley/internal/auth"
)

func (s *Server) adminListUsers(c echo.Context) error {
	cursor, n, err := pageParams(c)
	if err != nil {
		return err
	}
	items, next, err := s.deps.Auth.ListUsers(c.Request().Context(), identity(c), c.QueryParam("q"), c.QueryParam("role"), cursor, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[auth.User]{Items: items, NextCursor: cursorOrNil(next)})
}

func (s *Server) adminPatchUser(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req auth.UserPatch
	if err := bind(c, &req); err != nil {
		return err
	}
	u, err := s.deps.Auth.UpdateUser(c.Request().Context(), identity(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Server) adminAuditLog(c echo.Context) error {
	cursor, n, err := pageParams(c)
	if err != nil {
		return err
	}
	actor, err := queryInt64(c, "actor", 1)
	if err != nil {
		return err
	}
	f := audit.Filter{Action: c.QueryParam("action"), Cursor: cursor}
	if actor != nil {
		f.ActorID = *actor
	}
	items, next, err := s.deps.Audit.List(c.Request().Context(), identity(c), f, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[audit.Entry]{Items: items, NextCursor: cursorOrNil(next)})
}
