package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/support"
)

// teamRoutes registers teams of agents and their members.
func (s *Server) teamRoutes(user *echo.Group) {
	user.GET("/teams", s.listTeams)
	user.POST("/teams", s.createTeam)
	user.GET("/teams/:id", s.getTeam)
	user.PATCH("/teams/:id", s.patchTeam)
	user.DELETE("/teams/:id", s.deleteTeam)
	user.PUT("/teams/:id/members/:user_id", s.putTeamMember)
	user.DELETE("/teams/:id/members/:user_id", s.deleteTeamMember)
}

func (s *Server) listTeams(c echo.Context) error {
	items, err := s.deps.Routing.Teams(c.Request().Context(), identity(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[support.Team]{Items: items})
}

func (s *Server) createTeam(c echo.Context) error {
	var req support.TeamInput
	if err := bind(c, &req); err != nil {
		return err
	}
	t, err := s.deps.Routing.CreateTeam(c.Request().Context(), identity(c), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, t)
}

func (s *Server) getTeam(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	t, err := s.deps.Routing.Team(c.Request().Context(), identity(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (s *Server) patchTeam(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req support.TeamInput
	if err := bind(c, &req); err != nil {
		return err
	}
	t, err := s.deps.Routing.UpdateTeam(c.Request().Context(), identity(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (s *Server) deleteTeam(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Routing.DeleteTeam(c.Request().Context(), identity(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) putTeamMember(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	uid, err := pathID(c, "user_id")
	if err != nil {
		return err
	}
	t, err := s.deps.Routing.AddTeamMember(c.Request().Context(), identity(c), id, uid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (s *Server) deleteTeamMember(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	uid, err := pathID(c, "user_id")
	if err != nil {
		return err
	}
	if err := s.deps.Routing.RemoveTeamMember(c.Request().Context(), identity(c), id, uid); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
