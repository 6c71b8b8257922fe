package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// APIError is a non-2xx answer of the server.
type APIError struct {
	Method, Path string
	Status       int
	Code         string
	Message      string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.Status, e.Code, e.Message)
}

// errLoginLimited explains the most common set-up failure.
var errLoginLimited = errors.New("login answered 429: the server's login rate limit is too low for a benchmark; " +
	"start it with PARLEY_LOGIN_LIMIT_PER_IP=100000 (and PARLEY_LOGIN_LIMIT_PER_ACCOUNT=100000), or wait out the window")

// errSendLimited explains a send refused by the per-user send limit.
var errSendLimited = errors.New("a send answered 429 rate_limited: start the server with PARLEY_SEND_LIMIT_PER_MINUTE=1000000 and PARLEY_WS_SEND_FRAMES_PER_SECOND=100000 for benchmarks")

// client is one caller of the REST API: a user, a visitor or anonymous.
type client struct {
	base   string
	http   *http.Client
	scheme string // Bearer or Visitor

	refreshMu sync.Mutex // one refresh at a time: a reused refresh token signs out
	mu        sync.Mutex
	token     string
	refresh   string

	userID   int64
	username string
}

func newHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 1024
	tr.MaxIdleConnsPerHost = 1024
	tr.IdleConnTimeout = 30 * time.Second
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

func (c *client) authHeader() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == "" {
		return ""
	}
	s := c.scheme
	if s == "" {
		s = "Bearer"
	}
	return s + " " + c.token
}

// do sends body as JSON and decodes a 2xx answer into out (when not nil).
// An expired access token is refreshed once.
func (c *client) do(ctx context.Context, method, path string, body, out any) error {
	stale := c.authHeader()
	err := c.once(ctx, method, path, body, out)
	if isStatus(err, http.StatusUnauthorized) && c.scheme != "Visitor" && path != "/api/v1/auth/refresh" {
		if rerr := c.refreshToken(ctx, stale); rerr == nil {
			err = c.once(ctx, method, path, body, out)
		}
	}
	return err
}

func (c *client) once(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if h := c.authHeader(); h != "" {
		req.Header.Set("Authorization", h)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		_ = json.Unmarshal(b, &e)
		if e.Error.Message == "" {
			e.Error.Message = strings.TrimSpace(string(b))
		}
		return &APIError{Method: method, Path: path, Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

type session struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	User         struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
		Role     string `json:"role"`
	} `json:"user"`
}

// login signs in and returns a client holding the session.
func login(ctx context.Context, base string, hc *http.Client, name, password string) (*client, error) {
	c := &client{base: base, http: hc}
	var s session
	err := c.do(ctx, "POST", "/api/v1/auth/login", map[string]string{"login": name, "password": password}, &s)
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests {
		return nil, errLoginLimited
	}
	if err != nil {
		return nil, err
	}
	c.token, c.refresh, c.userID, c.username = s.AccessToken, s.RefreshToken, s.User.ID, s.User.Username
	return c, nil
}

// refreshToken rotates the session unless another caller already did
// since the request that failed with the header stale.
func (c *client) refreshToken(ctx context.Context, stale string) error {
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()
	if c.authHeader() != stale {
		return nil
	}
	c.mu.Lock()
	rt := c.refresh
	c.mu.Unlock()
	if rt == "" {
		return errors.New("no refresh token")
	}
	anon := &client{base: c.base, http: c.http}
	var s session
	if err := anon.once(ctx, "POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": rt}, &s); err != nil {
		return err
	}
	c.mu.Lock()
	c.token, c.refresh = s.AccessToken, s.RefreshToken
	c.mu.Unlock()
	return nil
}

// isStatus reports whether err is an API error with this status.
func isStatus(err error, status int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == status
}
