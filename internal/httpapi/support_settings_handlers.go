package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/support"
)

// supportSettingsRoutes registers the editing and removal of sites,
// queues, queue agents and canned responses.
func (s *Server) supportSettingsRoutes(user *echo.Group) {
	user.DELETE("/sites/:id", s.deleteSite)
	user.GET("/sites/:id/queues", s.listSiteQueues)
	user.PATCH("/queues/:id", s.patchQueue)
	user.DELETE("/queues/:id", s.deleteQueue)
	user.DELETE("/queues/:id/agents/:user_id", s.deleteQueueAgent)
	user.PATCH("/canned-responses/:id", s.patchCanned)
	user.DELETE("/canned-responses/:id", s.deleteCanned)
}

func (s *Server) deleteSite(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Sites.DeleteSite(c.Request().Context(), identity(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listSiteQueues(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	items, err := s.deps.Sites.SiteQueues(c.Request().Context(), identity(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[support.Queue]{Items: items})
}

func (s *Server) patchQueue(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req support.QueuePatch
	if err := bind(c, &req); err != nil {
		return err
	}
	q, err := s.deps.Sites.UpdateQueue(c.Request().Context(), identity(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, q)
}

func (s *Server) deleteQueue(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Sites.DeleteQueue(c.Request().Context(), identity(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) deleteQueueAgent(c echo.Context) error {
	qid, err := pathID(c, "id")
	if err != nil {
		return err
	}
	uid, err := pathID(c, "user_id")
	if err != nil {
		return err
	}
	if err := s.deps.Sites.RemoveQueueAgent(c.Request().Context(), identity(c), qid, uid); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) patchCanned(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req support.CannedPatch
	if err := bind(c, &req); err != nil {
		return err
	}
	cr, err := s.deps.Inbox.UpdateCannedResponse(c.Request().Context(), identity(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cr)
}

func (s *Server) deleteCanned(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.deps.Inbox.DeleteCannedResponse(c.Request().Context(), identity(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
