// Package httpapi is Parley's HTTP surface: the REST API under /api/v1, the
// WebSocket endpoint, health and metrics, and the static front ends. It
// binds requests, authenticates and calls one service method per request.
package httpapi

import (
	"context"
	"log/slog"
	"net"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/audit"
	"github.com/parley-chat/parley/internal/auth"
	"github.com/parley-chat/parley/internal/automation"
	"github.com/parley-chat/parley/internal/chat"
	"github.com/parley-chat/parley/internal/media"
	"github.com/parley-chat/parley/internal/metrics"
	"github.com/parley-chat/parley/internal/push"
	"github.com/parley-chat/parley/internal/pusher"
	"github.com/parley-chat/parley/internal/realtime"
	"github.com/parley-chat/parley/internal/social"
	"github.com/parley-chat/parley/internal/support"
	"github.com/parley-chat/parley/internal/wallet"
	"github.com/parley-chat/parley/internal/webhooks"
)

// Checker is one dependency that /readyz checks.
type Checker struct {
	Name  string
	Check func(ctx context.Context) error
}

// Config is what the HTTP layer needs of the deployment's settings.
type Config struct {
	PublicURL      string
	ConsoleOrigins []string // origins allowed to open /ws, besides the public URL's
	MaxBodyBytes   int64
	TrustedProxies []*net.IPNet // peers whose X-Forwarded-For and X-Forwarded-Proto count
	BodyRate       BodyRate     // slowest a request body may arrive
}

// Deps are the services the handlers call.
type Deps struct {
	Auth     *auth.Service
	Chat     *chat.Service
	Social   *social.Service
	Media    *media.Service
	Routing  *support.Routing
	Sites    *support.Sites
	Inbox    *support.Inbox
	Visitors *support.Visitors
	Reports  *support.Reports
	Labels   *support.Labels
	Webhooks *webhooks.Service
	Bots     *support.Bots
	Wallet   *wallet.Service
	Audit    *audit.Service
	Hub      *realtime.Hub
	Pusher   *pusher.Service
	Push     *push.Service
	Metrics  *metrics.Metrics
	Log      *slog.Logger
	Ready    []Checker
	Static   http.Handler // front ends and the demo page

	// Automation manages and runs the sites' automation rules.
	Automation *automation.Service
}

// Server holds the Echo instance and the handlers' dependencies.
type Server struct {
	e    *echo.Echo
	deps Deps
	cfg  Config
	// routePaths are the registered route templates: the only values the
	// metrics' route label takes, besides "unmatched".
	routePaths map[string]bool
}

// New builds the HTTP server with every route.
func New(cfg Config, deps Deps) *Server {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// Rate limits key on the peer address; X-Forwarded-For counts only
	// from the configured trusted proxies.
	e.IPExtractor = clientIP(cfg.TrustedProxies)
	s := &Server{e: e, deps: deps, cfg: cfg}
	e.HTTPErrorHandler = s.handleError
	s.routes()
	s.wireRealtime()
	s.routePaths = map[string]bool{}
	for _, r := range e.Routes() {
		s.routePaths[r.Path] = true
	}
	return s
}

// Handler returns the root HTTP handler.
func (s *Server) Handler() http.Handler { return limitBodyRate(s.e, s.cfg.BodyRate) }

// Routes lists method and path of every registered route, for the
// OpenAPI test.
func (s *Server) Routes() []*echo.Route { return s.e.Routes() }
