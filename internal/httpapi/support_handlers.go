package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/media"
	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/internal/support"
)

// supportRoutes registers sites, queues, agents, the agent inbox and the
// widget's visitor API.
func (s *Server) supportRoutes(api, user *echo.Group) {
	user.POST("/sites", s.createSite)
	user.GET("/sites", s.listSites)
	user.GET("/sites/:id", s.getSite)
	user.PATCH("/sites/:id", s.patchSite)
	user.POST("/sites/:id/secret", s.rotateSiteSecret)
	user.POST("/sites/:id/queues", s.createQueue)
	user.PUT("/queues/:id/agents/:user_id", s.putQueueAgent)
	user.GET("/sites/:id/canned-responses", s.listCanned)
	user.POST("/sites/:id/canned-responses", s.createCanned)
	user.GET("/sites/:id/reports", s.siteReport)
	user.GET("/agent/status", s.getAgentStatus)
	user.PUT("/agent/status", s.putAgentStatus)
	user.GET("/agent/conversations", s.agentConversations)
	user.POST("/support/conversations/:id/claim", s.claim)
	user.POST("/support/conversations/:id/transfer", s.transfer)
	user.POST("/support/conversations/:id/resolve", s.resolve)
	user.POST("/support/conversations/:id/reopen", s.reopen)
	user.POST("/support/conversations/:id/notes", s.note, s.requireVerified)
	user.GET("/support/visitors/:id/conversations", s.visitorConversations)
	s.labelRoutes(user)

	api.POST("/widget/session", s.widgetSession)
	api.GET("/widget/sites/:key", s.widgetSite)
	visitor := api.Group("/widget", s.requireVisitor)
	visitor.PATCH("/visitor", s.widgetContact)
	visitor.GET("/conversations", s.widgetConversations)
	visitor.POST("/conversations", s.widgetOpen)
	visitor.GET("/conversations/:id/messages", s.widgetMessages)
	visitor.POST("/conversations/:id/messages", s.widgetSend)
	visitor.POST("/conversations/:id/rating", s.widgetRate)
	visitor.POST("/conversations/:id/handoff", s.widgetHandoff)
}

// requireVisitor authenticates `Authorization: Visitor <visitor_token>`.
func (s *Server) requireVisitor(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		scheme, token, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		if !strings.EqualFold(scheme, "Visitor") || token == "" {
			return errs.R(errs.Unauthorized, "unauthorized", "send Authorization: Visitor <visitor_token> from POST /api/v1/widget/session")
		}
		id, err := s.deps.Visitors.AuthenticateVisitor(c.Request().Context(), strings.TrimSpace(token))
		if err != nil {
			return err
		}
		c.Set(identityKey, id)
		return next(c)
	}
}

type nameRequest struct {
	Name string `json:"name"`
}

func (s *Server) createSite(c echo.Context) error {
	var req nameRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	site, err := s.deps.Sites.CreateSite(c.Request().Context(), identity(c), req.Name)
	if err != nil {
		return err
	}
	return s.siteJSON(c, http.StatusCreated, site)
}

func (s *Server) listSites(c echo.Context) error {
	sites, err := s.deps.Sites.ListSites(c.Request().Context(), identity(c))
	if err != nil {
		return err
	}
	return s.sitesJSON(c, sites)
}

func (s *Server) getSite(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	site, err := s.deps.Sites.GetSite(c.Request().Context(), identity(c), id)
	if err != nil {
		return err
	}
	return s.siteJSON(c, http.StatusOK, site)
}

func (s *Server) patchSite(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req support.SitePatch
	if err := bind(c, &req); err != nil {
		return err
	}
	site, err := s.deps.Sites.UpdateSite(c.Request().Context(), identity(c), id, req)
	if err != nil {
		return err
	}
	return s.siteJSON(c, http.StatusOK, site)
}

func (s *Server) rotateSiteSecret(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	site, err := s.deps.Sites.RotateSecret(c.Request().Context(), identity(c), id)
	if err != nil {
		return err
	}
	return s.siteJSON(c, http.StatusOK, site)
}

func (s *Server) createQueue(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req support.NewQueue
	if err := bind(c, &req); err != nil {
		return err
	}
	q, err := s.deps.Sites.CreateQueue(c.Request().Context(), identity(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, q)
}

type capacityRequest struct {
	Capacity int `json:"capacity"`
}

func (s *Server) putQueueAgent(c echo.Context) error {
	qid, err := pathID(c, "id")
	if err != nil {
		return err
	}
	uid, err := pathID(c, "user_id")
	if err != nil {
		return err
	}
	var req capacityRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if err := s.deps.Sites.SetQueueAgent(c.Request().Context(), identity(c), qid, uid, req.Capacity); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type cannedRequest struct {
	Shortcut string `json:"shortcut"`
	Body     string `json:"body"`
}

func (s *Server) createCanned(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req cannedRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	cr, err := s.deps.Inbox.CreateCannedResponse(c.Request().Context(), identity(c), id, req.Shortcut, req.Body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, cr)
}

func (s *Server) listCanned(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	items, err := s.deps.Inbox.CannedResponses(c.Request().Context(), identity(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[support.CannedResponse]{Items: items})
}

type statusRequest struct {
	Status string `json:"status"`
}

func (s *Server) putAgentStatus(c echo.Context) error {
	var req statusRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if err := s.deps.Routing.SetStatus(c.Request().Context(), identity(c).ID, req.Status); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, req)
}

func (s *Server) agentConversations(c echo.Context) error {
	b, n, err := pageParams(c)
	if err != nil {
		return err
	}
	queueID, err := queryInt64(c, "queue_id", 1)
	if err != nil {
		return err
	}
	siteID, err := queryInt64(c, "site_id", 1)
	if err != nil {
		return err
	}
	labelID, err := queryInt64(c, "label_id", 1)
	if err != nil {
		return err
	}
	teamID, err := queryInt64(c, "team_id", 1)
	if err != nil {
		return err
	}
	q := support.InboxQuery{View: c.QueryParam("view"), Status: c.QueryParam("status"), Search: strings.TrimSpace(c.QueryParam("q")), BeforeID: b, Limit: n}
	if labelID != nil {
		q.LabelID = *labelID
	}
	if queueID != nil {
		q.QueueID = *queueID
	}
	if siteID != nil {
		q.SiteID = *siteID
	}
	if teamID != nil {
		q.TeamID = *teamID
	}
	items, next, err := s.deps.Inbox.List(c.Request().Context(), identity(c), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[support.Conversation]{Items: items, NextCursor: cursorOrNil(next)})
}

func (s *Server) visitorConversations(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	b, n, err := pageParams(c)
	if err != nil {
		return err
	}
	items, next, err := s.deps.Inbox.VisitorConversations(c.Request().Context(), identity(c), id, b, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[support.Conversation]{Items: items, NextCursor: cursorOrNil(next)})
}

func (s *Server) claim(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req support.ClaimInput
	if err := bindOptional(c, &req); err != nil {
		return err
	}
	conv, err := s.deps.Routing.Claim(c.Request().Context(), identity(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, conv)
}

func (s *Server) transfer(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req support.TransferInput
	if err := bind(c, &req); err != nil {
		return err
	}
	conv, err := s.deps.Routing.Transfer(c.Request().Context(), identity(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, conv)
}

func (s *Server) resolve(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	conv, err := s.deps.Routing.Resolve(c.Request().Context(), identity(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, conv)
}

func (s *Server) reopen(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	conv, err := s.deps.Routing.Reopen(c.Request().Context(), identity(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, conv)
}

type noteRequest struct {
	ClientMsgID string `json:"client_msg_id"`
	Body        string `json:"body"`
}

func (s *Server) note(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req noteRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	m, err := s.deps.Inbox.Note(c.Request().Context(), identity(c), id, req.ClientMsgID, req.Body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, m)
}

// widgetSession starts or resumes a visitor. The host page's origin is the
// request's Origin, except from the widget's own frame (served by Parley),
// where it is the origin of the page_url the frame reports.
func (s *Server) widgetSession(c echo.Context) error {
	var req support.SessionInput
	if err := bind(c, &req); err != nil {
		return err
	}
	req.UserAgent, req.IP = c.Request().UserAgent(), c.RealIP()
	req.Origin = c.Request().Header.Get("Origin")
	if req.Origin == "" || sameOrigin(req.Origin, s.cfg.PublicURL) {
		if u, err := url.Parse(req.PageURL); err == nil && u.Host != "" {
			req.Origin = u.Scheme + "://" + u.Host
		}
	}
	sess, err := s.deps.Visitors.StartSession(c.Request().Context(), req)
	if err != nil {
		return err
	}
	// The widget refuses an oversized attachment before sending it.
	return c.JSON(http.StatusOK, struct {
		*support.Session
		Uploads media.Limits `json:"uploads"`
	}{sess, s.deps.Media.Limits()})
}

// widgetSite answers a site's public widget settings without creating
// anything, for the loader on a host page: cacheable for a minute per
// origin, with an ETag, and readable cross-origin by the pages the site
// allows. A browser sends Origin on the loader's cross-origin fetch; a
// same-origin page (Parley's demo) is known by its Referer.
func (s *Server) widgetSite(c echo.Context) error {
	r := c.Request()
	origin := r.Header.Get("Origin")
	if origin == "" {
		if u, err := url.Parse(r.Referer()); err == nil && u.Host != "" {
			origin = u.Scheme + "://" + u.Host
		}
	}
	h := c.Response().Header()
	h.Add("Vary", "Origin")
	if o := r.Header.Get("Origin"); o != "" {
		// The loader reads refusals too, to say why the launcher stays away.
		h.Set("Access-Control-Allow-Origin", o)
	}
	site, err := s.deps.Visitors.PublicSite(r.Context(), c.Param("key"), origin, c.RealIP())
	if err != nil {
		return err
	}
	body, err := json.Marshal(site)
	if err != nil {
		return errs.Wrap(err, "encode site")
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	h.Set("Cache-Control", "public, max-age=60")
	h.Set("ETag", etag)
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.JSONBlob(http.StatusOK, body)
}

func (s *Server) widgetConversations(c echo.Context) error {
	b, n, err := pageParams(c)
	if err != nil {
		return err
	}
	items, next, err := s.deps.Visitors.Conversations(c.Request().Context(), identity(c).ID, b, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list[support.Conversation]{Items: items, NextCursor: cursorOrNil(next)})
}

func sameOrigin(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host)
}

func (s *Server) widgetOpen(c echo.Context) error {
	var req support.OpenInput
	if err := bind(c, &req); err != nil {
		return err
	}
	conv, err := s.deps.Visitors.Open(c.Request().Context(), identity(c).ID, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"conversation": conv, "queue_position": conv.QueuePosition})
}

func (s *Server) widgetMessages(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	after, before, n, err := historyParams(c)
	if err != nil {
		return err
	}
	page, err := s.deps.Chat.VisitorHistory(c.Request().Context(), identity(c).ID, id, after, before, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (s *Server) widgetSend(c echo.Context) error {
	return s.send(c, chat.Actor{Kind: store.SenderVisitor, ID: identity(c).ID})
}

type ratingRequest struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

func (s *Server) widgetRate(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req ratingRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	conv, err := s.deps.Visitors.Rate(c.Request().Context(), identity(c).ID, id, req.Score, req.Comment)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, conv)
}

func (s *Server) widgetContact(c echo.Context) error {
	var req support.ContactPatch
	if err := bind(c, &req); err != nil {
		return err
	}
	v, err := s.deps.Visitors.UpdateContact(c.Request().Context(), identity(c).ID, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// siteReport answers ?from=&to= as RFC 3339 times or YYYY-MM-DD dates
// (to is exclusive; a date means its start); the default is the last 30 days.
func (s *Server) siteReport(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	to := time.Now().UTC()
	from := to.AddDate(0, 0, -30)
	for name, dst := range map[string]*time.Time{"from": &from, "to": &to} {
		raw := c.QueryParam(name)
		if raw == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			if t, err = time.Parse("2006-01-02", raw); err != nil {
				return errs.Field(name, "an RFC 3339 time or a YYYY-MM-DD date")
			}
		}
		*dst = t.UTC()
	}
	r, err := s.deps.Reports.Report(c.Request().Context(), identity(c), id, from, to)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) getAgentStatus(c echo.Context) error {
	st, err := s.deps.Routing.Status(c.Request().Context(), identity(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}
