package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/audit"
	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/errs"
)

const identityKey = "identity"

// requireUser authenticates `Authorization: Bearer <access_token>`.
func (s *Server) requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		scheme, token, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			return errs.R(errs.Unauthorized, "unauthorized", "sign in: send Authorization: Bearer <access_token>")
		}
		id, err := s.deps.Auth.Authenticate(c.Request().Context(), strings.TrimSpace(token))
		if err != nil {
			return err
		}
		c.Set(identityKey, id)
		// Services record the client address of the actions they log.
		c.SetRequest(c.Request().WithContext(audit.WithIP(c.Request().Context(), c.RealIP())))
		return next(c)
	}
}

// requireVerified keeps users whose e-mail is not verified yet from what
// needs it (messaging, friends, groups, uploads); use after requireUser
// or requireUserOrVisitor (visitors pass).
func (s *Server) requireVerified(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := s.deps.Auth.RequireVerified(c.Request().Context(), identity(c)); err != nil {
			return err
		}
		return next(c)
	}
}

// requireAdmin lets only admins through; use after requireUser.
func requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !identity(c).IsAdmin() {
			return errs.R(errs.Forbidden, "forbidden", "only admins may do this")
		}
		return next(c)
	}
}

func identity(c echo.Context) auth.Identity {
	id, _ := c.Get(identityKey).(auth.Identity)
	return id
}

// observe logs each request and counts it in the metrics.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if !s.routePaths[route] {
			route = "unmatched"
		}
		method := methodLabel(c.Request().Method)
		status := c.Response().Status
		took := time.Since(start)
		s.deps.Metrics.HTTPRequests.WithLabelValues(method, route, statusLabel(status)).Inc()
		s.deps.Metrics.HTTPDuration.WithLabelValues(method, route).Observe(took.Seconds())
		if route != "/healthz" && route != "/readyz" && route != "/metrics" {
			s.deps.Log.Debug("http", "method", method, "route", route, "status", status,
				"took_ms", took.Milliseconds(), "request_id", requestID(c), "user_id", identity(c).ID)
		}
		return nil
	}
}

// knownMethods are the metric label values a request method may take;
// any other string a client sends counts as "other", so that strangers
// cannot grow /metrics by inventing methods.
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
	http.MethodConnect: true, http.MethodTrace: true,
}

func methodLabel(m string) string {
	if knownMethods[m] {
		return m
	}
	return "other"
}

func statusLabel(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	return strconv.Itoa(code)
}
