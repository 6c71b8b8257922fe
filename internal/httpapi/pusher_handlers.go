package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/pusher"
	"github.com/parley-chat/parley/internal/support"
)

// pusherRoutes registers the Pusher surface: sockets at /app/{key}, the
// signed HTTP API under /apps/{app_id}, the built-in channel auth, and the
// admin's view of each site's app.
func (s *Server) pusherRoutes(api, user *echo.Group) {
	s.e.GET("/app/:key", s.pusherSocket)
	apps := s.e.Group("/apps/:app_id")
	apps.POST("/events", s.pusherEvents)
	apps.POST("/batch_events", s.pusherBatch)
	apps.GET("/channels", s.pusherChannels)
	apps.GET("/channels/:channel_name", s.pusherChannel)
	apps.GET("/channels/:channel_name/users", s.pusherUsers)
	apps.POST("/users/:user_id/terminate_connections", s.pusherTerminate)

	api.POST("/pusher/auth", s.pusherChannelAuth, s.requireUserOrVisitor)
	api.POST("/pusher/user-auth", s.pusherUserAuth, s.requireUserOrVisitor)
	user.POST("/sites/:id/pusher/rotate", s.rotateSitePusher)
	user.GET("/sites/:id/pusher", s.getSitePusherSettings)
	user.PATCH("/sites/:id/pusher", s.patchSitePusherSettings)
}

func (s *Server) pusherSocket(c echo.Context) error {
	_ = s.deps.Pusher.Serve(c.Response(), c.Request(), c.Param("key"))
	return nil
}

// SitePusher is what an admin configures Pusher SDKs with.
type SitePusher struct {
	AppID  string `json:"app_id"`
	Key    string `json:"key"`
	Secret string `json:"secret"`
	Host   string `json:"host"`
	Port   int    `json:"port"`
	Scheme string `json:"scheme"`
}

// siteWithPusher is a site as an admin sees it: with its Pusher app.
type siteWithPusher struct {
	*support.Site
	Pusher *SitePusher `json:"pusher,omitempty"`
}

// sitePusher composes a site's Pusher settings: its app's credentials,
// and where Parley is reached (PARLEY_PUBLIC_URL).
func (s *Server) sitePusher(c echo.Context, siteID int64) (*SitePusher, error) {
	app, err := s.deps.Pusher.AppOfSite(c.Request().Context(), siteID)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(s.cfg.PublicURL)
	p := &SitePusher{AppID: app.ID, Key: app.Key, Secret: app.Secret, Scheme: "http", Port: 80}
	if u != nil {
		p.Host = u.Hostname()
		if u.Scheme == "https" {
			p.Scheme, p.Port = "https", 443
		}
		if n, err := strconv.Atoi(u.Port()); err == nil {
			p.Port = n
		}
	}
	return p, nil
}

// siteJSON renders a site, with its Pusher settings for admins.
func (s *Server) siteJSON(c echo.Context, status int, site *support.Site) error {
	if !identity(c).IsAdmin() {
		return c.JSON(status, site)
	}
	p, err := s.sitePusher(c, site.ID)
	if err != nil {
		return err
	}
	return c.JSON(status, siteWithPusher{Site: site, Pusher: p})
}

// sitesJSON renders a list of sites, with their Pusher settings for admins.
func (s *Server) sitesJSON(c echo.Context, sites []support.Site) error {
	if !identity(c).IsAdmin() {
		return c.JSON(http.StatusOK, list[support.Site]{Items: sites})
	}
	out := make([]siteWithPusher, 0, len(sites))
	for i := range sites {
		p, err := s.sitePusher(c, sites[i].ID)
		if err != nil {
			return err
		}
		out = append(out, siteWithPusher{Site: &sites[i], Pusher: p})
	}
	return c.JSON(http.StatusOK, list[siteWithPusher]{Items: out})
}

var errPusherNeedAdmin = errs.R(errs.Forbidden, "forbidden", "only admins manage a site's Pusher app")

// adminSite loads a site for an admin: 403 for others, 404 for none.
func (s *Server) adminSite(c echo.Context) (*support.Site, error) {
	if !identity(c).IsAdmin() {
		return nil, errPusherNeedAdmin
	}
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	return s.deps.Support.GetSite(c.Request().Context(), identity(c), id)
}

func (s *Server) rotateSitePusher(c echo.Context) error {
	site, err := s.adminSite(c)
	if err != nil {
		return err
	}
	if _, err := s.deps.Pusher.Rotate(c.Request().Context(), site.ID); err != nil {
		return err
	}
	return s.siteJSON(c, http.StatusOK, site)
}

type pusherSettings struct {
	AllowedOrigins []string `json:"allowed_origins"`
}

func (s *Server) getSitePusherSettings(c echo.Context) error {
	site, err := s.adminSite(c)
	if err != nil {
		return err
	}
	app, err := s.deps.Pusher.AppOfSite(c.Request().Context(), site.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pusherSettings{AllowedOrigins: app.AllowedOrigins})
}

func (s *Server) patchSitePusherSettings(c echo.Context) error {
	site, err := s.adminSite(c)
	if err != nil {
		return err
	}
	var req struct {
		AllowedOrigins *[]string `json:"allowed_origins"`
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	app, err := s.deps.Pusher.AppOfSite(c.Request().Context(), site.ID)
	if err != nil {
		return err
	}
	if req.AllowedOrigins != nil {
		if app, err = s.deps.Pusher.SetOrigins(c.Request().Context(), site.ID, *req.AllowedOrigins); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, pusherSettings{AllowedOrigins: app.AllowedOrigins})
}

// authRequest is what pusher-js posts to a channel or user auth endpoint
// (form-encoded by default, JSON too).
type authRequest struct {
	SocketID    string `json:"socket_id" form:"socket_id"`
	ChannelName string `json:"channel_name" form:"channel_name"`
	AppKey      string `json:"app_key" form:"app_key"`
}

func (s *Server) bindAuthRequest(c echo.Context) (authRequest, error) {
	var req authRequest
	if strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEApplicationForm) {
		if err := c.Request().ParseForm(); err != nil {
			return req, errs.R(errs.Invalid, "bad_request", "the form could not be read")
		}
		f := c.Request().PostForm
		return authRequest{SocketID: f.Get("socket_id"), ChannelName: f.Get("channel_name"), AppKey: f.Get("app_key")}, nil
	}
	err := bind(c, &req)
	return req, err
}

func (s *Server) pusherChannelAuth(c echo.Context) error {
	req, err := s.bindAuthRequest(c)
	if err != nil {
		return err
	}
	out, err := s.deps.Pusher.AuthorizeChannel(c.Request().Context(), identity(c), req.AppKey, req.SocketID, req.ChannelName)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) pusherUserAuth(c echo.Context) error {
	req, err := s.bindAuthRequest(c)
	if err != nil {
		return err
	}
	out, err := s.deps.Pusher.AuthorizeUser(c.Request().Context(), identity(c), req.AppKey, req.SocketID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// pusherMaxBody bounds an HTTP API body: a batch of ten events at the
// largest event size, with room for names and channels.
func (s *Server) pusherMaxBody() int64 {
	return int64(pusher.MaxBatchEvents*s.deps.Pusher.MaxEventBytes()) + 64<<10
}

// pusherAPIError answers as Pusher does: a status and a message.
func pusherAPIError(c echo.Context, err error) error {
	var ae *pusher.APIError
	if errors.As(err, &ae) {
		return c.JSON(ae.Status, map[string]string{"error": ae.Message})
	}
	return err
}

// pusherApp reads and authenticates an HTTP API request; it answers the
// app and the body.
func (s *Server) pusherApp(c echo.Context) (*pusher.App, []byte, error) {
	r := c.Request()
	var body []byte
	if r.Body != nil {
		max := s.pusherMaxBody()
		b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
		if err != nil {
			return nil, nil, &pusher.APIError{Status: 400, Message: "the request body could not be read"}
		}
		if int64(len(b)) > max {
			return nil, nil, &pusher.APIError{Status: 413, Message: "Request body too large: at most " + strconv.FormatInt(max, 10) + " bytes"}
		}
		body = b
	}
	app, err := s.deps.Pusher.Authenticate(r.Context(), c.Param("app_id"), r.Method, r.URL.Path, r.URL.Query(), body)
	return app, body, err
}

// decodeJSON decodes an HTTP API body, naming what is wrong. Fields
// Parley does not use are ignored: the SDKs of several languages send a
// few of their own.
func decodeJSON(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return &pusher.APIError{Status: 400, Message: "the body must be a JSON object: " + err.Error()}
	}
	return nil
}

func (s *Server) pusherEvents(c echo.Context) error {
	app, body, err := s.pusherApp(c)
	if err != nil {
		return pusherAPIError(c, err)
	}
	var e pusher.Event
	if err := decodeJSON(body, &e); err != nil {
		return pusherAPIError(c, err)
	}
	info, err := s.deps.Pusher.Trigger(c.Request().Context(), app, e)
	if err != nil {
		return pusherAPIError(c, err)
	}
	if info == nil {
		return c.JSON(http.StatusOK, map[string]any{})
	}
	return c.JSON(http.StatusOK, map[string]any{"channels": info})
}

func (s *Server) pusherBatch(c echo.Context) error {
	app, body, err := s.pusherApp(c)
	if err != nil {
		return pusherAPIError(c, err)
	}
	var req struct {
		Batch []pusher.Event `json:"batch"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return pusherAPIError(c, err)
	}
	info, anyInfo, err := s.deps.Pusher.Batch(c.Request().Context(), app, req.Batch)
	if err != nil {
		return pusherAPIError(c, err)
	}
	if !anyInfo {
		return c.JSON(http.StatusOK, map[string]any{})
	}
	return c.JSON(http.StatusOK, map[string]any{"batch": info})
}

func (s *Server) pusherChannels(c echo.Context) error {
	app, _, err := s.pusherApp(c)
	if err != nil {
		return pusherAPIError(c, err)
	}
	chs, err := s.deps.Pusher.Channels(c.Request().Context(), app, c.QueryParam("filter_by_prefix"), c.QueryParam("info"))
	if err != nil {
		return pusherAPIError(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{"channels": chs})
}

func (s *Server) pusherChannel(c echo.Context) error {
	app, _, err := s.pusherApp(c)
	if err != nil {
		return pusherAPIError(c, err)
	}
	info, err := s.deps.Pusher.Channel(c.Request().Context(), app, c.Param("channel_name"), c.QueryParam("info"))
	if err != nil {
		return pusherAPIError(c, err)
	}
	return c.JSON(http.StatusOK, info)
}

func (s *Server) pusherUsers(c echo.Context) error {
	app, _, err := s.pusherApp(c)
	if err != nil {
		return pusherAPIError(c, err)
	}
	members, err := s.deps.Pusher.Users(c.Request().Context(), app, c.Param("channel_name"))
	if err != nil {
		return pusherAPIError(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{"users": members})
}

func (s *Server) pusherTerminate(c echo.Context) error {
	app, _, err := s.pusherApp(c)
	if err != nil {
		return pusherAPIError(c, err)
	}
	if err := s.deps.Pusher.TerminateUser(c.Request().Context(), app, c.Param("user_id")); err != nil {
		return pusherAPIError(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{})
}
