package httpapi

import "github.com/labstack/echo/v4"

// friendRoutes registers friends, requests, categories, blocks, add-me
// codes and presence.
func (s *Server) friendRoutes(user *echo.Group) {}
