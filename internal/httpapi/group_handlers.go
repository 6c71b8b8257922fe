package httpapi

import "github.com/labstack/echo/v4"

// groupRoutes registers groups, members, join requests and invites.
func (s *Server) groupRoutes(user *echo.Group) {}
