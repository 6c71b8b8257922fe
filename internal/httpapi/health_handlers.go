package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when every dependency answers, else 503 naming the
// ones that don't.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{}
	ok := true
	for _, ch := range s.deps.Ready {
		if err := ch.Check(ctx); err != nil {
			checks[ch.Name] = "down"
			ok = false
		} else {
			checks[ch.Name] = "ok"
		}
	}
	status, code := http.StatusOK, "ok"
	if !ok {
		status, code = http.StatusServiceUnavailable, "unavailable"
	}
	return c.JSON(status, map[string]any{"status": code, "checks": checks})
}
