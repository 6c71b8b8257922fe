package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/i18n"
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

// echoCodes are the codes and messages of the errors Echo itself raises
// (no route, wrong method, …).
var echoCodes = map[int]struct{ code, message string }{
	http.StatusBadRequest:            {"invalid_input", i18n.N("the request is not valid")},
	http.StatusUnauthorized:          {"unauthorized", i18n.N("sign in first")},
	http.StatusForbidden:             {"forbidden", i18n.N("you may not do this")},
	http.StatusNotFound:              {"not_found", i18n.N("there is nothing here")},
	http.StatusMethodNotAllowed:      {"method_not_allowed", i18n.N("this method is not allowed here")},
	http.StatusRequestEntityTooLarge: {"too_large", i18n.N("the request body is too large")},
	http.StatusUnsupportedMediaType:  {"unsupported_media_type", i18n.N("this media type is not accepted here")},
	http.StatusTooManyRequests:       {"rate_limited", i18n.N("too many requests; slow down")},
	http.StatusServiceUnavailable:    {"unavailable", i18n.N("the service is briefly unavailable; try again")},
}

// language is the language of the answer to c: the caller's setting (a
// user's profile, a visitor's widget locale), else Accept-Language.
func (s *Server) language(c echo.Context) string {
	ctx := c.Request().Context()
	return s.deps.Auth.Language(ctx, identity(c), i18n.FromContext(ctx))
}

// acceptLanguage puts the language the browser asks for into the request's
// context, for the error handler and the services.
func acceptLanguage(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		lang := i18n.FromAcceptLanguage(c.Request().Header.Get("Accept-Language"))
		c.SetRequest(c.Request().WithContext(i18n.WithLanguage(c.Request().Context(), lang)))
		return next(c)
	}
}

// handleError is the one place where errors become HTTP answers. Internal
// errors are logged once here, with the request id, and never shown.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status := http.StatusInternalServerError
	lang := s.language(c)
	body := errorDetail{Code: "internal", Message: i18n.Error(lang, "something went wrong on our side; it has been logged")}
	var he *echo.HTTPError
	if e, ok := errs.As(err); ok && e.Code == errs.Internal && store.IsUnavailable(e.Err) {
		// The database could not be reached: a retry may well succeed.
		err = &errs.Error{Code: errs.Unavailable, Reason: "unavailable", Message: i18n.N("the service is briefly unavailable; try again"), Err: e.Err}
	} else if !ok && store.IsUnavailable(err) {
		// The same, from a path that returned the store's error unwrapped.
		err = &errs.Error{Code: errs.Unavailable, Reason: "unavailable", Message: i18n.N("the service is briefly unavailable; try again"), Err: err}
	}
	if errors.Is(err, errSlowBody) {
		// The connection closes after this answer; the client may not read it.
		status, body = http.StatusRequestTimeout, errorDetail{Code: "request_timeout", Message: i18n.Error(lang, "the request body arrived too slowly")}
	} else if e, ok := errs.As(err); ok {
		status = statusOf[e.Code]
		if e.Code != errs.Internal {
			msg, details := e.Localized(lang)
			body = errorDetail{Code: e.PublicCode(), Message: msg, Details: details}
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
		if ec, ok := echoCodes[status]; ok {
			msg := i18n.Error(lang, ec.message)
			if m, ok := he.Message.(string); ok && m != "" && m != http.StatusText(status) {
				msg = i18n.Error(lang, m)
			}
			body = errorDetail{Code: ec.code, Message: msg}
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
