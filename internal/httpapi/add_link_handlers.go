package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (s *Server) getAddLink(c echo.Context) error {
	link, err := s.deps.Social.AddLink(c.Request().Context(), identity(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, link)
}

func (s *Server) revokeAddLink(c echo.Context) error {
	link, err := s.deps.Social.RevokeAddLink(c.Request().Context(), identity(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, link)
}

// getAddQR draws the add-me link as a PNG. It is private to its owner and
// changes on revoke, so it is never cached.
func (s *Server) getAddQR(c echo.Context) error {
	png, err := s.deps.Social.AddQR(c.Request().Context(), identity(c).ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "image/png", png)
}

func (s *Server) resolveAddCode(c echo.Context) error {
	u, err := s.deps.Social.ResolveAddCode(c.Request().Context(), identity(c).ID, c.Param("code"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}
