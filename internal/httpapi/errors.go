package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/store"
)

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Details map[string]string `json:"details,omitempty"`
	Until   string            `json:"until,omitempty"`
}

var statusOf = map[errs.Code]int{
	errs.Invalid:      http.StatusBadRequest,
	errs.Unauthorized: http.StatusUnauthorized,
	errs.Forbidden:    http.StatusForbidden,
	errs.NotFound:     http.StatusNotFound,
	errs.Conflict:     http.StatusConflict,
	errs.Gone:         http.StatusGone,
	errs.TooLarge:     http.StatusRequestEntityTooLarge,
	errs.Unsupported:  http.StatusUnsupportedMediaType,
	errs.Rule:         http.StatusUnprocessableEntity,
	errs.RateLimited:  http.StatusTooManyRequests,
	errs.Unavailable:  http.StatusServiceUnavailable,
	errs.Internal:     http.StatusInternalServerError,
}

var echoCodes = map[int]string{
	http.StatusBadRequest:            "invalid_input",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusRequestEntityTooLarge: "too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusTooManyRequests:       "rate_limited",
	http.StatusServiceUnavailable:    "unavailable",
}

// handleError is the one place where errors become HTTP answers. Internal
// errors are logged once here, with the request id, and never shown.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status := http.StatusInternalServerError
	body := errorDetail{Code: "internal", Message: "something went wrong on our side; it has been logged"}
	var he *echo.HTTPError
	if e, ok := errs.As(err); ok && e.Code == errs.Internal && store.IsUnavailable(e.Err) {
		// The database could not be reached: a retry may well succeed.
		err = &errs.Error{Code: errs.Unavailable, Reason: "unavailable", Message: "the service is briefly unavailable; try again", Err: e.Err}
	} else if !ok && store.IsUnavailable(err) {
		// The same, from a path that returned the store's error unwrapped.
		err = &errs.Error{Code: errs.Unavailable, Reason: "unavailable", Message: "the service is briefly unavailable; try again", Err: err}
	}
	if errors.Is(err, errSlowBody) {
		// The connection closes after this answer; the client may not read it.
		status, body = http.StatusRequestTimeout, errorDetail{Code: "request_timeout", Message: "the request body arrived too slowly"}
	} else if e, ok := errs.As(err); ok {
		status = statusOf[e.Code]
		if e.Code != errs.Internal {
			body = errorDetail{Code: e.PublicCode(), Message: e.Message, Details: e.Details}
			if e.Until != nil {
				body.Until = e.Until.UTC().Format(time.RFC3339)
			}
		}
		if e.RetryAfter > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
		}
		if e.Code == errs.Unavailable && e.Err != nil {
			s.deps.Log.WarnContext(c.Request().Context(), "dependency unavailable", "request_id", requestID(c), "err", e.Err)
		}
	} else if errors.As(err, &he) {
		status = he.Code
		if code, ok := echoCodes[status]; ok {
			msg := http.StatusText(status)
			if m, ok := he.Message.(string); ok && m != "" {
				msg = m
			}
			body = errorDetail{Code: code, Message: msg}
		}
	}
	if status >= 500 && status != http.StatusServiceUnavailable {
		s.deps.Log.ErrorContext(c.Request().Context(), "request failed", "request_id", requestID(c),
			"method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.JSON(status, errorBody{Error: body})
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}
