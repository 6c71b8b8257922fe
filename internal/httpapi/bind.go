package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/text"
)

// bind decodes the JSON body into dto (a request DTO, never a model).
// Unknown fields are refused so that typos don't pass silently, and so is
// any string that is not valid text (see package text), naming its field.
func bind(c echo.Context, dto any) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return bindBodyError(err)
	}
	if field, problem := text.BadJSON(body); field != "" {
		return errs.Field(field, problem)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dto); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return errs.R(errs.Invalid, "bad_json", "a JSON body is required")
		case errors.As(err, &typeErr) && typeErr.Field != "":
			return errs.Fieldf(typeErr.Field, "must be a %s", jsonKind(typeErr.Type.Kind().String()))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return errs.Field(f, "unknown field")
		default:
			return errs.Rf(errs.Invalid, "bad_json", "the body is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
		}
	}
	if dec.More() {
		return errs.R(errs.Invalid, "bad_json", "the body must hold one JSON value")
	}
	return nil
}

// bindOptional is bind for a route whose body may be left out entirely.
func bindOptional(c echo.Context, dto any) error {
	if c.Request().ContentLength == 0 {
		return nil
	}
	return bind(c, dto)
}

func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"), strings.HasPrefix(k, "float"):
		return "number"
	case k == "bool":
		return "boolean"
	case k == "slice":
		return "list"
	case k == "struct", k == "map":
		return "object"
	}
	return k
}

// validParams refuses query and path parameters that are not valid text
// (a NUL or invalid UTF-8 from %00 or %FF), naming the parameter, before
// any handler passes them on.
func validParams(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for i, name := range c.ParamNames() {
			if i < len(c.ParamValues()) {
				if err := text.Check(name, c.ParamValues()[i]); err != nil {
					return err
				}
			}
		}
		for name, values := range c.QueryParams() {
			if err := text.Check(name, name); err != nil {
				return err
			}
			for _, v := range values {
				if err := text.Check(name, v); err != nil {
					return err
				}
			}
		}
		return next(c)
	}
}

// pathID reads a positive integer path parameter.
func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.Rf(errs.NotFound, "not_found", "no such %s", strings.TrimSuffix(name, "_id"))
	}
	return id, nil
}

// queryInt64 reads an optional integer query parameter (nil when absent).
func queryInt64(c echo.Context, name string, min int64) (*int64, error) {
	raw := c.QueryParam(name)
	if raw == "" {
		return nil, nil
	}
	v, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || v < min {
		return nil, errs.Fieldf(name, "must be a whole number ≥ %d", min)
	}
	return &v, nil
}

// limit reads ?limit= (default 50, at most 200).
func limit(c echo.Context) (int, error) {
	v, err := queryInt64(c, "limit", 1)
	if err != nil {
		return 0, err
	}
	if v == nil {
		return 50, nil
	}
	if *v > 200 {
		return 200, nil
	}
	return int(*v), nil
}

// list is the envelope of every list response.
type list[T any] struct {
	Items      []T `json:"items"`
	NextCursor any `json:"next_cursor"`
}

// MarshalJSON sends an empty list as [], never null: the document says
// items is an array, and clients iterate it without a check.
func (l list[T]) MarshalJSON() ([]byte, error) {
	items := l.Items
	if items == nil {
		items = []T{}
	}
	return json.Marshal(struct {
		Items      []T `json:"items"`
		NextCursor any `json:"next_cursor"`
	}{items, l.NextCursor})
}

// bindBodyError maps a failure to read a raw body (too large, cut off).
func bindBodyError(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return errs.Rf(errs.TooLarge, "too_large", "the request body is over %d bytes", maxErr.Limit)
	}
	if errors.Is(err, errSlowBody) {
		return err
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he // the body limit's 413
	}
	return errs.R(errs.Invalid, "bad_body", "the request body could not be read")
}

// pageParams reads ?limit= and a numeric ?cursor= (0 when absent).
func pageParams(c echo.Context) (cursor int64, n int, err error) {
	if n, err = limit(c); err != nil {
		return 0, 0, err
	}
	v, err := queryInt64(c, "cursor", 1)
	if err != nil || v == nil {
		return 0, n, err
	}
	return *v, n, nil
}

// historyParams reads the message-history query: after_seq or before_seq
// (not both) and limit.
func historyParams(c echo.Context) (after, before *int64, n int, err error) {
	if after, err = queryInt64(c, "after_seq", 0); err != nil {
		return nil, nil, 0, err
	}
	if before, err = queryInt64(c, "before_seq", 1); err != nil {
		return nil, nil, 0, err
	}
	if after != nil && before != nil {
		return nil, nil, 0, errs.Field("before_seq", "give after_seq or before_seq, not both")
	}
	n, err = limit(c)
	return after, before, n, err
}
