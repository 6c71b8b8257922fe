package auth

import (
	"context"
	"encoding/json"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/i18n"
	"github.com/parley-chat/parley/internal/store"
)

// Language is the language the server writes to id in: a user's setting,
// a visitor's widget locale, else fallback (the request's
// Accept-Language).
func (s *Service) Language(ctx context.Context, id Identity, fallback string) string {
	switch id.Kind {
	case store.SenderUser:
		if u, err := s.store.UserByID(ctx, id.ID); err == nil && u.Language != nil {
			return i18n.Pick(fallback, *u.Language)
		}
	case store.SenderVisitor:
		if v, err := s.store.VisitorByID(ctx, id.ID); err == nil {
			return i18n.Pick(fallback, v.Locale)
		}
	}
	return fallback
}

// UserLanguage is the language of mails to u: their setting, else English.
func UserLanguage(u *store.User) string {
	if u.Language == nil {
		return i18n.EN
	}
	return i18n.Pick(i18n.EN, *u.Language)
}

// MailLanguage is the language of an account mail to u: their setting,
// else requested (the language of the request that caused the mail, so
// that a brand-new account is mailed in the language it signed up in),
// else English.
func MailLanguage(u *store.User, requested string) string {
	if u.Language != nil {
		return UserLanguage(u)
	}
	return i18n.Pick(i18n.EN, requested)
}

// languagePatch reads the language of a profile patch: a supported
// language, or null to follow the browser.
func languagePatch(raw json.RawMessage) (store.Null[string], error) {
	if string(raw) == "null" {
		return store.SetNull[string](), nil
	}
	var l string
	if err := json.Unmarshal(raw, &l); err == nil {
		for _, known := range i18n.Languages {
			if l == known {
				return store.SetTo(l), nil
			}
		}
	}
	return store.Null[string]{}, errs.Field("language", "en or zh-CN, or null to follow the browser")
}
