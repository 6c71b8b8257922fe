package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/support"
)

// labelRoutes registers labels and their use on conversations and visitors.
func (s *Server) labelRoutes(user *echo.Group) {
	user.GET("/labels", s.listLabels)
	user.POST("/labels", s.createLabel)
	user.PATCH("/labels/:id", s.patchLabel)
	user.DELETE("/labels/:id", s.deleteLabel)
	user.PUT("/support/conversations/:id/labels", s.putConversationLabels)
	user.POST("/support/conversations/labels", s.bulkConversationLabels)
	user.PUT("/support/visitors/:id/labels", s.putVisitorLabels)
}

type labelIDsRequest struct {
	LabelIDs []int64 `json:"label_ids"`
}

func (s *Server) listLabels(c echo.Context) error {
	items, err := s.deps.Labels.List(c.Request().Context(), identity(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[support.Label]{Items: items})
}

func (s *Server) createLabel(c echo.Context) error {
	var req support.LabelInput
	if err := bind(c, &req); err != nil {
		return err
	}
	l, err := s.deps.Labels.Create(c.Request().Context(), identity(c), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, l)
}

func (s *Server) patchLabel(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req support.LabelInput
	if err := bind(c, &req); err != nil {
		return err
	}
	l, err := s.deps.Labels.Update(c.Request().Context(), identity(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

func (s *Server) deleteLabel(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Labels.Delete(c.Request().Context(), identity(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) putConversationLabels(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req labelIDsRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	conv, err := s.deps.Labels.SetConversationLabels(c.Request().Context(), identity(c), id, req.LabelIDs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, conv)
}

func (s *Server) bulkConversationLabels(c echo.Context) error {
	var req support.BulkLabels
	if err := bind(c, &req); err != nil {
		return err
	}
	out, err := s.deps.Labels.BulkConversationLabels(c.Request().Context(), identity(c), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) putVisitorLabels(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req labelIDsRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	v, err := s.deps.Labels.SetVisitorLabels(c.Request().Context(), identity(c), id, req.LabelIDs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}
