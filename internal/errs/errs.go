// Package errs defines Parley's one domain error type. Services return it; the
// HTTP and WebSocket layers map its code to a status or an error frame in one place.
package errs

import (
	"errors"
	"fmt"
	"time"

	"github.com/parley-chat/parley/internal/i18n"
)

// Code classifies an error. Its string value is what clients see in
// {"error": {"code": …}} unless the Error carries a more specific Reason.
type Code string

// Error codes and the HTTP status each maps to.
const (
	Invalid      Code = "invalid"      // 400
	Unauthorized Code = "unauthorized" // 401
	Forbidden    Code = "forbidden"    // 403
	NotFound     Code = "not_found"    // 404
	Conflict     Code = "conflict"     // 409
	Gone         Code = "gone"         // 410
	TooLarge     Code = "too_large"    // 413
	Unsupported  Code = "unsupported"  // 415: a media type not accepted here
	Rule         Code = "rule"         // 422: a business rule was broken
	RateLimited  Code = "rate_limited" // 429
	Unavailable  Code = "unavailable"  // 503
	Internal     Code = "internal"     // 500
)

// Error is a domain error: a code, a message that is safe to show to the
// caller, an optional machine reason (e.g. "muted", "not_friends"), field
// details for Invalid, and the wrapped cause, which is never shown.
type Error struct {
	Code       Code
	Reason     string
	Message    string
	Details    map[string]string
	RetryAfter int        // seconds, for RateLimited
	Until      *time.Time // when a restriction ends (e.g. a mute)
	Err        error
	// Format and Args are set for a message built from a format (Ef, Rf,
	// Fieldf): Message is its English rendering, and Format is the key the
	// message catalogue translates, with the same Args.
	Format string
	Args   []any
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// PublicCode is the snake_case code clients see: the reason when there is
// one, else the code.
func (e *Error) PublicCode() string {
	if e.Reason != "" {
		return e.Reason
	}
	return string(e.Code)
}

// E builds an Error with a code and a safe message.
func E(code Code, msg string) *Error { return &Error{Code: code, Message: msg} }

// R builds an Error with a code, a specific public reason and a message.
func R(code Code, reason, msg string) *Error { return &Error{Code: code, Reason: reason, Message: msg} }

// Wrap builds an Internal error around a cause; the cause is logged, never shown.
func Wrap(err error, msg string) *Error {
	return &Error{Code: Internal, Message: "internal error", Err: fmt.Errorf("%s: %w", msg, err)}
}

// Field builds an Invalid error that names one bad field.
func Field(field, msg string) *Error {
	return &Error{Code: Invalid, Reason: "invalid_input", Message: msg, Details: map[string]string{field: msg}}
}

// Ef is E with a message built from a format and its arguments, kept
// apart so that the message can be translated.
func Ef(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Rf is R with a message built from a format and its arguments.
func Rf(code Code, reason, format string, args ...any) *Error {
	e := Ef(code, format, args...)
	e.Reason = reason
	return e
}

// Fieldf is Field with a reason built from a format and its arguments.
func Fieldf(field, format string, args ...any) *Error {
	e := Ef(Invalid, format, args...)
	e.Reason, e.Details = "invalid_input", map[string]string{field: e.Message}
	return e
}

// MessageKey is what the catalogue translates the message by: the format
// when there is one, else the message itself.
func (e *Error) MessageKey() string {
	if e.Format != "" {
		return e.Format
	}
	return e.Message
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// CodeOf returns the code of err: Internal for errors that are not ours.
func CodeOf(err error) Code {
	if e, ok := As(err); ok {
		return e.Code
	}
	return Internal
}

// Localized returns the message and field details in lang, from the
// message catalogue (English when it has no translation).
func (e *Error) Localized(lang string) (string, map[string]string) {
	msg := i18n.Error(lang, e.MessageKey(), e.Args...)
	if len(e.Details) == 0 {
		return msg, nil
	}
	details := make(map[string]string, len(e.Details))
	for field, reason := range e.Details {
		if reason == e.Message {
			details[field] = msg
		} else {
			details[field] = i18n.Error(lang, reason)
		}
	}
	return msg, details
}
