package auth

import (
	"context"
	"encoding/json"
	"errors"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-chat/parley/internal/audit"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/i18n"
	"github.com/parley-chat/parley/internal/media"
	"github.com/parley-chat/parley/internal/store"
	"github.com/parley-chat/parley/internal/text"
)

// User is an account as the API shows it.
type User struct {
	ID            int64     `json:"id"`
	Username      string    `json:"username"`
	Email         string    `json:"email,omitempty"`
	Nickname      string    `json:"nickname"`
	AvatarURL     string    `json:"avatar_url"`
	Role          string    `json:"role"`
	EmailVerified bool      `json:"email_verified"`
	Disabled      bool      `json:"disabled"`
	Language      *string   `json:"language"` // en or zh-CN; null follows the browser
	CreatedAt     time.Time `json:"created_at"`
}

// PublicUser is what other users see of an account: never the e-mail.
type PublicUser struct {
	ID        int64  `json:"id"`
	Username  string `json:"username"`
	Nickname  string `json:"nickname"`
	AvatarURL string `json:"avatar_url"`
}

// UserView converts a stored user for its owner or an admin.
func UserView(u *store.User) *User {
	return &User{
		ID: u.ID, Username: u.Username, Email: u.Email, Nickname: u.Nickname, AvatarURL: u.AvatarURL,
		Role: u.Role, EmailVerified: u.EmailVerifiedAt != nil, Disabled: u.DisabledAt != nil, Language: u.Language, CreatedAt: u.CreatedAt,
	}
}

// PublicView converts a stored user for other users.
func PublicView(u *store.User) PublicUser {
	return PublicUser{ID: u.ID, Username: u.Username, Nickname: u.Nickname, AvatarURL: u.AvatarURL}
}

// NewUser is what it takes to create an account.
type NewUser struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	Password string `json:"password"`
	Nickname string `json:"nickname"`
	Role     string `json:"role"`
	Verified bool   `json:"verified"`
	// Language, when set, becomes the account's language setting ("en" or
	// "zh-CN").
	Language *string `json:"language"`
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.]{2,31}$`)

func (n *NewUser) normalise() error {
	// Accounts are also made from the command line, past the API's checks.
	if err := text.Fields("username", n.Username, "email", n.Email, "nickname", n.Nickname, "password", n.Password); err != nil {
		return err
	}
	n.Username = strings.ToLower(strings.TrimSpace(n.Username))
	n.Email = strings.ToLower(strings.TrimSpace(n.Email))
	n.Nickname = strings.TrimSpace(n.Nickname)
	if n.Role == "" {
		n.Role = RoleUser
	}
	details := map[string]string{}
	if n.Language != nil && !slices.Contains(i18n.Languages, *n.Language) {
		details["language"] = "en or zh-CN"
	}
	if !usernameRE.MatchString(n.Username) {
		details["username"] = "3 to 32 characters: lower-case letters, digits, _ and ., starting with a letter or digit"
	}
	if a, err := mail.ParseAddress(n.Email); err != nil || a.Address != n.Email || !strings.Contains(n.Email, ".") {
		details["email"] = "a valid e-mail address is required"
	}
	if p := passwordProblem(n.Password); p != "" {
		details["password"] = p
	}
	if utf8.RuneCountInString(n.Nickname) > 64 {
		details["nickname"] = "at most 64 characters"
	}
	if !validRole(n.Role) {
		details["role"] = "one of user, agent, admin"
	}
	if len(details) > 0 {
		return &errs.Error{Code: errs.Invalid, Reason: "invalid_input", Message: "some fields are not valid", Details: details}
	}
	if n.Nickname == "" {
		n.Nickname = n.Username
	}
	return nil
}

// createUser validates and inserts an account inside tx.
func (s *Service) createUser(ctx context.Context, tx *store.Store, n NewUser) (*store.User, error) {
	if err := n.normalise(); err != nil {
		return nil, err
	}
	// Hashed before the checks, so that a taken address costs as long to
	// answer as a new account (see Register).
	hash, err := HashPassword(n.Password)
	if err != nil {
		return nil, errs.Wrap(err, "hash password")
	}
	if _, err := tx.UserByLogin(ctx, n.Username); err == nil {
		return nil, errs.R(errs.Conflict, "username_taken", "that username is taken")
	}
	if _, err := tx.UserByLogin(ctx, n.Email); err == nil {
		return nil, errs.R(errs.Conflict, "email_taken", "an account with that e-mail exists")
	}
	now := s.now()
	u := &store.User{
		Username: n.Username, Email: n.Email, PasswordHash: hash, Nickname: n.Nickname,
		Role: n.Role, Language: n.Language, CreatedAt: now, UpdatedAt: now,
	}
	if n.Verified {
		u.EmailVerifiedAt = &now
	}
	if err := tx.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, errs.R(errs.Conflict, "username_taken", "that username or e-mail is taken")
		}
		return nil, errs.Wrap(err, "create user")
	}
	return u, nil
}

// CreateUser is the admin's way to add an account (any role, optionally
// already verified). Unverified accounts are mailed a verification link.
func (s *Service) CreateUser(ctx context.Context, actor Identity, n NewUser) (*User, error) {
	if !actor.IsAdmin() {
		return nil, errs.E(errs.Forbidden, "only admins create users")
	}
	return s.createLogged(ctx, actor.ID, false, n)
}

// CreateUserUnchecked creates an account without an acting admin: for the
// `parley admin create-user` command run by the operator.
func (s *Service) CreateUserUnchecked(ctx context.Context, n NewUser) (*User, error) {
	return s.createLogged(ctx, 0, false, n)
}

// createLogged creates an account and logs the action as actorID's, or,
// for a self-registration, as the new account's own (source
// "self_registration", with the address audit.WithIP put in ctx).
func (s *Service) createLogged(ctx context.Context, actorID int64, self bool, n NewUser) (*User, error) {
	var u *store.User
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		var err error
		if u, err = s.createUser(ctx, tx, n); err != nil {
			return err
		}
		if u.EmailVerifiedAt == nil {
			// A new account has no setting unless it was given one: the
			// mail goes out in the language of the request that made it.
			if err := s.jobs.EnqueueVerifyMail(ctx, tx, u.ID, i18n.FromContext(ctx)); err != nil {
				return err
			}
		}
		detail := map[string]any{"username": u.Username, "role": u.Role, "verified": u.EmailVerifiedAt != nil}
		if self {
			actorID, detail["source"] = u.ID, "self_registration"
		}
		return audit.Record(ctx, tx, actorID, "user.create", "user", u.ID, detail)
	})
	if err != nil {
		return nil, err
	}
	return UserView(u), nil
}

// Me returns the caller's own account.
func (s *Service) Me(ctx context.Context, id Identity) (*User, error) {
	if id.Kind != store.SenderUser {
		return nil, errs.E(errs.Forbidden, "only users have an account")
	}
	u, err := s.store.UserByID(ctx, id.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errs.E(errs.Unauthorized, "this account no longer exists")
	}
	if err != nil {
		return nil, errs.Wrap(err, "load user")
	}
	return UserView(u), nil
}

// MePatch changes the caller's profile; nil fields stay as they are.
type MePatch struct {
	Nickname  *string `json:"nickname"`
	AvatarURL *string `json:"avatar_url"`
	// Language is "en", "zh-CN", or null to follow the browser; absent
	// leaves it as it is.
	Language json.RawMessage `json:"language"`
	// AvatarMediaID makes one of the caller's uploaded images the avatar.
	AvatarMediaID *int64 `json:"avatar_media_id"`
}

// UpdateMe changes the caller's nickname, avatar or language.
func (s *Service) UpdateMe(ctx context.Context, id Identity, p MePatch) (*User, error) {
	if id.Kind != store.SenderUser {
		return nil, errs.E(errs.Forbidden, "only users have an account")
	}
	var fields store.UserUpdate
	if p.Nickname != nil {
		n := strings.TrimSpace(*p.Nickname)
		if n == "" || utf8.RuneCountInString(n) > 64 {
			return nil, errs.Field("nickname", "1 to 64 characters")
		}
		fields.Nickname = &n
	}
	if p.AvatarURL != nil {
		a := strings.TrimSpace(*p.AvatarURL)
		if a != "" && !(strings.HasPrefix(a, "https://") || strings.HasPrefix(a, "http://") || strings.HasPrefix(a, "/")) || len(a) > 1024 {
			return nil, errs.Field("avatar_url", "an http(s) URL or a path on this server")
		}
		fields.AvatarURL = &a
		fields.AvatarUploadID = store.Null[int64]{Set: true}
	}
	if p.AvatarMediaID != nil {
		if p.AvatarURL != nil {
			return nil, errs.Field("avatar_media_id", "send avatar_url or avatar_media_id, not both")
		}
		path := media.AvatarPath(*p.AvatarMediaID)
		fields.AvatarURL = &path
		fields.AvatarUploadID = store.Null[int64]{Set: true, Value: p.AvatarMediaID}
	}
	if len(p.Language) > 0 {
		l, err := languagePatch(p.Language)
		if err != nil {
			return nil, err
		}
		fields.Language = l
	}
	if fields != (store.UserUpdate{}) {
		err := s.store.Tx(ctx, func(tx *store.Store) error {
			if p.AvatarMediaID != nil {
				if err := media.CheckAvatar(ctx, tx, id.ID, *p.AvatarMediaID, "avatar_media_id"); err != nil {
					return err
				}
			}
			return tx.UpdateUser(ctx, id.ID, fields)
		})
		if _, ok := errs.As(err); ok {
			return nil, err
		}
		if err != nil {
			return nil, errs.Wrap(err, "update user")
		}
	}
	return s.Me(ctx, id)
}

// Search finds users by exact username or nickname substring, leaving out
// those who blocked the viewer.
func (s *Service) Search(ctx context.Context, viewerID int64, q string, limit int) ([]PublicUser, error) {
	q = strings.TrimSpace(q)
	if utf8.RuneCountInString(q) < 1 || len(q) > 64 {
		return nil, errs.Field("q", "1 to 64 characters")
	}
	users, err := s.store.SearchUsers(ctx, viewerID, q, limit)
	if err != nil {
		return nil, errs.Wrap(err, "search users")
	}
	out := make([]PublicUser, 0, len(users))
	for i := range users {
		out = append(out, PublicView(&users[i]))
	}
	return out, nil
}
