package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/social"
)

func (s *Server) listCategories(c echo.Context) error {
	items, err := s.deps.Social.Categories(c.Request().Context(), identity(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[social.Category]{Items: items})
}

type categoryRequest struct {
	Name string `json:"name"`
}

func (s *Server) createCategory(c echo.Context) error {
	var req categoryRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	cat, err := s.deps.Social.CreateCategory(c.Request().Context(), identity(c).ID, req.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, cat)
}

type categoryPatchRequest struct {
	Name     *string `json:"name"`
	Position *int    `json:"position"`
}

func (s *Server) patchCategory(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req categoryPatchRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	cat, err := s.deps.Social.UpdateCategory(c.Request().Context(), identity(c).ID, id, social.CategoryPatch{
		Name: req.Name, Position: req.Position,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cat)
}

func (s *Server) deleteCategory(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Social.DeleteCategory(c.Request().Context(), identity(c).ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
