package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// setupChecklist answers the first-run checklist (admins only).
func (s *Server) setupChecklist(c echo.Context) error {
	list, err := s.deps.Sites.SetupChecklist(c.Request().Context(), identity(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list)
}
