package auth

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/i18n"
	"github.com/parley-chat/parley/internal/notify"
	"github.com/parley-chat/parley/internal/store"
)

const (
	purposeResetPassword = "reset_password"
	resetTokenTTL        = time.Hour
)

// RequestPasswordReset mails a reset link to the account with this e-mail,
// if there is one. The answer is the same either way, so it tells nobody
// whether an address has an account. Rate-limited per client IP and per
// address.
func (s *Service) RequestPasswordReset(ctx context.Context, email, ip string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" || len(email) > 254 {
		return errs.Field("email", "required")
	}
	if err := s.limit(ctx, "reset:ip:"+ip, s.cfg.Limits.RegisterPerIP); err != nil {
		return err
	}
	// Counted per address whether or not it has an account, so the limit
	// tells nobody which addresses do.
	if err := s.limit(ctx, "reset:email:"+email, s.cfg.Limits.ResetPerAccount); err != nil {
		return err
	}
	u, err := s.store.UserByLogin(ctx, email)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.Email != email) {
		return nil
	}
	if err != nil {
		return errs.Wrap(err, "find user")
	}
	_ = s.jobs.EnqueueResetMail(ctx, s.store, u.ID, i18n.FromContext(ctx))
	return nil
}

// SendResetMail mails a fresh password-reset link (run by the worker), in
// the user's language, else lang.
func (s *Service) SendResetMail(ctx context.Context, userID int64, lang string) error {
	u, err := s.store.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	token := "pr_" + randomToken(24)
	now := s.now()
	if err := s.store.CreateEmailToken(ctx, &store.EmailToken{UserID: u.ID, Purpose: purposeResetPassword,
		TokenHash: hashToken(token), ExpiresAt: now.Add(resetTokenTTL), CreatedAt: now}); err != nil {
		return err
	}
	link := s.cfg.PublicURL + "/console/#/reset-password?token=" + url.QueryEscape(token)
	lang = MailLanguage(u, lang)
	return s.mailer.Send(ctx, notify.Mail{
		Kind:    notify.KindPasswordReset,
		To:      []string{u.Email},
		Subject: i18n.T(lang, "mail.reset.subject"),
		Text:    i18n.T(lang, "mail.reset.body", "nickname", u.Nickname, "link", link),
	})
}

// ResetPassword spends a reset token, sets the new password and signs out
// every session of the account.
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	if token == "" {
		return errs.Field("token", "required")
	}
	if p := passwordProblem(password); p != "" {
		return errs.Field("password", p)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return errs.Wrap(err, "hash password")
	}
	var userID int64
	now := s.now()
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		t, err := tx.UseEmailToken(ctx, hashToken(token), purposeResetPassword, now)
		if errors.Is(err, store.ErrNotFound) {
			return errs.R(errs.Gone, "invalid_token", "this link is invalid, expired or already used")
		}
		if err != nil {
			return errs.Wrap(err, "use token")
		}
		if err := tx.UpdateUser(ctx, t.UserID, store.UserUpdate{PasswordHash: &hash}); err != nil {
			return errs.Wrap(err, "set password")
		}
		userID = t.UserID
		return tx.RevokeUserRefreshTokens(ctx, t.UserID, now)
	})
	if err != nil {
		return err
	}
	s.endSessions(ctx, userID, now, "password_changed")
	return nil
}

// ChangePassword checks the current password, sets the new one, signs out
// every other session (refresh and access tokens, tickets, open sockets on
// every node) and returns a fresh one for the caller.
func (s *Service) ChangePassword(ctx context.Context, id Identity, current, next string) (*Session, error) {
	if p := passwordProblem(next); p != "" {
		return nil, errs.Field("new_password", p)
	}
	u, err := s.store.UserByID(ctx, id.ID)
	if err != nil {
		return nil, errs.E(errs.Unauthorized, "this account no longer exists")
	}
	if !CheckPassword(u.PasswordHash, current) {
		return nil, &errs.Error{Code: errs.Invalid, Reason: "wrong_password", Message: "the current password is not right",
			Details: map[string]string{"current_password": "wrong"}}
	}
	hash, err := HashPassword(next)
	if err != nil {
		return nil, errs.Wrap(err, "hash password")
	}
	var sess *Session
	// The caller's new session is issued after this instant, so that it
	// survives the revocation of everything issued before.
	revoked := s.now()
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		if err := tx.UpdateUser(ctx, u.ID, store.UserUpdate{PasswordHash: &hash}); err != nil {
			return err
		}
		if err := tx.RevokeUserRefreshTokens(ctx, u.ID, revoked); err != nil {
			return err
		}
		sess, err = s.newSession(ctx, tx, u, "")
		return err
	})
	if err != nil {
		return nil, asDomain(err, "change password")
	}
	s.endSessions(ctx, u.ID, revoked, "password_changed")
	return sess, nil
}

func asDomain(err error, what string) error {
	if _, ok := errs.As(err); ok {
		return err
	}
	return errs.Wrap(err, what)
}
