package httpapi

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/support"
)

// contactRoutes registers visitors' contact profiles for agents.
func (s *Server) contactRoutes(user *echo.Group) {
	user.GET("/sites/:id/contacts", s.listContacts)
	user.GET("/support/visitors/:id", s.getContact)
	user.PATCH("/support/visitors/:id", s.patchContact)
	user.POST("/support/visitors/:id/merge", s.mergeContact)
}

func (s *Server) listContacts(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	b, n, err := pageParams(c)
	if err != nil {
		return err
	}
	items, next, err := s.deps.Inbox.Contacts(c.Request().Context(), identity(c), id, strings.TrimSpace(c.QueryParam("q")), b, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[support.Contact]{Items: items, NextCursor: cursorOrNil(next)})
}

func (s *Server) getContact(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ct, err := s.deps.Inbox.Contact(c.Request().Context(), identity(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ct)
}

func (s *Server) patchContact(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req support.ContactInput
	if err := bind(c, &req); err != nil {
		return err
	}
	ct, err := s.deps.Inbox.UpdateContact(c.Request().Context(), identity(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ct)
}

type mergeRequest struct {
	FromVisitorID int64 `json:"from_visitor_id"`
}

func (s *Server) mergeContact(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req mergeRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	ct, err := s.deps.Inbox.MergeContact(c.Request().Context(), identity(c), id, req.FromVisitorID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ct)
}
