package auth

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/parley-chat/parley/internal/audit"
	"github.com/parley-chat/parley/internal/errs"
	"github.com/parley-chat/parley/internal/kv"
	"github.com/parley-chat/parley/internal/store"
)

// Sessions closes the open realtime sessions of a user on every node.
type Sessions interface {
	CloseUser(ctx context.Context, userID int64, reason string)
}

// UserPatch is an admin's change to an account; nil fields stay.
type UserPatch struct {
	Role     *string `json:"role"`
	Disabled *bool   `json:"disabled"`
}

var errNeedAdmin = errs.R(errs.Forbidden, "forbidden", "only admins manage users")

// ListUsers lists accounts by id for an admin: q matches a substring of
// the username, e-mail or nickname; role narrows to one role. It returns
// the cursor of the next page (0 on the last). Errors: 403, 400.
func (s *Service) ListUsers(ctx context.Context, actor Identity, q, role string, cursor int64, limit int) ([]User, int64, error) {
	if !actor.IsAdmin() {
		return nil, 0, errNeedAdmin
	}
	if len(q) > 64 {
		return nil, 0, errs.Field("q", "at most 64 characters")
	}
	if role != "" && !validRole(role) {
		return nil, 0, errs.Field("role", "one of user, agent, admin")
	}
	rows, err := s.store.ListUsers(ctx, store.UserFilter{Query: q, Role: role, AfterID: cursor}, limit+1)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list users")
	}
	var next int64
	if len(rows) > limit {
		rows = rows[:limit]
		next = rows[limit-1].ID
	}
	out := make([]User, 0, len(rows))
	for i := range rows {
		out = append(out, *UserView(&rows[i]))
	}
	return out, next, nil
}

func validRole(r string) bool { return r == RoleUser || r == RoleAgent || r == RoleAdmin }

// UpdateUser changes an account's role or disables/enables it (admins
// only). Disabling revokes every refresh token and closes the user's
// sockets; their access tokens stop working at once. No change may leave
// the deployment without an enabled admin. Errors: 403 forbidden, 400
// invalid_input, 404 user_not_found, 409 last_admin.
func (s *Service) UpdateUser(ctx context.Context, actor Identity, id int64, p UserPatch) (*User, error) {
	if !actor.IsAdmin() {
		return nil, errNeedAdmin
	}
	if p.Role != nil && !validRole(strings.TrimSpace(*p.Role)) {
		return nil, errs.Field("role", "one of user, agent, admin")
	}
	var (
		u       *store.User
		changed bool
	)
	err := s.store.Tx(ctx, func(tx *store.Store) error {
		var err error
		u, err = tx.UserByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errs.R(errs.NotFound, "user_not_found", "no such user")
		}
		if err != nil {
			return errs.Wrap(err, "load user")
		}
		admins, err := tx.LockActiveAdmins(ctx)
		if err != nil {
			return errs.Wrap(err, "lock admins")
		}
		role, disabled := u.Role, u.DisabledAt != nil
		if p.Role != nil {
			role = strings.TrimSpace(*p.Role)
		}
		if p.Disabled != nil {
			disabled = *p.Disabled
		}
		wasAdmin := u.Role == RoleAdmin && u.DisabledAt == nil
		if wasAdmin && (role != RoleAdmin || disabled) && len(admins) <= 1 {
			return errs.R(errs.Conflict, "last_admin", "this is the last enabled admin: make another admin first")
		}
		var fields store.UserUpdate
		now := s.now()
		if role != u.Role {
			fields.Role = &role
			if err := audit.Record(ctx, tx, actor.ID, "user.role", "user", u.ID, map[string]any{"from": u.Role, "to": role}); err != nil {
				return errs.Wrap(err, "record action")
			}
			u.Role = role
		}
		if disabled != (u.DisabledAt != nil) {
			action := "user.enable"
			if disabled {
				action = "user.disable"
				fields.DisabledAt = store.SetTo(now)
				u.DisabledAt = &now
				if err := tx.RevokeUserRefreshTokens(ctx, u.ID, now); err != nil {
					return errs.Wrap(err, "revoke sessions")
				}
			} else {
				fields.DisabledAt = store.SetNull[time.Time]()
				u.DisabledAt = nil
			}
			if err := audit.Record(ctx, tx, actor.ID, action, "user", u.ID, nil); err != nil {
				return errs.Wrap(err, "record action")
			}
		}
		if fields == (store.UserUpdate{}) {
			return nil
		}
		changed = true
		return tx.UpdateUser(ctx, u.ID, fields)
	})
	if err != nil {
		return nil, err
	}
	if changed {
		s.publishState(ctx, u)
		if u.DisabledAt != nil {
			// Tickets issued before are void even should the account be
			// enabled again within their life.
			s.endSessions(ctx, u.ID, *u.DisabledAt, "account_disabled")
		}
	}
	return UserView(u), nil
}

// publishState makes a role change or a disabling take effect at once:
// access tokens already issued carry the old role and stay valid until they
// expire, so Authenticate consults this marker, which lives as long as
// they do. Open sockets are closed; the client reconnects with a fresh
// ticket, or cannot.
func (s *Service) publishState(ctx context.Context, u *store.User) {
	state := "role:" + u.Role
	reason := "role_changed"
	if u.DisabledAt != nil {
		state, reason = "disabled", "account_disabled"
	}
	if err := s.rdb.Set(ctx, s.stateKey(u.ID), state, s.cfg.AccessTokenTTL+s.cfg.AccessTokenTTL/2).Err(); err != nil {
		s.log.ErrorContext(ctx, "account state not published; old access tokens keep their role until they expire", "user_id", u.ID, "err", err)
	}
	if s.sessions != nil {
		s.sessions.CloseUser(ctx, u.ID, reason)
	}
}

func (s *Service) stateKey(userID int64) string {
	return s.keys("user", strconv.FormatInt(userID, 10), "state")
}

var errSessionEnded = errs.R(errs.Unauthorized, "session_revoked", "this session was signed out; sign in again")

// applyState checks an authenticated identity against what publishState
// and endSessions leave: a token issued before its sessions were revoked
// is refused, a disabled account is refused, a changed role wins over the
// token's. With Redis away the database answers instead (see
// stateFromDatabase).
func (s *Service) applyState(ctx context.Context, id Identity, issuedMs int64) (Identity, error) {
	vals, err := kv.GetMany(ctx, s.rdb, s.stateKey(id.ID), s.revokedKey(id.ID))
	if err != nil {
		s.log.WarnContext(ctx, "account state unavailable; asking the database", "user_id", id.ID, "err", err)
		return s.stateFromDatabase(ctx, id)
	}
	v, _ := vals[0].(string)
	if v == "disabled" {
		return id, errAccountDisabled(errs.Unauthorized)
	}
	if r, ok := vals[1].(string); ok {
		if at, err := strconv.ParseInt(r, 10, 64); err == nil && issuedMs < at {
			return id, errSessionEnded
		}
	}
	if role, ok := strings.CutPrefix(v, "role:"); ok {
		id.Role = role
	}
	return id, nil
}

// stateFromDatabase reads the account's role and whether it is disabled
// when Redis cannot say. Should the database fail too, the token's word is
// not taken for a privileged role: the caller acts as a plain user, so
// admin and agent actions fail closed.
func (s *Service) stateFromDatabase(ctx context.Context, id Identity) (Identity, error) {
	u, err := s.store.UserByID(ctx, id.ID)
	if errors.Is(err, store.ErrNotFound) {
		return id, errs.R(errs.Unauthorized, "invalid_token", "the access token is not valid")
	}
	if err != nil {
		s.log.WarnContext(ctx, "account state unavailable; privileges withheld", "user_id", id.ID, "err", err)
		id.Role = RoleUser
		return id, nil
	}
	if u.DisabledAt != nil {
		return id, errAccountDisabled(errs.Unauthorized)
	}
	id.Role = u.Role
	return id, nil
}

func errAccountDisabled(code errs.Code) error {
	return errs.R(code, "account_disabled", "this account has been disabled by an admin")
}
