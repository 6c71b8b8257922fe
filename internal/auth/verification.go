package auth

import (
	"context"
	"errors"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/i18n"
	"github.com/parley-chat/parley/internal/store"
)

// ErrEmailUnverified is what an account whose e-mail is not verified yet
// gets for what it may not do until it is (message, befriend, create or
// join groups, upload).
var ErrEmailUnverified = errs.R(errs.Forbidden, "email_unverified",
	"confirm your e-mail address first: open the link in the mail we sent you, or ask for a new one (POST /api/v1/me/verification)")

// RequireVerified refuses an identity whose account's e-mail is not
// verified, when the deployment requires verification. Admins always
// pass. Access tokens say whether the account was verified when they were
// issued; only a token saying it was not is checked against the database,
// so that a verification counts at once, without a new token.
// Errors: 403 email_unverified.
func (s *Service) RequireVerified(ctx context.Context, id Identity) error {
	if !s.cfg.RequireVerifiedEmail || id.Kind != store.SenderUser || !id.Unverified || id.IsAdmin() {
		return nil
	}
	u, err := s.store.UserByID(ctx, id.ID)
	if errors.Is(err, store.ErrNotFound) {
		return errs.E(errs.Unauthorized, "this account no longer exists")
	}
	if err != nil {
		return errs.Wrap(err, "load user")
	}
	if unverified(u) {
		return ErrEmailUnverified
	}
	return nil
}

// ResendVerification mails the signed-in user a fresh verification link.
// It is rate-limited per account (the password-reset mail's cap).
// Errors: 409 already_verified, 429 rate_limited.
func (s *Service) ResendVerification(ctx context.Context, id Identity) (*User, error) {
	u, err := s.Me(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.EmailVerified {
		return nil, errs.R(errs.Conflict, "already_verified", "this account's e-mail is already verified")
	}
	if err := s.limit(ctx, "verify_mail:acct:"+u.Email, s.cfg.Limits.VerifyMailPerAccount); err != nil {
		return nil, err
	}
	if err := s.jobs.EnqueueVerifyMail(ctx, s.store, u.ID, i18n.FromContext(ctx)); err != nil {
		return nil, errs.Wrap(err, "enqueue verification mail")
	}
	return u, nil
}

// unverified reports whether an account counts as not verified: its
// e-mail is not, and it is not an admin's.
func unverified(u *store.User) bool { return u.EmailVerifiedAt == nil && u.Role != RoleAdmin }
