package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/push"
)

// pushRoutes registers Web Push: the server's VAPID key and the caller's
// subscribed devices.
func (s *Server) pushRoutes(user *echo.Group) {
	user.GET("/push/vapid-public-key", s.vapidPublicKey)
	user.GET("/push/subscriptions", s.listPushSubscriptions)
	user.POST("/push/subscriptions", s.createPushSubscription)
	user.DELETE("/push/subscriptions/:id", s.deletePushSubscription)
}

func (s *Server) vapidPublicKey(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"key": s.deps.Push.PublicKey()})
}

// pushSubscriptionRequest is PushSubscription.toJSON() of the browser.
type pushSubscriptionRequest struct {
	Endpoint       string `json:"endpoint"`
	ExpirationTime *int64 `json:"expirationTime"` // sent by browsers, unused
	Keys           struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

func (s *Server) createPushSubscription(c echo.Context) error {
	var req pushSubscriptionRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	sub, created, err := s.deps.Push.Subscribe(c.Request().Context(), identity(c).ID, push.SubscribeInput{
		Endpoint: req.Endpoint, P256dh: req.Keys.P256dh, Auth: req.Keys.Auth, UserAgent: c.Request().UserAgent(),
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, sub)
}

func (s *Server) listPushSubscriptions(c echo.Context) error {
	items, err := s.deps.Push.List(c.Request().Context(), identity(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[push.Subscription]{Items: items})
}

func (s *Server) deletePushSubscription(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Push.Unsubscribe(c.Request().Context(), identity(c).ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
