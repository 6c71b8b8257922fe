package httpapi

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes registers every route. Auth and permission wrappers are applied
// here, per group, so one file shows who may call what.
func (s *Server) routes() {
	e := s.e
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{
		Skipper: func(c echo.Context) bool { return !isAPIPath(c.Request().URL.Path) },
	}))
	e.Use(middleware.RequestID())
	e.Use(acceptLanguage)
	e.Use(s.observe)
	e.Use(middleware.Recover())
	e.Use(s.securityHeaders)
	e.Use(validParams)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echo.WrapHandler(s.deps.Metrics.Handler()))
	e.GET("/api/openapi.json", s.openAPI)
	e.GET("/api/asyncapi.json", s.asyncAPI)
	e.GET("/ws", s.websocket)

	api := e.Group("/api/v1", middleware.BodyLimit(bodyLimit(s.cfg.MaxBodyBytes)))
	api.GET("/setup", s.getSetup)
	api.POST("/setup", s.postSetup)
	api.POST("/auth/register", s.register)
	api.POST("/auth/verify-email", s.verifyEmail)
	api.POST("/auth/login", s.login)
	api.POST("/auth/refresh", s.refresh)
	api.POST("/auth/logout", s.logout)
	api.POST("/auth/password-reset", s.requestReset)
	api.POST("/auth/password-reset/confirm", s.confirmReset)

	api.POST("/realtime/ticket", s.ticket, s.requireUserOrVisitor)
	user := api.Group("", s.requireUser)
	user.POST("/auth/logout-all", s.logoutAll)
	user.GET("/me", s.getMe)
	user.GET("/setup/checklist", s.setupChecklist, requireAdmin)
	user.PATCH("/me", s.patchMe)
	user.POST("/me/password", s.changePassword)
	user.POST("/me/verification", s.resendVerification)
	user.GET("/users/search", s.searchUsers)
	user.POST("/conversations/direct", s.openDirect, s.requireVerified)
	user.GET("/conversations", s.listConversations)
	user.GET("/conversations/:id", s.getConversation)
	user.GET("/conversations/:id/messages", s.listMessages)
	user.POST("/conversations/:id/messages", s.sendMessage, s.requireVerified)
	user.POST("/conversations/:id/read", s.markRead)
	user.POST("/messages/:id/recall", s.recall)
	user.GET("/search", s.search)
	s.notificationRoutes(user)
	s.friendRoutes(user)
	s.groupRoutes(user)
	s.walletRoutes(user)
	s.mediaRoutes(user)
	s.supportRoutes(api, user)
	s.teamRoutes(user)
	s.automationRoutes(user)
	s.contactRoutes(user)
	s.webhookRoutes(api, user)
	s.botRoutes(api, user)
	s.pusherRoutes(api, user)
	s.pushRoutes(user)

	admin := user.Group("/admin", requireAdmin)
	admin.POST("/users", s.adminCreateUser)
	admin.GET("/users", s.adminListUsers)
	admin.PATCH("/users/:id", s.adminPatchUser)
	admin.GET("/audit-log", s.adminAuditLog)
	s.supportSettingsRoutes(user)

	api.Any("/*", s.noRoute)
	if s.deps.Static != nil {
		e.GET("/*", echo.WrapHandler(s.deps.Static))
		e.HEAD("/*", echo.WrapHandler(s.deps.Static))
	}
}

func isAPIPath(p string) bool { return len(p) >= 4 && p[:4] == "/api" }

func bodyLimit(n int64) string { return strconv.FormatInt(n, 10) + "B" }

// noRoute answers API paths no route matches: 405 when the path exists for
// other methods, else 404, both in the error envelope.
func (s *Server) noRoute(c echo.Context) error {
	path, method := c.Request().URL.Path, c.Request().Method
	var allow []string
	for _, r := range s.e.Routes() {
		if r.Method != method && !strings.HasPrefix(r.Method, "echo_") && r.Method != echo.RouteNotFound && pathMatches(r.Path, path) {
			allow = append(allow, r.Method)
		}
	}
	if len(allow) > 0 {
		c.Response().Header().Set(echo.HeaderAllow, strings.Join(allow, ", "))
		return echo.ErrMethodNotAllowed
	}
	return echo.ErrNotFound
}

// pathMatches reports whether a concrete path fits a route pattern with
// :params (catch-alls never count).
func pathMatches(pattern, path string) bool {
	if strings.HasSuffix(pattern, "*") {
		return false
	}
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if strings.HasPrefix(ps[i], ":") {
			if xs[i] == "" {
				return false
			}
		} else if ps[i] != xs[i] {
			return false
		}
	}
	return true
}
