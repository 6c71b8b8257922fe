package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/ratelimit"
	"github.com/parley-chat/parley/internal/store"
)

// Session is what a successful login, setup or refresh returns.
type Session struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	User         *User  `json:"user"`
}

type accessClaims struct {
	Role string `json:"role"`
	// IssuedMs is the issue time in milliseconds: revoking a user's
	// sessions voids the tokens issued before that millisecond, and the
	// second of iat is too coarse to tell a stolen token from the new one.
	IssuedMs int64 `json:"ims,omitempty"`
	// Unverified marks an account whose e-mail was not verified at issue.
	Unverified bool `json:"unv,omitempty"`
	jwt.RegisteredClaims
}

func (s *Service) accessKey() []byte { return accessKeyOf(s.cfg.Secret) }

func accessKeyOf(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("parley access token"))
	return m.Sum(nil)
}

// verifyKeys are the keys access tokens verify with: the current one and,
// during a rotation, the previous secret's.
func (s *Service) verifyKeys() jwt.VerificationKeySet {
	set := jwt.VerificationKeySet{Keys: []jwt.VerificationKey{s.accessKey()}}
	if s.cfg.PreviousSecret != "" {
		set.Keys = append(set.Keys, accessKeyOf(s.cfg.PreviousSecret))
	}
	return set
}

// Authenticate checks an access token and returns who it belongs to.
func (s *Service) Authenticate(ctx context.Context, token string) (Identity, error) {
	var c accessClaims
	_, err := jwt.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) { return s.verifyKeys(), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer("parley"), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.now))
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return Identity{}, errs.R(errs.Unauthorized, "token_expired", "the access token has expired; refresh it")
		}
		return Identity{}, errs.R(errs.Unauthorized, "invalid_token", "the access token is not valid")
	}
	id, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil {
		return Identity{}, errs.R(errs.Unauthorized, "invalid_token", "the access token is not valid")
	}
	issued := c.IssuedMs
	if issued == 0 && c.IssuedAt != nil {
		issued = c.IssuedAt.UnixMilli()
	}
	return s.applyState(ctx, Identity{Kind: store.SenderUser, ID: id, Role: c.Role, Unverified: c.Unverified}, issued)
}

// newSession issues an access token and a refresh token of family (a new
// family when empty) inside tx.
func (s *Service) newSession(ctx context.Context, tx *store.Store, u *store.User, family string) (*Session, error) {
	if u.DisabledAt != nil {
		return nil, errAccountDisabled(errs.Unauthorized)
	}
	now := s.now()
	claims := accessClaims{Role: u.Role, IssuedMs: now.UnixMilli(), Unverified: unverified(u), RegisteredClaims: jwt.RegisteredClaims{
		Issuer: "parley", Subject: strconv.FormatInt(u.ID, 10),
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(s.cfg.AccessTokenTTL)),
	}}
	access, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.accessKey())
	if err != nil {
		return nil, errs.Wrap(err, "sign access token")
	}
	if family == "" {
		family = randomToken(16)
	}
	refresh := "rt_" + randomToken(32)
	err = tx.CreateRefreshToken(ctx, &store.RefreshToken{
		UserID: u.ID, FamilyID: family, TokenHash: hashToken(refresh),
		ExpiresAt: now.Add(s.cfg.RefreshTokenTTL), CreatedAt: now,
	})
	if err != nil {
		return nil, errs.Wrap(err, "store refresh token")
	}
	return &Session{AccessToken: access, RefreshToken: refresh, ExpiresIn: int(s.cfg.AccessTokenTTL.Seconds()), User: UserView(u)}, nil
}

// Login checks credentials (username or e-mail) and opens a session. It is
// rate-limited per client IP and per account.
func (s *Service) Login(ctx context.Context, login, password, ip string) (*Session, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	if login == "" || password == "" {
		return nil, &errs.Error{Code: errs.Invalid, Reason: "invalid_input", Message: "login and password are required",
			Details: map[string]string{"login": "required", "password": "required"}}
	}
	if err := s.limit(ctx, "login:ip:"+ip, s.cfg.Limits.LoginPerIP); err != nil {
		return nil, err
	}
	u, err := s.store.UserByLogin(ctx, login)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, errs.Wrap(err, "find user")
	}
	// The account's tries are counted on the account, not on the string
	// that names it: a username and an e-mail share one budget.
	acctKey := "login:acct:name:" + login
	if u != nil {
		acctKey = "login:acct:id:" + strconv.FormatInt(u.ID, 10)
	}
	if err := s.limit(ctx, acctKey, s.cfg.Limits.LoginPerAccount); err != nil {
		return nil, err
	}
	if u == nil {
		CheckPassword(dummyHash, password)
		return nil, errs.R(errs.Unauthorized, "invalid_credentials", "wrong username, e-mail or password")
	}
	if !CheckPassword(u.PasswordHash, password) {
		return nil, errs.R(errs.Unauthorized, "invalid_credentials", "wrong username, e-mail or password")
	}
	if u.DisabledAt != nil {
		return nil, errAccountDisabled(errs.Forbidden)
	}
	var sess *Session
	err = s.store.Tx(ctx, func(tx *store.Store) error {
		sess, err = s.newSession(ctx, tx, u, "")
		return err
	})
	if err != nil {
		return nil, err
	}
	_ = s.limiter.Reset(ctx, acctKey)
	return sess, nil
}

func (s *Service) limit(ctx context.Context, key string, n int) error {
	ok, wait, err := s.limiter.Allow(ctx, key, n, s.cfg.Limits.Window)
	if err != nil {
		s.log.WarnContext(ctx, "rate limiter unavailable", "err", err)
	}
	if !ok {
		secs := ratelimit.RetryAfterSeconds(wait)
		e := errs.Rf(errs.RateLimited, "rate_limited", "too many attempts; try again in %d seconds", secs)
		e.RetryAfter = secs
		return e
	}
	return nil
}

// Refresh rotates a refresh token: the presented one is spent and a new
// one of the same family returned. Presenting a spent token again means it
// leaked, so the whole family is revoked.
func (s *Service) Refresh(ctx context.Context, token string) (*Session, error) {
	if token == "" {
		return nil, errs.Field("refresh_token", "required")
	}
	bad := errs.R(errs.Unauthorized, "invalid_refresh_token", "the refresh token is not valid; sign in again")
	var (
		sess   *Session
		reused bool
		owner  int64
	)
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		now := s.now()
		rt, err := tx.RefreshTokenByHashForUpdate(ctx, hashToken(token))
		if errors.Is(err, store.ErrNotFound) {
			return bad
		}
		if err != nil {
			return errs.Wrap(err, "load refresh token")
		}
		if rt.RevokedAt != nil || !rt.ExpiresAt.After(now) {
			return bad
		}
		if rt.UsedAt != nil {
			reused, owner = true, rt.UserID
			return tx.RevokeRefreshFamily(ctx, rt.FamilyID, now)
		}
		if ok, err := tx.MarkRefreshTokenUsed(ctx, rt.ID, now); err != nil || !ok {
			if err != nil {
				return errs.Wrap(err, "spend refresh token")
			}
			reused, owner = true, rt.UserID
			return tx.RevokeRefreshFamily(ctx, rt.FamilyID, now)
		}
		u, err := tx.UserByID(ctx, rt.UserID)
		if err != nil {
			return bad
		}
		if u.DisabledAt != nil {
			return errAccountDisabled(errs.Unauthorized)
		}
		sess, err = s.newSession(ctx, tx, u, rt.FamilyID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if reused {
		s.log.WarnContext(ctx, "refresh token reused; family revoked")
		// Which access tokens and sockets came of the leaked family is not
		// known: all of the account's end, and its owner signs in again.
		s.endSessions(ctx, owner, s.now(), "session_revoked")
		return nil, errs.R(errs.Unauthorized, "refresh_token_reused", "this refresh token was already used; every session of it has been signed out")
	}
	return sess, nil
}

// Logout revokes the refresh token's family. Unknown tokens are ignored:
// the caller is signed out either way.
func (s *Service) Logout(ctx context.Context, token string) error {
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		rt, err := tx.RefreshTokenByHashForUpdate(ctx, hashToken(token))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return tx.RevokeRefreshFamily(ctx, rt.FamilyID, s.now())
	})
	if err != nil {
		return errs.Wrap(err, "logout")
	}
	return nil
}

// LogoutEverywhere revokes every refresh token of the caller, voids their
// access tokens and unused tickets and closes their sockets on every node.
func (s *Service) LogoutEverywhere(ctx context.Context, id Identity) error {
	now := s.now()
	if err := s.store.RevokeUserRefreshTokens(ctx, id.ID, now); err != nil {
		return errs.Wrap(err, "logout everywhere")
	}
	s.endSessions(ctx, id.ID, now, "signed_out")
	return nil
}

func (s *Service) revokedKey(userID int64) string {
	return s.keys("user", strconv.FormatInt(userID, 10), "revoked")
}

// endSessions ends what credentials a user holds besides refresh tokens
// (revoked by the caller, in its transaction): access tokens and tickets
// issued before at are refused from now on, and the user's open sockets
// close on every node with code 4001. The mark lives as long as an access
// token could.
func (s *Service) endSessions(ctx context.Context, userID int64, at time.Time, reason string) {
	ttl := max(s.cfg.AccessTokenTTL+s.cfg.AccessTokenTTL/2, TicketTTL)
	if err := s.rdb.Set(ctx, s.revokedKey(userID), at.UnixMilli(), ttl).Err(); err != nil {
		s.log.ErrorContext(ctx, "session revocation not published; access tokens already issued stay valid until they expire", "user_id", userID, "err", err)
	}
	if s.sessions != nil {
		s.sessions.CloseUser(ctx, userID, reason)
	}
}

// revokedAt returns the millisecond before which the user's access tokens
// and tickets are void (0 when none was set within a token's life).
func (s *Service) revokedAt(ctx context.Context, userID int64) (int64, error) {
	v, err := s.rdb.Get(ctx, s.revokedKey(userID)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return v, err
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}
