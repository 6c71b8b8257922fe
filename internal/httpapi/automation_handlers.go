package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/automation"
)

// automationRoutes registers the sites' automation rules.
func (s *Server) automationRoutes(user *echo.Group) {
	user.GET("/sites/:id/automation-rules", s.listAutomationRules)
	user.POST("/sites/:id/automation-rules", s.createAutomationRule)
	user.GET("/automation-rules/:id", s.getAutomationRule)
	user.PATCH("/automation-rules/:id", s.patchAutomationRule)
	user.DELETE("/automation-rules/:id", s.deleteAutomationRule)
}

func (s *Server) listAutomationRules(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	items, err := s.deps.Automation.List(c.Request().Context(), identity(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[automation.Rule]{Items: items})
}

func (s *Server) createAutomationRule(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req automation.Input
	if err := bind(c, &req); err != nil {
		return err
	}
	r, err := s.deps.Automation.Create(c.Request().Context(), identity(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

func (s *Server) getAutomationRule(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.deps.Automation.Get(c.Request().Context(), identity(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) patchAutomationRule(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req automation.Input
	if err := bind(c, &req); err != nil {
		return err
	}
	r, err := s.deps.Automation.Update(c.Request().Context(), identity(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) deleteAutomationRule(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Automation.Delete(c.Request().Context(), identity(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
