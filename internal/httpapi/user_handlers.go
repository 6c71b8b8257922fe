package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/auth"
)

func (s *Server) searchUsers(c echo.Context) error {
	n, err := limit(c)
	if err != nil {
		return err
	}
	users, err := s.deps.Auth.Search(c.Request().Context(), identity(c).ID, c.QueryParam("q"), n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[auth.PublicUser]{Items: users})
}

type adminUserRequest struct {
	Username string  `json:"username"`
	Email    string  `json:"email"`
	Password string  `json:"password"`
	Nickname string  `json:"nickname"`
	Role     string  `json:"role"`
	Verified bool    `json:"verified"`
	Language *string `json:"language"`
}

func (s *Server) adminCreateUser(c echo.Context) error {
	var req adminUserRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	u, err := s.deps.Auth.CreateUser(c.Request().Context(), identity(c), auth.NewUser{
		Username: req.Username, Email: req.Email, Password: req.Password, Nickname: req.Nickname,
		Role: req.Role, Verified: req.Verified, Language: req.Language,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"user": u})
}
