package auth

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/parley-chat/parley/internal/audit"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/i18n"
	"github.com/parley-chat/parley/internal/notify"
	"github.com/parley-chat/parley/internal/store"
)

const (
	purposeVerifyEmail = "verify_email"
	verifyTokenTTL     = 48 * time.Hour
)

// Register creates a user account (role user, e-mail unverified) and
// schedules the verification mail. Rate-limited per client IP.
//
// The answer never tells whether an e-mail address has an account: when it
// has, Register answers exactly as for a new account (the same pending
// view, after the same password hash) and mails the address's owner that
// someone tried to register with it. Usernames are public handles (users
// search them), so a taken username is still a 409 username_taken.
func (s *Service) Register(ctx context.Context, n NewUser, ip string) (*PendingUser, error) {
	if err := s.limit(ctx, "register:ip:"+ip, s.cfg.Limits.RegisterPerIP); err != nil {
		return nil, err
	}
	n.Role, n.Verified = RoleUser, false
	if err := n.normalise(); err != nil {
		return nil, err
	}
	_, err := s.createLogged(audit.WithIP(ctx, ip), 0, true, n)
	if e, ok := errs.As(err); ok && e.Reason == "email_taken" {
		if owner, err := s.store.UserByLogin(ctx, n.Email); err == nil && owner.Email == n.Email {
			_ = s.jobs.EnqueueSignupAttemptMail(ctx, s.store, owner.ID, i18n.FromContext(ctx))
		}
		err = nil
	}
	if err != nil {
		return nil, err
	}
	return &PendingUser{Username: n.Username, Email: n.Email, Nickname: n.Nickname, Role: RoleUser}, nil
}

// PendingUser is what registration answers: the account as asked for,
// waiting for its e-mail to be verified. It carries no id, so a new
// account and an address that already had one answer alike.
type PendingUser struct {
	Username      string `json:"username"`
	Email         string `json:"email"`
	Nickname      string `json:"nickname"`
	Role          string `json:"role"`
	EmailVerified bool   `json:"email_verified"`
}

// SendSignupAttemptMail tells an account's owner that someone tried to
// register with their address (run by the worker), in the owner's
// language, else lang.
func (s *Service) SendSignupAttemptMail(ctx context.Context, userID int64, lang string) error {
	u, err := s.store.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	lang = MailLanguage(u, lang)
	return s.mailer.Send(ctx, notify.Mail{
		Kind:    notify.KindSignupAttempt,
		To:      []string{u.Email},
		Subject: i18n.T(lang, "mail.signup_attempt.subject"),
		Text: i18n.T(lang, "mail.signup_attempt.body", "nickname", u.Nickname, "username", u.Username,
			"link", s.cfg.PublicURL+"/console/"),
	})
}

// SendVerificationMail mails a fresh verification link to a user whose
// e-mail is not verified yet, in their language, else lang. Run by the
// worker; a retry sends a new link, and an already verified user gets
// nothing.
func (s *Service) SendVerificationMail(ctx context.Context, userID int64, lang string) error {
	u, err := s.store.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.EmailVerifiedAt != nil) {
		return nil
	}
	if err != nil {
		return err
	}
	token := "ev_" + randomToken(24)
	now := s.now()
	err = s.store.CreateEmailToken(ctx, &store.EmailToken{
		UserID: u.ID, Purpose: purposeVerifyEmail, TokenHash: hashToken(token),
		ExpiresAt: now.Add(verifyTokenTTL), CreatedAt: now,
	})
	if err != nil {
		return err
	}
	link := s.cfg.PublicURL + "/console/#/verify-email?token=" + url.QueryEscape(token)
	lang = MailLanguage(u, lang)
	return s.mailer.Send(ctx, notify.Mail{
		Kind:    notify.KindEmailVerification,
		To:      []string{u.Email},
		Subject: i18n.T(lang, "mail.verify.subject"),
		Text:    i18n.T(lang, "mail.verify.body", "nickname", u.Nickname, "link", link),
	})
}

// VerifyEmail spends a verification token and marks the e-mail verified.
func (s *Service) VerifyEmail(ctx context.Context, token string) (*User, error) {
	if token == "" {
		return nil, errs.Field("token", "required")
	}
	var u *store.User
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		now := s.now()
		t, err := tx.UseEmailToken(ctx, hashToken(token), purposeVerifyEmail, now)
		if errors.Is(err, store.ErrNotFound) {
			return errs.R(errs.Gone, "invalid_token", "this link is invalid, expired or already used")
		}
		if err != nil {
			return errs.Wrap(err, "use token")
		}
		if err := tx.UpdateUser(ctx, t.UserID, store.UserUpdate{EmailVerifiedAt: &now}); err != nil {
			return errs.Wrap(err, "verify user")
		}
		u, err = tx.UserByID(ctx, t.UserID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return UserView(u), nil
}
