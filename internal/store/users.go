package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm/clause"
)

// CreateUser inserts u; ErrConflict when the username or e-mail is taken.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	return translate(s.q(ctx).Create(u).Error)
}

// UserByID returns one user or ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	var u User
	if err := s.q(ctx).First(&u, id).Error; err != nil {
		return nil, translate(err)
	}
	return &u, nil
}

// UserByLogin finds a user by username or e-mail (both stored lower-case).
func (s *Store) UserByLogin(ctx context.Context, login string) (*User, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	var u User
	if err := s.q(ctx).Where("username = ? OR email = ?", login, login).First(&u).Error; err != nil {
		return nil, translate(err)
	}
	return &u, nil
}

// UserByUsername finds a user by username only (never by e-mail).
func (s *Store) UserByUsername(ctx context.Context, username string) (*User, error) {
	var u User
	if err := s.q(ctx).Where("username = ?", strings.ToLower(strings.TrimSpace(username))).First(&u).Error; err != nil {
		return nil, translate(err)
	}
	return &u, nil
}

// UsersByIDs returns the users with these ids, keyed by id.
func (s *Store) UsersByIDs(ctx context.Context, ids []int64) (map[int64]*User, error) {
	out := map[int64]*User{}
	if len(ids) == 0 {
		return out, nil
	}
	var users []User
	if err := s.q(ctx).Where("id IN ?", ids).Find(&users).Error; err != nil {
		return nil, err
	}
	for i := range users {
		out[users[i].ID] = &users[i]
	}
	return out, nil
}

// CountUsers returns how many accounts exist.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&User{}).Count(&n).Error
	return n, err
}

// UserUpdate is a change of an account: unset fields stay as they are.
type UserUpdate struct {
	PasswordHash    *string
	Nickname        *string
	AvatarURL       *string
	AvatarUploadID  Null[int64]
	Role            *string
	EmailVerifiedAt *time.Time
	DisabledAt      Null[time.Time]
	Language        Null[string]
}

// UpdateUser writes the fields u sets of one user, and the time of the
// change; ErrNotFound for no such user.
func (s *Store) UpdateUser(ctx context.Context, id int64, u UserUpdate) error {
	c := columns{}
	putPtr(c, "password_hash", u.PasswordHash)
	putPtr(c, "nickname", u.Nickname)
	putPtr(c, "avatar_url", u.AvatarURL)
	putNull(c, "avatar_upload_id", u.AvatarUploadID)
	putPtr(c, "role", u.Role)
	putPtr(c, "email_verified_at", u.EmailVerifiedAt)
	putNull(c, "disabled_at", u.DisabledAt)
	putNull(c, "language", u.Language)
	c["updated_at"] = time.Now().UTC()
	res := s.q(ctx).Model(&User{}).Where("id = ?", id).Updates(map[string]any(c))
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// SearchUsers finds users by exact username or by a nickname substring,
// exact username matches first. E-mails are never searched, and users who
// blocked viewerID are left out.
func (s *Store) SearchUsers(ctx context.Context, viewerID int64, q string, limit int) ([]User, error) {
	q = strings.TrimSpace(q)
	like := "%" + escapeLike(strings.ToLower(q)) + "%"
	var users []User
	err := s.q(ctx).
		Where("username = ? OR LOWER(nickname) LIKE ? ESCAPE '\\'", strings.ToLower(q), like).
		Where("id NOT IN (SELECT user_id FROM blocks WHERE blocked_id = ?)", viewerID).
		Order(clauseExpr("CASE WHEN username = ? THEN 0 ELSE 1 END", strings.ToLower(q))).
		Order("id").Limit(limit).Find(&users).Error
	return users, err
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// UserIDsWithRole lists the ids of users with a role.
func (s *Store) UserIDsWithRole(ctx context.Context, role string) ([]int64, error) {
	var ids []int64
	err := s.q(ctx).Model(&User{}).Where("role = ?", role).Order("id").Pluck("id", &ids).Error
	return ids, err
}

// UserFilter narrows the admin's user list; zero fields match everything.
type UserFilter struct {
	Query   string // substring of username, e-mail or nickname
	Role    string
	AfterID int64
}

// ListUsers lists accounts by id for the admin, matching Query as a
// case-insensitive substring of username, e-mail or nickname.
func (s *Store) ListUsers(ctx context.Context, f UserFilter, limit int) ([]User, error) {
	q := s.q(ctx).Model(&User{})
	if t := strings.TrimSpace(f.Query); t != "" {
		like := "%" + escapeLike(strings.ToLower(t)) + "%"
		q = q.Where("(username LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\' OR LOWER(nickname) LIKE ? ESCAPE '\\')", like, like, like)
	}
	if f.Role != "" {
		q = q.Where("role = ?", f.Role)
	}
	if f.AfterID != 0 {
		q = q.Where("id > ?", f.AfterID)
	}
	var out []User
	err := q.Order("id").Limit(limit).Find(&out).Error
	return out, err
}

// LockActiveAdmins returns the ids of the enabled admins, locking their
// rows until the transaction ends so that two admins cannot demote each
// other at once (SQLite transactions hold the write lock from the start).
func (s *Store) LockActiveAdmins(ctx context.Context) ([]int64, error) {
	q := s.q(ctx).Model(&User{}).Where("role = ? AND disabled_at IS NULL", "admin").Order("id")
	if s.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var ids []int64
	err := q.Pluck("id", &ids).Error
	return ids, err
}
