package httpapi

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/webhooks"
)

// webhookRoutes registers webhooks, their delivery log and the server
// event API (signed with the site secret instead of a user's token).
func (s *Server) webhookRoutes(api, user *echo.Group) {
	user.GET("/sites/:id/webhooks", s.listWebhooks)
	user.POST("/sites/:id/webhooks", s.createWebhook)
	user.DELETE("/webhooks/:id", s.deleteWebhook)
	user.GET("/webhooks/:id/deliveries", s.listDeliveries)
	user.POST("/webhook-deliveries/:id/retry", s.retryDelivery)
	api.POST("/sites/:id/events", s.pushEvent)
}

type webhookRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Format string   `json:"format"`
}

func (s *Server) createWebhook(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req webhookRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	w, err := s.deps.Webhooks.CreateWithFormat(c.Request().Context(), identity(c), id, req.URL, req.Events, req.Format)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, w)
}

func (s *Server) listWebhooks(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	items, err := s.deps.Webhooks.List(c.Request().Context(), identity(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[webhooks.Webhook]{Items: items})
}

func (s *Server) deleteWebhook(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Webhooks.Delete(c.Request().Context(), identity(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listDeliveries(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	n, err := limit(c)
	if err != nil {
		return err
	}
	items, err := s.deps.Webhooks.Deliveries(c.Request().Context(), identity(c), id, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[webhooks.Delivery]{Items: items})
}

func (s *Server) retryDelivery(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Webhooks.Retry(c.Request().Context(), identity(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusAccepted)
}

// pushEvent is the server event API: the raw body is what the host
// backend signed.
func (s *Server) pushEvent(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return bindBodyError(err)
	}
	h := c.Request().Header
	if err := s.deps.Support.PushEvent(c.Request().Context(), id, h.Get("X-Parley-Timestamp"), h.Get("X-Parley-Signature"), body); err != nil {
		return err
	}
	return c.NoContent(http.StatusAccepted)
}
